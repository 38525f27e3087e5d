// `heap-analytics plan`: reads HTML and template files and lists the tracking plan their data-heap-* markup declares.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
/** The markup audit (runtime/markup-audit.ts) bundled for Node by `npm run build`. */
export const AUDIT_MODULE = join(PACKAGE, 'dist', 'cli', 'plan.mjs');
const AUDIT_SOURCE = join(PACKAGE, 'runtime', 'markup-audit.ts');

/** File types read when a directory is given. */
export const TEMPLATE_EXTENSIONS = ['.html', '.htm', '.liquid', '.njk', '.hbs', '.twig', '.php', '.erb'];
const SKIP_DIRS = new Set(['node_modules', '.git', 'dist']);

/** Bundles runtime/markup-audit.ts for Node into `outFile` (linkedom stays external); used by the build and by the bin. */
export async function buildAuditModule(outFile = AUDIT_MODULE, esbuild) {
  esbuild ??= await import('esbuild');
  mkdirSync(dirname(outFile), { recursive: true });
  await esbuild.build({
    entryPoints: [AUDIT_SOURCE],
    outfile: outFile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['linkedom'],
    logLevel: 'error',
    legalComments: 'none',
  });
}

/** The newest modification time among the audit's sources, or 0 outside a source checkout. */
function sourceTime() {
  const dir = dirname(AUDIT_SOURCE);
  if (!existsSync(dir)) return 0;
  return Math.max(0, ...readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => statSync(join(dir, f)).mtimeMs));
}

/** Imports the built audit, building it first in a source checkout when it is missing or older than the sources. */
export async function loadAudit() {
  const built = existsSync(AUDIT_MODULE) ? statSync(AUDIT_MODULE).mtimeMs : 0;
  if (existsSync(AUDIT_SOURCE) && built < sourceTime()) {
    let esbuild;
    try {
      esbuild = await import('esbuild');
    } catch {
      if (!built) throw new Error('the markup audit is not built: run `npm run build` first.');
    }
    if (esbuild) await buildAuditModule(AUDIT_MODULE, esbuild);
  } else if (!built) {
    throw new Error('the markup audit is not built (dist/cli/plan.mjs is missing): run `npm run build` first.');
  }
  return import(`${pathToFileURL(AUDIT_MODULE).href}?t=${statSync(AUDIT_MODULE).mtimeMs}`);
}

