// Build step of the drop-in bundles: the console messages leave the bundle for a file of their own.
//
// In the sources every warning is written in full, `warnOnce('some-code', `text ${value} more text`)`. About 70
// of them cost ~2 KB gzip, paid by every page although a well-used page never prints one. This plugin rewrites each
// message argument into `[index, value, ...]` (the values still computed at the call) and each code written as a
// literal into its number, and writes the texts, as functions of their values, and the codes, by number, to
// dist/heap-analytics-messages.js. runtime/warn.ts loads that file, once, when the first such warning is printed,
// and prints the same sentence the sources hold; the package's dist/esm keeps the texts inline.
// A value written `describe(x)` (runtime/warn.ts) goes as `x`, and the text describes it when it prints: so the
// bundle has no call of describe() left, and leaves out the function and its words.
// The declarations runtime/warn-messages.ts re-exports (the `debug` setting's event log, describe()) are copied into
// that file too, so the bundle ships only the call that loads them.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { minifySync, transformSync } from 'rolldown/experimental';
import { parseAst } from 'rolldown/parseAst';

/** Functions whose argument at this position is a message, and the files they may be called from. */
const MESSAGE_ARG = { warnOnce: 1, errorOnce: 1 };
/** markup-props.ts reports its problems through a local `warn(code, message)`. */
const LOCAL_MESSAGE_ARG = { 'runtime/markup-props.ts': { warn: 1 } };

export const MESSAGES_FILE = 'heap-analytics-messages.js';
/** The source module that stands for the messages file (an empty table); the bundle imports the real file instead. */
const MESSAGES_MODULE = '/warn-messages.ts';
/** The module whose describe() the texts call when they print, instead of the call site. */
const DESCRIBE_MODULE = 'runtime/warn.ts';

const DIRS = ['runtime', 'components'];

function sourceFiles(root) {
  return DIRS.flatMap((dir) =>
    readdirSync(join(root, dir))
      .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
      .sort()
      .map((name) => `${dir}/${name}`),
  );
}

function walk(node, visit) {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const child of node) walk(child, visit);
    return;
  }
  if (typeof node.type === 'string') visit(node);
  for (const key in node) if (key !== 'parent') walk(node[key], visit);
}

/**
 * The message arguments of one module, in source order: each a literal (its text pieces around the source of its
 * values, and which of them the text describes) or a pass-through identifier. Anything else is an error: a message
 * built elsewhere would silently keep its text.
 * A code written as a string literal comes with its message (`code`, where it is); a code built from values
 * (`${call}-key-invalid`) or passed on by name stays in the bundle.
 */
export function findMessages(code, file) {
  const table = { ...MESSAGE_ARG, ...LOCAL_MESSAGE_ARG[file] };
  const found = [];
  const ast = parseAst(code, { lang: 'ts' });
  // Only runtime/warn.ts's describe(), imported under its own name, moves to the messages file.
  const describes = ast.body.some(
    (node) => node.type === 'ImportDeclaration' && posix.join(posix.dirname(file), node.source.value) === DESCRIBE_MODULE && node.specifiers.some((s) => s.imported?.name === 'describe' && s.local.name === 'describe'),
  );
  /** A value's source, and whether the text describes it: `describe(x)` becomes `x`, described when printed. */
  const value = (e) =>
    describes && e.type === 'CallExpression' && e.callee.type === 'Identifier' && e.callee.name === 'describe' && e.arguments.length === 1 && e.arguments[0].type !== 'SpreadElement'
      ? [code.slice(e.arguments[0].start, e.arguments[0].end), true]
      : [code.slice(e.start, e.end), false];
  walk(ast, (node) => {
    if (node.type !== 'CallExpression' || node.callee.type !== 'Identifier' || !(node.callee.name in table)) return;
    const arg = node.arguments[table[node.callee.name]];
    const where = `${file}: ${code.slice(node.start, node.start + 60)}`;
    if (!code.startsWith(node.callee.name, node.start)) throw new Error(`warning catalog: source positions are off in ${file}`);
    if (!arg) throw new Error(`warning catalog: no message argument in ${where}`);
    const literal = node.arguments[table[node.callee.name] - 1];
    const codeAt = literal.type === 'Literal' && typeof literal.value === 'string' ? { code: literal.value, codeStart: literal.start, codeEnd: literal.end } : {};
    if (arg.type === 'Literal' && typeof arg.value === 'string') found.push({ ...codeAt, start: arg.start, end: arg.end, pieces: [arg.value], values: [], described: [] });
    else if (arg.type === 'TemplateLiteral') {
      const values = arg.expressions.map(value);
      found.push({
        ...codeAt,
        start: arg.start,
        end: arg.end,
        pieces: arg.quasis.map((q) => q.value.cooked),
        values: values.map(([source]) => source),
        described: values.map(([, described]) => described),
      });
    } else if (arg.type !== 'Identifier') throw new Error(`warning catalog: a message must be a string or template literal, or passed on by name, in ${where}`);
    else if (codeAt.code !== undefined) found.push(codeAt);
  });
  return found;
}

/**
 * A message's text as the source of a function of its values, for the messages file: a template literal as in the
 * sources, `(v0, v1) => `text ${v0} more ${describe(v1)}``. Each piece escapes what a template would read
 * otherwise: a backslash, a backtick, `${`, and a carriage return (a template turns a raw one into a line feed).
 */
