import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpError } from './http-util.mjs';

/** @typedef {import('node:http').IncomingMessage} IncomingMessage */
/** @typedef {import('node:http').ServerResponse} ServerResponse */

/** The live view: plain browser modules, served as they are. */
const LIVE_DIR = fileURLToPath(new URL('../live/', import.meta.url));
const COLLECTOR_DIR = fileURLToPath(new URL('.', import.meta.url));

const TYPES = /** @type {Record<string, string>} */ ({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
});

/**
 * The packages the live view imports, served from node_modules under /live/vendor/ and named in
 * the page's import map. Lit ships browser-ready ES modules, so no bundler runs at run time.
 */
const VENDOR_PACKAGES = ['lit', 'lit-html', 'lit-element', '@lit/reactive-element'];

/** @type {Map<string, string | undefined>} */
const packageDirs = new Map();

/**
 * GET {base}/: the live view page. Its Content-Security-Policy allows only the page's own scripts
 * (and its inline import map, by hash): the events it shows are whatever anyone posted.
 * @param {unknown} _ctx @param {IncomingMessage} req @param {ServerResponse} res
 */
export async function handleLivePage(_ctx, req, res) {
  const html = await readFile(join(LIVE_DIR, 'index.html'), 'utf8');
  const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
  const hash = createHash('sha256').update(importMap).digest('base64');
  res.writeHead(200, {
    'Content-Type': TYPES['.html'],
    'Content-Length': Buffer.byteLength(html),
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': [
      "default-src 'self'",
      `script-src 'self' 'sha256-${hash}'`,
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'none'",
    ].join('; '),
  });
  res.end(req.method === 'HEAD' ? undefined : html);
}

/**
 * GET {base} without the trailing slash: redirects to {base}/ so the page's relative URLs resolve.
 * @param {unknown} _ctx @param {IncomingMessage} req @param {ServerResponse} res
 */
export function handleLiveRedirect(_ctx, req, res) {
  const url = new URL(req.url ?? '/', 'http://collector');
  const last = url.pathname.split('/').pop();
  res.writeHead(308, { Location: `${last}/${url.search}`, 'Content-Length': 0 });
  res.end();
}

/**
 * GET {base}/live/<file>: the live view's modules and styles, and the Lit packages under /live/vendor/.
 * @param {unknown} _ctx @param {IncomingMessage} req @param {ServerResponse} res @param {URLSearchParams} _query @param {string} path
 */
export async function handleLiveAsset(_ctx, req, res, _query, path) {
  const relative = safeRelative(path.slice('/live/'.length));
  let root = LIVE_DIR;
  let file = relative;
  if (relative.startsWith('vendor/')) {
    const name = VENDOR_PACKAGES.find((pkg) => relative.startsWith(`vendor/${pkg}/`));
    const dir = name && vendorDir(name);
    if (!name || !dir || extname(relative) !== '.js') throw new HttpError(404, 'not found');
    root = dir;
    file = relative.slice(`vendor/${name}/`.length);
  }
  await sendFile(req, res, root, file);
}

/**
 * Decodes a URL path below the live root and refuses anything that could leave it.
 * @param {string} raw
 */
function safeRelative(raw) {
  let decoded;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, 'bad path');
  }
  const segments = decoded.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('\\') || s.includes('\0'))) {
    throw new HttpError(404, 'not found');
  }
  return decoded;
}

/**
 * Sends a file with a weak ETag, answering 304 when the browser's copy is current.
 * @param {IncomingMessage} req @param {ServerResponse} res @param {string} root @param {string} relative
 */
async function sendFile(req, res, root, relative) {
  const file = join(root, relative);
  const type = TYPES[extname(file)];
  if (!type || !file.startsWith(root.endsWith(sep) ? root : root + sep)) throw new HttpError(404, 'not found');
  let info;
  try {
    info = await stat(file);
  } catch {
    throw new HttpError(404, 'not found');
  }
  if (!info.isFile()) throw new HttpError(404, 'not found');
  const etag = `W/"${info.size}-${Math.floor(info.mtimeMs)}"`;
  const headers = { 'Content-Type': type, 'Cache-Control': 'no-cache', ETag: etag, 'X-Content-Type-Options': 'nosniff' };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const body = await readFile(file);
  res.writeHead(200, { ...headers, 'Content-Length': body.length });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * Finds an installed package's folder the way Node would: the nearest node_modules up the tree
 * (Lit's own dependencies looked up from Lit's folder).
 * @param {string} name
 */
function vendorDir(name) {
  if (!packageDirs.has(name)) {
    const from = name === 'lit' ? COLLECTOR_DIR : vendorDir('lit') ?? COLLECTOR_DIR;
    packageDirs.set(name, findPackage(name, from));
  }
  return packageDirs.get(name);
}

/** @param {string} name @param {string} from */
function findPackage(name, from) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}
