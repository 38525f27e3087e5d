// The vite dev server behind `npm start`: the demo site, with the reference collector mounted as middleware.
// Not the library build (that is ../vite.config.mjs); startDemo() passes this config inline.
import { fileURLToPath } from 'node:url';

/** The repository root: demo pages load the element from /components/, so vite serves the whole tree. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Builds the dev server config around a collector.
 * @param {ReturnType<typeof import('./collector/handler.mjs').createCollector>} collector
 * @param {{ host?: string, port?: number, watch?: boolean, logLevel?: 'info' | 'warn' | 'error' | 'silent' }} [options]
 *   `watch: false` turns off file watching and hot reload, so edits elsewhere cannot reload pages under test.
 * @returns {import('vite').InlineConfig}
 */
export function demoViteConfig(collector, { host = '127.0.0.1', port = 5173, watch = true, logLevel = 'info' } = {}) {
  return {
    configFile: false,
    root: REPO_ROOT,
    appType: 'mpa',
    logLevel,
    clearScreen: false,
    server: {
      host,
      port,
      strictPort: false,
      hmr: watch,
      watch: watch ? {} : null,
      // Transforms the element's modules at startup, so the first page a newcomer opens loads fast.
      warmup: { clientFiles: ['./components/heap-analytics-define.ts'] },
      // The whole repository is served; its databases are not. (Vite's own defaults, then ours.)
      fs: {
        deny: ['.env', '.env.*', '*.{crt,pem,key,p12,pfx,cer,der}', '.npmrc', '.yarnrc.yml', '**/.git/**', '**/.data/**', '**/*.sqlite', '**/*.sqlite-*'],
      },
    },
    // Lit and uuid are served as the ES modules they ship: no pre-bundling, so no reload when a page first needs one.
    optimizeDeps: { noDiscovery: true, include: [] },
    plugins: [
      {
        name: 'heap-analytics-demo',
        configureServer(server) {
          // Registered here, these run before vite's own middlewares.
          server.middlewares.use((req, res, next) => void collector.handle(req, res, next));
          server.middlewares.use(demoRoutes);
          if (server.httpServer) collector.answerExpectContinue(/** @type {import('node:http').Server} */ (server.httpServer));
        },
      },
    ],
  };
}

/**
 * The routes a static host would add for the demo: / goes to the demo, every /demo/app/... URL
 * serves the single-page app (deep links and reloads work), and the signup form's POST lands on
 * the thank-you page.
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {() => void} next
 */
function demoRoutes(req, res, next) {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/' || path === '/demo') return redirect(res, '/demo/');
  if (req.method === 'POST' && path === '/demo/signup') {
    // A real site would store the signup; the demo only moves on, dropping the body unread.
    req.resume();
    return redirect(res, '/demo/thanks.html');
  }
  if ((req.method === 'GET' || req.method === 'HEAD') && /^\/demo\/app\/[^.]*$/.test(path)) req.url = '/demo/app/index.html';
  next();
}

/** @param {import('node:http').ServerResponse} res @param {string} location */
function redirect(res, location) {
  res.writeHead(303, { Location: location, 'Content-Length': 0 });
  res.end();
}