export function textFunction({ pieces, described }) {
  const params = described.map((_, i) => `v${i}`);
  const value = (i) => (described[i] ? `describe(${params[i]})` : params[i]);
  const escape = (piece) => piece.replace(/[\\`]|\$(?=\{)/g, '\\$&').replace(/\r/g, '\\r');
  return `(${params.join(', ')}) => \`${pieces.map((piece, i) => escape(piece) + (i < params.length ? `\${${value(i)}}` : '')).join('')}\``;
}

/**
 * The texts of every message of the sources and every literal code, each numbered in a fixed order (files
 * sorted, then source order): `texts` by their function's source (textFunction), `codes` by themselves.
 */
export function buildCatalog(root) {
  const texts = new Map();
  const codes = new Map();
  const number = (map, key) => map.has(key) || map.set(key, map.size);
  for (const file of sourceFiles(root)) {
    for (const message of findMessages(readFileSync(join(root, file), 'utf8'), file)) {
      const { pieces, code } = message;
      if (pieces) number(texts, textFunction(message));
      if (code !== undefined) number(codes, code);
    }
  }
  return { texts, codes };
}

/** The top-level names a statement declares (imports included). */
function declaredNames(statement) {
  if (statement.type === 'ImportDeclaration') return statement.specifiers.map((s) => s.local.name);
  if (statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportDefaultDeclaration') return statement.declaration ? declaredNames(statement.declaration) : [];
  if (statement.id) return [statement.id.name];
  const names = [];
  for (const d of statement.declarations ?? []) walk(d.id, (node) => node.type === 'Identifier' && names.push(node.name));
  return names;
}

/**
 * The declarations runtime/warn-messages.ts re-exports (`export { name } from './module.ts'`), as minified
 * JavaScript for the messages file: of each module, only the exported declarations named, types stripped. One
 * that lacks a re-exported name, or whose copied code uses another of its top-level names (an import, a helper,
 * some state), is an error: the messages file has nothing to import it from, and the bundle keeps its own copy.
 */
export function lazyCode(root) {
  const from = `runtime${MESSAGES_MODULE}`;
  let out = '';
  for (const node of parseAst(readFileSync(join(root, from), 'utf8'), { lang: 'ts' }).body) {
    if (node.type !== 'ExportNamedDeclaration' || !node.source) continue;
    const file = join(dirname(from), node.source.value);
    const { code, errors } = transformSync(file, readFileSync(join(root, file), 'utf8'), { lang: 'ts' });
    if (errors.length) throw new Error(`warning catalog: ${file}: ${errors[0].message}`);
    const wanted = new Set(node.specifiers.map(({ local }) => local.name));
    const copied = [];
    const left = new Set();
    for (const statement of parseAst(code).body) {
      const names = declaredNames(statement);
      if (statement.type === 'ExportNamedDeclaration' && names.length && names.every((name) => wanted.has(name))) copied.push(statement);
      else for (const name of names) left.add(name);
    }
    const found = new Set(copied.flatMap(declaredNames));
    for (const { local, exported: as } of node.specifiers) {
      if (!found.has(local.name) || as.name !== local.name) throw new Error(`warning catalog: ${from} re-exports ${local.name} as ${as.name}, which ${file} does not export as such`);
    }
    walk(copied, (identifier) => {
      if (identifier.type === 'Identifier' && left.has(identifier.name)) {
        throw new Error(`warning catalog: ${file}: what ${from} re-exports uses ${identifier.name}, which ${MESSAGES_FILE} would not have`);
      }
    });
    out += minifySync(file, copied.map((statement) => code.slice(statement.start, statement.end)).join('\n'), { module: true }).code;
  }
  return out;
}

/** The vite plugin for the drop-in bundles. */
export function warningCatalog(root) {
  let catalog;
  let code;
  return {
    name: 'heap-analytics-warning-catalog',
    enforce: 'pre',
    buildStart() {
      catalog = buildCatalog(root);
      code = lazyCode(root);
    },
    resolveId(source) {
      if (source.endsWith(MESSAGES_MODULE)) return { id: `./${MESSAGES_FILE}`, external: true };
    },
    transform(code, id) {
      const file = id.startsWith(root) ? id.slice(root.length).replace(/^\//, '') : id;
      if (!DIRS.some((dir) => file.startsWith(`${dir}/`)) || !file.endsWith('.ts')) return;
      const messages = findMessages(code, file);
      if (!messages.length) return;
      let out = '';
      let at = 0;
      const changed = () => new Error(`warning catalog: ${file} changed during the build`);
      for (const message of messages) {
        const { code: literal, codeStart, codeEnd, start, end, pieces, values } = message;
        if (literal !== undefined) {
          if (!catalog.codes.has(literal)) throw changed();
          out += `${code.slice(at, codeStart)}${catalog.codes.get(literal)}`;
          at = codeEnd;
        }
        if (!pieces) continue;
        const n = catalog.texts.get(textFunction(message));
        if (n === undefined) throw changed();
        // As many line breaks as the text had, so the lines of the source map still match.
        const lost = code.slice(start, end).split('\n').length - [n, ...values].join(', ').split('\n').length;
        out += `${code.slice(at, start)}[${[n, ...values].join(', ')}]${'\n'.repeat(Math.max(0, lost))}`;
        at = end;
      }
      return { code: out + code.slice(at), map: null };
    },
    generateBundle() {
      const table = `export default [${[...catalog.texts.keys()].join(',\n')}];\nexport const codes = ${JSON.stringify([...catalog.codes.keys()])};\n`;
      this.emitFile({
        type: 'asset',
        fileName: MESSAGES_FILE,
        source:
          `// The console messages of heap-analytics.js, as functions of their values, and their codes, by number; the\n` +
          `// \`debug\` setting's event log; describe(), which the messages call. Loaded when the first message or event is printed.\n` +
          `${minifySync(MESSAGES_FILE, table, { module: true }).code}\n${code}\n`,
      });
    },
  };
}
