// Build step of the drop-in bundles: the console messages leave the bundle for a file of their own.
//
// In the sources every warning is written in full, `warnOnce('some-code', `text ${value} more text`)`. About 70
// of them cost ~2 KB gzip, paid by every page although a well-used page never prints one. This plugin rewrites each
// message argument into `[index, value, ...]` (the values still computed at the call; `index` alone without values)
// and each code written as a literal into its number; a code whose text has its number (most) goes with its message,
// `warnOnce([index, value, ...])`; a code built from one value keeps the value, its piece of text numbered too
// (`#n#${method}`). It writes the texts, as functions of their values, and the codes, by number, to
// dist/heap-analytics-messages.js. runtime/warn.ts loads that file, once, when the first such warning is printed,
// and prints the same sentence the sources hold; the package's dist/esm keeps the texts inline.
// A value written `describe(x)` (runtime/warn.ts), or with another of the DESCRIBERS below, goes as `x`, and the text
// describes it when it prints: so the bundle has no call of these functions left, and leaves out their code and words.
// The declarations runtime/warn-messages.ts re-exports (the `debug` setting's event log, the describers) are copied
// into that file too, with the functions and constants they use, so the bundle ships only the call that loads them.
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { minifySync, transformSync } from 'rolldown/experimental';
import { parseAst } from 'rolldown/parseAst';

/** Functions whose argument at this position is a message, and the files they may be called from. */
const MESSAGE_ARG = { warnOnce: 1, errorOnce: 1 };
/** markup-props.ts reports its problems through a local `warn(code, message)`. */
const LOCAL_MESSAGE_ARG = { 'runtime/markup-props.ts': { warn: 1 } };

export const MESSAGES_FILE = 'heap-analytics-messages.js';
/** The source module that stands for the messages file (an empty table); the bundle imports the real file instead. */
const MESSAGES_MODULE = '/warn-messages.ts';
/**
 * The functions that exist only to put a value into a message's words, by the module that declares them: the texts
 * call them when they print, instead of the call site (runtime/warn-messages.ts re-exports each for the messages
 * file). A describer must not throw, nor call the page's code, and must give at print time the words it would
 * have given at the call (see each one's comment).
 */
const DESCRIBERS = new Map([
  ['describe', 'runtime/warn.ts'],
  ['safeMessage', 'runtime/warn.ts'],
  ['describeElement', 'runtime/markup-props.ts'],
  ['summarize', 'runtime/markup-props.ts'],
  ['callName', 'runtime/validate.ts'],
]);

const DIRS = ['runtime', 'components'];
/** The module that prints the messages, and its switch for messages that are texts (true in the sources). */
const WARN_MODULE = 'runtime/warn.ts';
const TEXTS_ON = 'const TEXTS = true as boolean;';

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
 * A code written as a string literal comes with its message (`code`, where it is); so does one built from a value
 * and one piece of text (`pattern`: `${call}-key-invalid`); any other code built from values, or passed on by
 * name, stays in the bundle.
 */