/** Turns a simple glob (`*`, `**`, `?`) into a RegExp over `/`-separated paths. */
export function globToRegExp(glob) {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` matches zero or more directories.
      if (glob[i + 2] === '/') {
        out += '(?:.*/)?';
        i += 2;
      } else {
        out += '.*';
        i += 1;
      }
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    if (SKIP_DIRS.has(name)) continue;
    const path = join(dir, name);
    const stat = statSync(path);
    if (stat.isDirectory()) out.push(...walk(path));
    else out.push(path);
  }
  return out;
}

/** Expands files, directories (recursive, template extensions only) and globs into a sorted list of files. */
export function expandInputs(inputs, cwd = process.cwd()) {
  const files = new Set();
  const unmatched = [];
  for (const input of inputs) {
    const path = resolve(cwd, input);
    if (existsSync(path)) {
      if (statSync(path).isDirectory()) for (const f of walk(path)) TEMPLATE_EXTENSIONS.some((ext) => f.endsWith(ext)) && files.add(f);
      else files.add(path);
      continue;
    }
    if (!/[*?]/.test(input)) {
      unmatched.push(input);
      continue;
    }
    // The fixed directory part of the glob is where the walk starts.
    const parts = input.split(/[\\/]/);
    const fixed = [];
    while (parts.length > 1 && !/[*?]/.test(parts[0])) fixed.push(parts.shift());
    const base = resolve(cwd, fixed.join('/') || '.');
    const pattern = globToRegExp(parts.join('/'));
    let found = 0;
    if (existsSync(base) && statSync(base).isDirectory()) {
      for (const f of walk(base)) {
        if (pattern.test(relative(base, f).split(sep).join('/'))) {
          files.add(f);
          found++;
        }
      }
    }
    if (!found) unmatched.push(input);
  }
  return { files: [...files].sort(), unmatched };
}

const START_TAG = /<([a-zA-Z][\w:-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*\/?>/g;

// What the parser makes no audited element of: comments, and the text of script, style, textarea, title and template
// (but an open declarative shadow root's, which is audited: see attachDeclarativeShadowRoots).
const OPEN_SHADOW_ROOT = /^<template\b[^>]*\sshadowrootmode\s*=\s*["']?open\b/i;
const UNPARSED = /<!--[\s\S]*?(?:-->|$)|(<(script|style|textarea|title|template)\b[^>]*>)[\s\S]*?(?=<\/\2\s*>|$)/gi;

/** A data-heap-* attribute other than autocapture's own (runtime/markup-audit.ts, isAnnotated): misspelt ones too. */
const MARKUP_ATTR = /\sdata-heap-(?!(?:ignore|redact-text|redact-attributes)(?![^\s=/>]))/i;

/** The `<heap-analytics>` attributes the audit checks (runtime/markup-audit.ts, auditTracker). */
const TRACKER_ATTRS = /\s(?:identity|event-properties|user-properties)(?=[\s=]|$)/i;

/**
 * Line numbers of the start tags the audit reports (data-heap-* markup but autocapture's ignore and redact, and `<heap-analytics>`
 * with identity attributes), in source order, with their tag names.
 */
function annotatedTags(source) {
  const tags = [];
  // Blanked but for its line breaks, so the lines of what follows stay where they were.
  const visible = source.replace(UNPARSED, (m, open = '') =>
    OPEN_SHADOW_ROOT.test(open) ? m : open + m.slice(open.length).replace(/[^\n]/g, ''),
  );
  for (const m of visible.matchAll(START_TAG)) {
    const tag = m[1].toLowerCase();
    if (!MARKUP_ATTR.test(m[2]) && !(tag === 'heap-analytics' && TRACKER_ATTRS.test(m[2]))) continue;
    tags.push({ tag, line: visible.slice(0, m.index).split('\n').length });
  }
  return tags;
}

/**
 * Attaches declarative shadow DOM (`<template shadowrootmode>`) as a browser parsing the page does, which linkedom
 * does not: the markup of an open root is then audited, with its host's scopes; a closed root hides it, as from the tracker.
 */
function attachDeclarativeShadowRoots(root) {
  for (const template of root.querySelectorAll('template[shadowrootmode]')) {
    const host = template.parentElement;
    const mode = template.getAttribute('shadowrootmode').toLowerCase();
    if (!host || (mode !== 'open' && mode !== 'closed')) continue;
    let shadow;
    try {
      // A host has one root: a browser leaves a second template in place.
      shadow = host.attachShadow({ mode });
    } catch {
      continue;
    }
    template.remove();
    shadow.append(template.content);
    attachDeclarativeShadowRoots(shadow);
  }
}

/**
 * Lower-cases data-heap-* attribute names in `root` and the open shadow roots in it, as browsers do as they parse
 * (DATA-HEAP-EVENT is data-heap-event); linkedom keeps them as written.
 */
function lowerCaseMarkup(root) {
  for (const el of root.querySelectorAll('*')) {
    for (const { name, value } of [...el.attributes]) {
      if (name !== name.toLowerCase() && /^data-heap-/i.test(name)) {
        el.removeAttribute(name);
        el.setAttribute(name.toLowerCase(), value);
      }
    }
    if (el.shadowRoot) lowerCaseMarkup(el.shadowRoot);
  }
}

/** Audits one file's text: the plan entries (event, triggers, properties, problems) with a line number each. */
export function planSource(source, { parseHTML, auditMarkup }) {
  const { document } = parseHTML(source.includes('<html') ? source : `<!doctype html><html><body>${source}</body></html>`);
  attachDeclarativeShadowRoots(document);
  lowerCaseMarkup(document);
  const tags = annotatedTags(source);
  let cursor = 0;
  return auditMarkup(document).map((entry) => {
    // Source tags and parsed elements come in the same order; match them by tag name, skipping what the parser dropped.
    let line = null;
    for (let i = cursor; i < tags.length; i++) {
      if (tags[i].tag === entry.element.localName) {
        line = tags[i].line;
        cursor = i + 1;
        break;
      }
    }
    return {
      line,
      element: entry.description,
      kind: entry.kind,
      event: entry.event,
      triggers: entry.triggers,
      properties: entry.properties,
      ...(entry.pageview ? { pageview: entry.pageview } : {}),
      ...(entry.pageviewProperties && !entry.pageview ? { pageviewProperties: entry.pageviewProperties } : {}),
      problems: entry.problems,
    };
  });
}

/** Audits every file; returns `{ files: [{ file, entries }], problems }`. */
export async function plan(inputs, { cwd = process.cwd() } = {}) {
  const [{ parseHTML }, { auditMarkup }] = await Promise.all([import('linkedom'), loadAudit()]);
  const { files, unmatched } = expandInputs(inputs, cwd);
  const result = [];
  let problems = 0;
  for (const file of files) {
    const entries = planSource(readFileSync(file, 'utf8'), { parseHTML, auditMarkup });
    problems += entries.reduce((n, e) => n + e.problems.length, 0);
    result.push({ file: relative(cwd, file).split(sep).join('/') || file, entries });
  }
  return { files: result, unmatched, events: result.reduce((n, f) => n + f.entries.filter((e) => e.kind === 'event').length, 0), problems };
}

const formatProps = (props) => (Object.keys(props).length ? JSON.stringify(props) : '');

/** The plan as a plain-text table of events, then the problems found. */
export function formatTable(report) {
  const rows = [];
  for (const { file, entries } of report.files) {
    for (const e of entries) {
      if (e.kind === 'scope') continue;
      const where = `${file}:${e.line ?? '?'}`;
      if (e.kind === 'event') rows.push([where, e.event ?? '(none)', e.triggers.join(' '), formatProps(e.properties)]);
      if (e.pageview) rows.push([where, `(pageview ${JSON.stringify(e.pageview.key)})`, 'appear', formatProps(e.pageview.properties)]);
      else if (e.pageviewProperties) rows.push([where, '(pageview properties)', 'appear', formatProps(e.pageviewProperties)]);
    }
  }
  const header = ['location', 'event', 'trigger', 'properties'];
  const widths = header.map((h, i) => Math.min(48, Math.max(h.length, ...rows.map((r) => r[i].length))));
  const line = (cells) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  const out = [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
  out.push('', `${report.events} event${report.events === 1 ? '' : 's'} in ${report.files.length} file${report.files.length === 1 ? '' : 's'}`);
  if (report.problems) {
    out.push('', `${report.problems} problem${report.problems === 1 ? '' : 's'}:`);
    for (const { file, entries } of report.files) {
      for (const e of entries) for (const p of e.problems) out.push(`  ${file}:${e.line ?? '?'}  ${p.code}  ${p.message}`);
    }
  } else {
    out.push('no problems found');
  }
  for (const u of report.unmatched) out.push(`warning: ${u} matched no file`);
  return out.join('\n');
}

/** The plan as JSON: files, their entries (line, element, event, triggers, properties, problems) and totals. */
export function formatJson(report) {
  return JSON.stringify(report, null, 2);
}
