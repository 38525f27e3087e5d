// Browser tests: real Chromium and Firefox ESR from Debian, the real collector handler as middleware.
import { chromeLauncher } from '@web/test-runner-chrome';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { defaultReporter } from '@web/test-runner';
import { summaryReporter } from './test/summary-reporter.mjs';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from './scripts/chromium.mjs';
import * as puppeteerCore from 'puppeteer-core';
import { createCollector, koaMiddleware } from './demo/collector/handler.mjs';

const collector = createCollector({ basePath: '/__collect', testing: true });

// --expose-gc: a leak test forces a collection (runtime/markup-roots.test.ts).
const chromiumFlags = [...CHROMIUM_FLAGS, '--js-flags=--expose-gc'];

// A window per test page, not a tab: with two pages at once, the background tab is hidden and gets no
// rendering, so IntersectionObserver (view triggers) and visibility-dependent code would never run there.
// On a busy 2-core machine a test page with many modules can take longer than puppeteer's 30 s default to load.
const inOwnWindow = async ({ context }) => {
  const page = await context.newPage({ type: 'window' });
  page.setDefaultNavigationTimeout(120_000);
  return page;
};

// Firefox ESR 140 (Debian bookworm's) has no WebDriver BiDi command for the screen orientation, which puppeteer sends
// beside the viewport size on every test page: the size still applies, so only that refusal is let pass.
const inOwnFirefoxWindow = async (args) => {
  const page = await inOwnWindow(args);
  const setViewport = page.setViewport.bind(page);
  page.setViewport = (viewport) =>
    setViewport(viewport).catch((err) => {
      if (!String(err?.message).includes('unknown command emulation.setScreenOrientationOverride')) throw err;
    });
  return page;
};

const wanted = (process.env.BROWSERS ?? 'chromium,firefox').split(',');
const browsers = [];
if (wanted.includes('chromium')) {
  browsers.push(
    chromeLauncher({
      createPage: inOwnWindow,
      launchOptions: { executablePath: CHROMIUM_PATH, headless: true, args: chromiumFlags },
    }),
  );
}
if (wanted.includes('firefox')) {
  browsers.push(
    chromeLauncher({
      puppeteer: puppeteerCore,
      createPage: inOwnFirefoxWindow,
      launchOptions: {
        browser: 'firefox',
        executablePath: process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr',
        headless: true,
        extraPrefsFirefox: { 'network.dns.forceResolve': '127.0.0.1' },
      },
    }),
  );
}

export default {
  files: process.env.TEST_FILES ? process.env.TEST_FILES.split(',') : ['runtime/**/*.test.ts', 'components/**/*.test.ts', 'test/**/*.test.ts'],
  nodeResolve: true,
  browsers,
  concurrency: 2,
  concurrentBrowsers: 2,
  testFramework: { config: { timeout: 60000 } },
  testsFinishTimeout: 300000,
  browserStartTimeout: 60000,
  plugins: [esbuildPlugin({ ts: true, tsconfig: new URL('./tsconfig.json', import.meta.url).pathname })],
  middleware: [koaMiddleware(collector)],
  reporters: [defaultReporter(), summaryReporter()],
  filterBrowserLogs: ({ args }) => !String(args[0] ?? '').includes('Lit is in dev mode'),
};
