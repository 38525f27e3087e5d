// Builds the Custom Elements Manifest (dist/custom-elements.json) from the source with @custom-elements-manifest/analyzer.
import { readFileSync } from 'node:fs';
import { create, ts } from '@custom-elements-manifest/analyzer';
import { litPlugin } from '@custom-elements-manifest/analyzer/src/features/framework-plugins/lit/lit.js';

const ELEMENT_MODULE = 'components/heap-analytics.ts';
const DEFINE_MODULE = 'components/heap-analytics-define.ts';
const TYPES_MODULE = 'runtime/types.ts';
const LOAD_MODULE = 'runtime/load.ts';
const ELEMENT_CLASS = 'HeapAnalyticsElement';
const TAG = 'heap-analytics';

/** Where a source module ships: `components/x.ts` -> `dist/esm/components/x.js`. */
export const shippedPath = (path) => `dist/esm/${path.replace(/^\//, '').replace(/\.ts$/, '.js')}`;

const kebab = (name) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function jsDocText(node) {
  const docs = node.jsDoc ?? [];
  const text = docs.map((doc) => (typeof doc.comment === 'string' ? doc.comment : ts.getTextOfJSDocComment(doc.comment) ?? '')).join('\n');
  return text.trim() || undefined;
}

function findInterface(source, name) {
  let found;
  source.forEachChild((node) => {
    if (ts.isInterfaceDeclaration(node) && node.name.text === name) found = node;
  });
  if (!found) throw new Error(`build-manifest: interface ${name} not found in ${source.fileName}`);
  return found;
}

/**
 * Reads the element's settings (`HeapConfig` fields, each an attribute in kebab-case, as the element's
 * `#config()` maps them) and its fifteen delegated calls (`HeapApi`) from runtime/types.ts, and the consent pair from
 * runtime/load.ts.
 */
export function readElementApi(root = '.') {
  const source = ts.createSourceFile(TYPES_MODULE, readFileSync(`${root}/${TYPES_MODULE}`, 'utf8'), ts.ScriptTarget.ES2022, true);
  const attributes = findInterface(source, 'HeapConfig')
    .members.filter(ts.isPropertySignature)
    .map((member) => {
      const field = member.name.getText(source);
      const attribute = { name: kebab(field), type: { text: member.type?.getText(source) ?? 'string' } };
      const description = jsDocText(member);
      if (description) attribute.description = description;
      return attribute;
    });
  // The element also takes the consent pair from HeapRuntime (its interface picks them). `Consent` is spelled out as the
  // consent setting spells it: the manifest names no module that exports the alias.
  const consent = attributes.find((a) => a.name === 'consent').type.text;
  const runtimeSource = ts.createSourceFile(LOAD_MODULE, readFileSync(`${root}/${LOAD_MODULE}`, 'utf8'), ts.ScriptTarget.ES2022, true);
  const consentCalls = findInterface(runtimeSource, 'HeapRuntime').members.filter((m) => /^(set|get)Consent$/.test(m.name?.getText(runtimeSource)));
  const methods = [...findInterface(source, 'HeapApi').members, ...consentCalls]
    .filter(ts.isMethodSignature)
    .map((member) => {
      const source = member.getSourceFile();
      const method = { kind: 'method', name: member.name.getText(source) };
      if (member.parameters.length) {
        method.parameters = member.parameters.map((p) => {
          const parameter = { name: p.name.getText(source), type: { text: (p.type?.getText(source) ?? 'unknown').replace(/^Consent$/, consent) } };
          if (p.questionToken) parameter.optional = true;
          return parameter;
        });
      }
      method.return = { type: { text: (member.type?.getText(source) ?? 'void').replace(/^Consent$/, consent) } };
      const description = jsDocText(member);
      if (description) method.description = description;
      return method;
    });
  return { attributes, methods };
}

/** Analyzer plugin: completes what the generic mapping and the delegated methods hide from static analysis. */
function heapAnalyticsPlugin(root) {
  return {
    name: 'heap-analytics-element-api',
    packageLinkPhase({ customElementsManifest }) {
      const { attributes, methods } = readElementApi(root);
      const elementModule = customElementsManifest.modules.find((m) => m.path === ELEMENT_MODULE);
      const element = elementModule?.declarations?.find((d) => d.name === ELEMENT_CLASS);
      if (!element) throw new Error(`build-manifest: class ${ELEMENT_CLASS} not found in ${ELEMENT_MODULE}`);
      element.tagName = TAG;
      element.customElement = true;
      // The class extends HTMLElement through an expression (an empty class under Node), which names no superclass.
      element.superclass = { name: 'HTMLElement', package: 'global:' };
      element.attributes ??= [];
      for (const attribute of attributes) {
        if (!element.attributes.some((a) => a.name === attribute.name)) element.attributes.push(attribute);
      }
      element.members ??= [];
      for (const method of methods) {
        if (!element.members.some((m) => m.name === method.name)) element.members.push(method);
      }
      // `dispatchEvent(new CustomEvent(type, ...))` with a variable name yields an event called "type"; keep the documented ones (@fires).
      element.events = (element.events ?? []).filter((event) => event.description);

      // define.ts registers an anonymous subclass under a tag given at run time; describe the default registration instead.
      const defineModule = customElementsManifest.modules.find((m) => m.path === DEFINE_MODULE);
      if (defineModule) {
        defineModule.declarations = defineModule.declarations.filter((d) => !(d.kind === 'class' && d.name.startsWith('anonymous_')));
        defineModule.exports = (defineModule.exports ?? []).filter((e) => e.kind !== 'custom-element-definition');
        defineModule.exports.push({ kind: 'custom-element-definition', name: TAG, declaration: { name: ELEMENT_CLASS, module: ELEMENT_MODULE } });
      }
      // Manifest paths name the JavaScript a consumer imports, not the TypeScript source.
      rewritePaths(customElementsManifest);
    },
  };
}

function rewritePaths(value) {
  if (Array.isArray(value)) return value.forEach(rewritePaths);
  if (!value || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value)) {
    if ((key === 'path' || key === 'module') && typeof child === 'string' && child.endsWith('.ts')) value[key] = shippedPath(child);
    else rewritePaths(child);
  }
}

/** Analyzes the element's modules and returns the manifest object. */
export function buildManifest(root = '.') {
  const modules = [ELEMENT_MODULE, DEFINE_MODULE].map((path) =>
    ts.createSourceFile(path, readFileSync(`${root}/${path}`, 'utf8'), ts.ScriptTarget.ES2022, true),
  );
  return create({ modules, plugins: [...litPlugin(), heapAnalyticsPlugin(root)], context: { dev: false } });
}
