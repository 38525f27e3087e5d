// Loopback-only server: self-driving pages a.html -> b.html -> history.back(), logging what a.html's pageshow saw.
import http from 'node:http';
import fs from 'node:fs';
import { createCollector } from '../../demo/collector/handler.mjs';
import { fileURLToPath } from 'node:url';
const HERE = fileURLToPath(new URL('.', import.meta.url));
const collector = createCollector({ basePath: '/__collect', testing: true, logError: () => {} });
const port = Number(process.argv[2] ?? 8765);
const dist = process.env.DIST ?? fileURLToPath(new URL('../../dist', import.meta.url));
const log = [];
const variants = {
  bare: '',
  lockpagehide: `<script>
    let release; navigator.locks.request('t' + Math.random(), () => new Promise((r) => (release = r)));
    addEventListener('pagehide', () => release?.());</script>`,
  lockheld: `<script>navigator.locks.request('t' + Math.random(), () => new Promise(() => {}));</script>`,
  lockdone: `<script>navigator.locks.request('t' + Math.random(), () => {});</script>`,
  lockvis: `<script>
    let release; const take = () => navigator.locks.request('t' + Math.random(), () => new Promise((r) => (release = r)));
    take(); addEventListener('visibilitychange', () => document.visibilityState === 'hidden' ? release?.() : take());
    addEventListener('pagehide', () => release?.());</script>`,
  lockbu: `<script>
    let release; const take = () => navigator.locks.request('t' + Math.random(), () => new Promise((r) => (release = r)));
    take(); addEventListener('beforeunload', () => release?.());
    addEventListener('pageshow', (e) => e.persisted && take());</script>`,
  bubare: `<script>addEventListener('beforeunload', () => {});</script>`,
  lockearly: `<script>
    let release; navigator.locks.request('t' + Math.random(), () => new Promise((r) => (release = r)));
    setTimeout(() => release(), 1000);</script>`,
  ...Object.fromEntries(['nolock', 'lazy', 'lazy2'].map((n) => ['bundle' + n, `<script type="module" src="/alt/${n}/heap-analytics.js"></script>
    <heap-analytics env-id="bfc" endpoint="/__collect/v1/batch"></heap-analytics>`])),
  bundletrack: `<script type="module" src="/dist/heap-analytics.js"></script>
    <heap-analytics env-id="bfc" endpoint="/__collect/v1/batch"></heap-analytics><script>setTimeout(() => heap.track('Click'), 1400)</script>`,
  bundle: `<script type="module" src="/dist/heap-analytics.js"></script>
    <heap-analytics env-id="bfc" endpoint="/__collect/v1/batch"></heap-analytics>`,
};
const page = (v0, run) => { const v = v0.replace(/slow$/, ''); return  `<!doctype html><meta charset="utf-8"><title>a ${v}</title>${variants[v]}
<script>
  const run = ${JSON.stringify(run)}, v = ${JSON.stringify(v)};
  const say = (msg) => fetch('/log?run=' + run + '&v=' + v + '&msg=' + encodeURIComponent(msg));
  addEventListener('pageshow', (e) => {
    const step = sessionStorage.getItem(run);
    if (e.persisted) return say('restored');
    if (step) return say('reloaded');
    sessionStorage.setItem(run, '1');
    say('loaded vis=' + document.visibilityState);
    setTimeout(() => { location.href = '/b.html?run=' + run + '&v=' + v0; }, 1500);
  });
</script><p>page a (${v})</p>`.replace("const run", "const v0 = " + JSON.stringify(v0) + "; const run").replace("'&v=' + v)", "'&v=' + v0)"); };
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname.startsWith('/__collect')) return collector.handle(req, res);
  if (url.pathname === '/log') {
    const entry = { t: Date.now(), run: url.searchParams.get('run'), v: url.searchParams.get('v'), msg: url.searchParams.get('msg') };
    log.push(entry); console.log(JSON.stringify(entry));
    res.end('ok'); return;
  }
  if (url.pathname === '/result') { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(log.filter((e) => e.run === url.searchParams.get('run')))); return; }
  if (url.pathname === '/a.html') { res.setHeader('content-type', 'text/html'); res.end(page(url.searchParams.get('v'), url.searchParams.get('run'))); return; }
  if (url.pathname === '/b.html') {
    if (url.searchParams.get('slow') === null && url.searchParams.get('v').endsWith('slow')) { setTimeout(() => server.emit('request', Object.assign(req, { url: req.url + '&slow=1' }), res), 1500); return; }
    res.setHeader('content-type', 'text/html');
    res.end(`<!doctype html><meta charset="utf-8"><title>b</title><script>
      fetch('/log?run=${url.searchParams.get('run')}&v=${url.searchParams.get('v')}&msg=at-b');
      setTimeout(() => history.back(), 1500);</script><p>page b</p>`);
    return;
  }
  if (url.pathname.startsWith('/alt/')) {
    try { const body = fs.readFileSync(HERE + url.pathname.slice(1)); res.setHeader('content-type', 'text/javascript'); res.end(body); }
    catch { res.statusCode = 404; res.end(); }
    return;
  }
  if (url.pathname.startsWith('/dist/')) {
    try { const body = fs.readFileSync(dist + url.pathname.slice(5)); res.setHeader('content-type', 'text/javascript'); res.end(body); }
    catch { res.statusCode = 404; res.end(); }
    return;
  }
  res.statusCode = 404; res.end();
});
server.listen(port, '127.0.0.1', () => console.log('listening', port));