export function findMessages(code, file) {
  const table = { ...MESSAGE_ARG, ...LOCAL_MESSAGE_ARG[file] };
  const found = [];
  const ast = parseAst(code, { lang: 'ts' });
  // Only the DESCRIBERS move to the messages file: each imported from its module under its own name, or declared in
  // this module if it is theirs.
  const describers = new Set();
  for (const node of ast.body) {
    if (node.type === 'ImportDeclaration') {
      const from = posix.join(posix.dirname(file), node.source.value);
      for (const s of node.specifiers) if (s.imported?.name === s.local.name && DESCRIBERS.get(s.local.name) === from) describers.add(s.local.name);
    } else for (const name of declaredNames(node)) if (DESCRIBERS.get(name) === file) describers.add(name);
  }
  /** A value's source, and the describer the text calls on it (or false): `describe(x)` becomes `x`, described when printed. */
  const value = (e) =>
    e.type === 'CallExpression' && e.callee.type === 'Identifier' && describers.has(e.callee.name) && e.arguments.length === 1 && e.arguments[0].type !== 'SpreadElement'
      ? [code.slice(e.arguments[0].start, e.arguments[0].end), e.callee.name]
      : [code.slice(e.start, e.end), false];
  walk(ast, (node) => {
    if (node.type !== 'CallExpression' || node.callee.type !== 'Identifier' || !(node.callee.name in table)) return;
    const arg = node.arguments[table[node.callee.name]];
    const where = `${file}: ${code.slice(node.start, node.start + 60)}`;
    if (!code.startsWith(node.callee.name, node.start)) throw new Error(`warning catalog: source positions are off in ${file}`);
    if (!arg) throw new Error(`warning catalog: no message argument in ${where}`);
    const literal = node.arguments[table[node.callee.name] - 1];
    const codeAt = literal.type === 'Literal' && typeof literal.value === 'string' ? { code: literal.value, codeStart: literal.start, codeEnd: literal.end } : {};
    // A code built from one value and one piece of text, either side of it (`element-dormant-${method}`,
    // `${call}-key-invalid`): the piece is numbered like a literal code.
    const [before, after] = literal.type === 'TemplateLiteral' && literal.expressions.length === 1 ? literal.quasis.map((q) => q.value.cooked) : [];
    if (!before !== !after) {
      const [value] = literal.expressions;
      codeAt.pattern = { piece: before || after, first: !!before, value: code.slice(value.start, value.end) };
      Object.assign(codeAt, { codeStart: literal.start, codeEnd: literal.end });
    }
    // Whether the message ends the call (no `cause` after it): if not, it is written as an array.
    const last = arg === node.arguments.at(-1);
    if (arg.type === 'Literal' && typeof arg.value === 'string') found.push({ ...codeAt, start: arg.start, end: arg.end, last, pieces: [arg.value], values: [], described: [] });
    else if (arg.type === 'TemplateLiteral') {
      const values = arg.expressions.map(value);
      found.push({
        ...codeAt,
        start: arg.start,
        end: arg.end,
        last,
        pieces: arg.quasis.map((q) => q.value.cooked),
        values: values.map(([source]) => source),
        described: values.map(([, described]) => described),
      });
    } else if (arg.type !== 'Identifier') throw new Error(`warning catalog: a message must be a string or template literal, or passed on by name, in ${where}`);
    else if (codeAt.codeStart !== undefined) found.push(codeAt);
  });
  return found;
}

/**
 * A message's text as the source of a function of its values, for the messages file: a template literal as in the
 * sources, `(v0, v1) => `text ${v0} more ${describe(v1)}`` (`described` names each value's describer, or is false). Each piece escapes what a template would read
 * otherwise: a backslash, a backtick, `${`, and a carriage return (a template turns a raw one into a line feed).
 */
export function textFunction({ pieces, described }) {
  const params = described.map((_, i) => `v${i}`);
  const value = (i) => (described[i] ? `${described[i]}(${params[i]})` : params[i]);
  const escape = (piece) => piece.replace(/[\\`]|\$(?=\{)/g, '\\$&').replace(/\r/g, '\\r');
  return `(${params.join(', ')}) => \`${pieces.map((piece, i) => escape(piece) + (i < params.length ? `\${${value(i)}}` : '')).join('')}\``;
}

/**
 * The texts of every message of the sources and every literal code, numbered in a fixed order (files sorted, then
 * source order): `texts` by their function's source (textFunction), `codes` by themselves. A code met for the first
 * time with a text met for the first time shares its number, so a call giving both passes that number once (most
 * codes have one text); any other text or code takes a number of its own, and the other table has a hole there.
 */
export function buildCatalog(root) {
  const texts = new Map();
  const codes = new Map();
  /** The pieces of the codes built from a value, numbered among the codes. */
  const patterns = new Map();
  let size = 0;
  const number = (map, key) => map.has(key) || map.set(key, size++);
  for (const file of sourceFiles(root)) {
    for (const message of findMessages(readFileSync(join(root, file), 'utf8'), file)) {
      const { pieces, code, pattern } = message;
      if (pattern) number(patterns, pattern.piece);
      const text = pieces && textFunction(message);
      if (text && code !== undefined && !texts.has(text) && !codes.has(code)) {
        texts.set(text, size);
        codes.set(code, size++);
      }
      if (text) number(texts, text);
      if (code !== undefined) number(codes, code);
    }
  }
  return { texts, codes, patterns };
}

/** The entries of a table numbered by buildCatalog, each at its number (a hole where the other table has one). */
const byNumber = (map) => [...map].reduce((entries, [key, n]) => ((entries[n] = key), entries), []);

/** The top-level names a statement declares (imports included). */
function declaredNames(statement) {
  if (statement.type === 'ImportDeclaration') return statement.specifiers.map((s) => s.local.name);
  if (statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportDefaultDeclaration') return statement.declaration ? declaredNames(statement.declaration) : [];
  if (statement.id) return [statement.id.name];
  const names = [];
  for (const d of statement.declarations ?? []) walk(d.id, (node) => node.type === 'Identifier' && names.push(node.name));
  return names;
}

/** The names a piece of code reads: its identifiers, but not the names of properties (`a.b`, `{ b: 1 }`). */
function namesRead(node, names = new Set()) {
  if (Array.isArray(node)) for (const child of node) namesRead(child, names);
  else if (node && typeof node === 'object') {
    if (node.type === 'Identifier') names.add(node.name);
    for (const key in node) {
      const propertyName = !node.computed && ((node.type === 'MemberExpression' && key === 'property') || (node.type === 'Property' && key === 'key'));
      if (key !== 'parent' && !propertyName) namesRead(node[key], names);
    }
  }
  return names;
}

/**
 * Constants that hold state the messages file may copy all the same: caches of what the DOM defines, which each
 * copy fills with the same values (`file:name`).
 */
const CACHES = new Set(['runtime/dom.ts:getters']);

/**
 * Whether a constant's value holds no state the messages file could get out of step with: a function, a literal (a
 * regular expression without the g or y flag, whose lastIndex would be state), or a read of a global
 * (`globalThis.Element?.prototype`, read again when the messages file loads).
 */
function stateless(e) {
  if (e.type === 'ArrowFunctionExpression' || e.type === 'FunctionExpression') return true;
  if (e.type === 'Literal') return !/[gy]/.test(e.regex?.flags ?? '');
  if (e.type === 'TemplateLiteral') return !e.expressions.length;
  if (e.type === 'ChainExpression') return stateless(e.expression);
  if (e.type === 'MemberExpression') return !e.computed && (e.object.type === 'Identifier' ? e.object.name === 'globalThis' : stateless(e.object));
  return false;
}

/**
 * The declarations runtime/warn-messages.ts re-exports (`export { name } from './module.ts'`), as minified
 * JavaScript for the messages file: of each module, only the exported declarations named, types stripped, with the
 * functions and constants they use, of their module or imported from another module of the sources, copied too
 * (dom.ts's reads, for describeElement). What the messages file could not serve is an error: a re-exported name its
 * module lacks, an import from a package, a name imported under another one, two declarations of one name, or
 * state (a `let`, a Set, anything but a function or a stateless constant), which the bundle and the messages file
 * would each hold a copy of.
 */
export function lazyCode(root) {
  const from = `runtime${MESSAGES_MODULE}`;
  /** Each source module read: its top-level declarations, and its imports (local name: [file, imported name]). */
  const modules = new Map();
  const read = (file) => {
    if (modules.has(file)) return modules.get(file);
    const { code, errors } = transformSync(file, readFileSync(join(root, file), 'utf8'), { lang: 'ts' });
    if (errors.length) throw new Error(`warning catalog: ${file}: ${errors[0].message}`);
    const module = { code, declared: new Map(), imports: new Map() };
    for (const statement of parseAst(code).body) {
      if (statement.type === 'ImportDeclaration') {
        for (const s of statement.specifiers) module.imports.set(s.local.name, [statement.source.value.startsWith('.') && posix.join(posix.dirname(file), statement.source.value), s.imported?.name]);
      } else for (const name of declaredNames(statement)) module.declared.set(name, statement);
    }
    modules.set(file, module);
    return module;
  };
  /** The code copied, dependencies before what uses them; the module of each name it declares. */
  const out = [];
  const owners = new Map();
  /** The names re-exported, by their module: copied with their export (a text may call them), whoever uses them first. */
  const wanted = new Map();
  const copy = (file, name, user) => {
    const { code, declared, imports } = read(file);
    const exported = wanted.get(name) === file;
    const statement = declared.get(name);
    if (owners.get(name) === file) return;
    if (owners.has(name)) throw new Error(`warning catalog: ${MESSAGES_FILE} would get two declarations named ${name}, of ${owners.get(name)} and ${file}`);
    if (exported && statement?.type !== 'ExportNamedDeclaration') throw new Error(`warning catalog: ${from} re-exports ${name}, which ${file} does not export as such`);
    const declaration = statement?.declaration ?? statement;
    if (!exported && !(declaration?.type === 'FunctionDeclaration' || (declaration?.kind === 'const' && declaration.declarations.every((d) => d.init && (stateless(d.init) || CACHES.has(`${file}:${d.id.name}`)))))) {
      throw new Error(`warning catalog: ${user}: what ${from} re-exports uses ${name}, which ${MESSAGES_FILE} would not have${statement ? ' (it holds state)' : ''}`);
    }
    for (const declaredName of declaredNames(declaration)) owners.set(declaredName, file);
    for (const used of namesRead(declaration)) {
      if (owners.get(used) === file) continue;
      if (declared.has(used)) copy(file, used, file);
      else if (imports.has(used)) {
        const [source, imported] = imports.get(used);
        if (!source || imported !== used) throw new Error(`warning catalog: ${file}: what ${from} re-exports uses ${used}, which ${MESSAGES_FILE} would not have`);
        copy(source, used, file);
      }
    }
    // What the messages file's texts call keeps its export, and so its name; the rest the minifier may rename.
    out.push(code.slice((exported ? statement : declaration).start, declaration.end));
  };
  for (const node of parseAst(readFileSync(join(root, from), 'utf8'), { lang: 'ts' }).body) {
    if (node.type !== 'ExportNamedDeclaration' || !node.source) continue;
    const file = posix.join(posix.dirname(from), node.source.value);
    for (const { local, exported: as } of node.specifiers) {
      if (as.name !== local.name) throw new Error(`warning catalog: ${from} re-exports ${local.name} as ${as.name}, which ${file} does not export as such`);
      wanted.set(local.name, file);
    }
  }
  for (const [name, file] of wanted) copy(file, name, from);
  // One pass of the minifier for all of it: it renames what is not exported, and two passes could pick the same names.
  return minifySync(MESSAGES_FILE, out.join('\n'), { module: true }).code;
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
      // A describer the texts call that the messages file lacks would lose each of its warnings when printing.
      const exported = parseAst(code).body.flatMap((s) => (s.type !== 'ExportNamedDeclaration' ? [] : s.declaration ? declaredNames(s) : s.specifiers.map((x) => x.exported.name)));
      for (const name of DESCRIBERS.keys()) if (!exported.includes(name)) throw new Error(`warning catalog: runtime${MESSAGES_MODULE} does not re-export ${name}, which the texts call`);
    },
    resolveId(source) {
      if (source.endsWith(MESSAGES_MODULE)) return { id: `./${MESSAGES_FILE}`, external: true };
    },
    transform(code, id) {
      const file = id.startsWith(root) ? id.slice(root.length).replace(/^\//, '') : id;
      if (!DIRS.some((dir) => file.startsWith(`${dir}/`)) || !file.endsWith('.ts')) return;
      // No message of the bundles is a text: warn.ts's code for texts goes (its TEXTS is false).
      if (file === WARN_MODULE) {
        if (!code.includes(TEXTS_ON)) throw new Error(`warning catalog: ${file} no longer declares ${TEXTS_ON}`);
        return { code: code.replace(TEXTS_ON, 'const TEXTS = false as boolean;'), map: null };
      }
      const messages = findMessages(code, file);
      if (!messages.length) return;
      let out = '';
      let at = 0;
      const changed = () => new Error(`warning catalog: ${file} changed during the build`);
      for (const message of messages) {
        const { code: literal, codeStart, codeEnd, pattern, start, end, last, pieces, values } = message;
        // A code built from a value has its piece's number in the piece's place, as `#n#` (runtime/warn.ts puts the
        // piece back when it prints: the first such token of the code, so a value after it may hold anything).
        if (pattern) {
          if (!catalog.patterns.has(pattern.piece)) throw changed();
          const token = `#${catalog.patterns.get(pattern.piece)}#`;
          out += `${code.slice(at, codeStart)}\`${pattern.first ? `${token}\${${pattern.value}}` : `\${${pattern.value}}${token}`}\``;
          at = codeEnd;
        }
        const n = pieces ? catalog.texts.get(textFunction(message)) : false;
        if (n === undefined || (literal !== undefined && !catalog.codes.has(literal))) throw changed();
        // A code of the same number as its text goes with it: the message alone stands for both (runtime/warn.ts),
        // `n` or `[n, ...values]`; `[n, ...values]` when a cause follows, which tells it from a code and a message.
        const alone = literal !== undefined && catalog.codes.get(literal) === n;
        if (literal !== undefined && !alone) {
          out += `${code.slice(at, codeStart)}${catalog.codes.get(literal)}`;
          at = codeEnd;
        }
        if (n === false) continue;
        const from = alone ? codeStart : start;
        // A message without values is its number alone, unless it stands for its code before a cause.
        const written = values.length || (alone && !last) ? `[${[n, ...values].join(', ')}]` : `${n}`;
        // As many line breaks as the code and text had, so the lines of the source map still match.
        const lost = code.slice(from, end).split('\n').length - written.split('\n').length;
        out += `${code.slice(at, from)}${written}${'\n'.repeat(Math.max(0, lost))}`;
        at = end;
      }
      return { code: out + code.slice(at), map: null };
    },
    generateBundle() {
      const table = `export default [${byNumber(catalog.texts).join(',\n')}];\nexport const codes = ${JSON.stringify(byNumber([...catalog.codes, ...catalog.patterns]))};\n`;
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
