// What the bench runs: the no-SDK baseline, ours, and the peers, each pointed at this machine's loopback server
// with remote config off. `boot` is page code (a function body returning a promise that settles at "ready"),
// with `R` = { origin, run, asset(name) } in scope; `call` is the track call, with `N` (name) and `p` (props).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const versionOf = (pkg) => JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')).version;

const parse = (text) => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};
const listOf = (value, key) => (Array.isArray(value) ? value : Array.isArray(value?.[key]) ? value[key] : value ? [value] : []);

/** Tallies the events of one request body: the bench's tracks, autocaptured clicks, and anything else. */
function tally(events, isTrack, isClick) {
  const c = { track: 0, click: 0, other: 0 };
  for (const e of events) {
    if (isTrack(e)) c.track++;
    else if (isClick(e)) c.click++;
    else c.other++;
  }
  return c;
}

function snowplowSchema(e) {
  let raw = e.ue_pr;
  if (!raw && e.ue_px) raw = Buffer.from(e.ue_px.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
  return parse(raw ?? '')?.data?.schema ?? '';
}

/**
 * The page script that installs ours as a site would: the element with an env id and endpoint (plus `attributes`),
 * then the ES module bundle served as `asset`; it resolves when the element is ready. The A/B and profiling scripts
 * boot their builds with it too.
 */
export const oursBoot = (attributes = {}, asset = 'heap-analytics.js') => `
      const el = document.createElement('heap-analytics');
      el.setAttribute('env-id', R.run);
      el.setAttribute('endpoint', '/run/' + R.run + '/__collect/v1/batch');
      for (const [name, value] of Object.entries(${JSON.stringify(attributes)})) el.setAttribute(name, value);
      const ready = new Promise((resolve) => el.addEventListener('heap-ready', resolve, { once: true }));
      document.body.append(el);
      R.script(R.asset(${JSON.stringify(asset)}), 'module');
      return ready;`;

/** The SDKs, baseline first and ours second; `peer: true` marks the ones we compare against. */
export function describeSdks({ ours: built }) {
  /** Ours: the drop-in install, the element with an env id and endpoint (plus `attributes`), and the ES module bundle. */
  const ours = (id, label, attributes) => ({
    id,
    label,
    version: built.version,
    ours: true,
    assets: ['heap-analytics.js'],
    boot: oursBoot(attributes),
    call: `heap.track(N, p)`,
    clicks: true,
    markup: true,
  });
  return [
    {
      id: 'none',
      label: 'no SDK (baseline)',
      version: '',
      assets: ['noop.js'],
      boot: `return R.script(R.asset('noop.js'));`,
      call: `void N, void p`,
      clicks: true,
      markup: true,
    },
    ours('ours', 'heap-analytics', {}),
    // The same install with the queue caps raised above the burst, so all 10,000 events are kept and delivered:
    // the default caps (1,000 events, 1 MB) drop most of a 10,000-call burst, which makes the delivery figures incomparable.
    { ...ours('ours-uncapped', 'heap-analytics, max-events=20000 max-bytes=50000000', { 'max-events': '20000', 'max-bytes': '50000000' }), clicks: false, markup: false },
    // Not an SDK: the least any tracker of view triggers must do on the markup page, so ours can be read against the
    // platform's own cost. One MutationObserver finds the added elements with a view trigger, one IntersectionObserver
    // (the thresholds ours uses) watches them, and removed ones are unobserved; nothing else, not even a dwell timer.
    {
      id: 'floor',
      label: 'markup floor: a bare MutationObserver + IntersectionObserver',
      version: '',
      assets: ['noop.js'],
      boot: `
        const io = new IntersectionObserver((entries) => { for (const e of entries) void e.isIntersecting; }, { threshold: [0, 0.5] });
        const watched = new Set();
        new MutationObserver((records) => {
          for (const r of records) {
            for (const n of r.addedNodes) if (n.nodeType === 1 && n.getAttribute('data-heap-trigger') === 'view') watched.add(n), io.observe(n);
            for (const n of r.removedNodes) if (watched.delete(n)) io.unobserve(n);
          }
        }).observe(document, { childList: true, subtree: true });
        return R.script(R.asset('noop.js'));`,
      call: `void N, void p`,
      track: false,
      clicks: false,
      clicksWhy: 'markup floor only',
      markup: true,
    },
    {
      id: 'posthog',
      label: 'posthog-js',
      version: versionOf('posthog-js'),
      peer: true,
      assets: ['posthog-array.js'],
      // dist/array.js, the bundle posthog's snippet loads. advanced_disable_flags turns off remote config and flags.
      boot: `
        return R.script(R.asset('posthog-array.js')).then(() => new Promise((resolve) => {
          posthog.init('phc_bench', {
            api_host: R.origin + '/run/' + R.run + '/sink/posthog',
            advanced_disable_flags: true,
            // Headless Chromium's user agent is on posthog's bot list: without this it captures nothing.
            opt_out_useragent_filter: true,
            // Its client-side rate limit (10 events/s, bursts of 100) drops a burst of calls; raised so that every
            // event is delivered, as for the other SDKs.
            rate_limiting: { events_per_second: 1e6, events_burst_limit: 1e6 },
            disable_external_dependency_loading: true,
            disable_session_recording: true,
            disable_surveys: true,
            disable_conversations: true,
            disable_product_tours: true,
            autocapture: true,
            capture_pageview: true,
            loaded: () => resolve(),
          });
        }));`,
      call: `posthog.capture(N, p)`,
      count: (text) => tally(listOf(parse(text), 'batch'), (e) => e.event === 'bench_track', (e) => e.event === '$autocapture'),
      clicks: true,
    },
    {
      id: 'segment',
      label: '@segment/analytics-next',
      version: versionOf('@segment/analytics-next'),
      peer: true,
      // One request per event by default: 10,000 events take minutes; measured on fewer (see slowPeerEvents).
      slow: true,
      assets: ['segment-standalone.js'],
      // dist/umd/standalone.js with the snippet's globals; settings and lazy chunks come from this server ("segment-cdn").
      boot: `
        const stub = [];
        stub._writeKey = R.run;
        stub._cdn = R.origin + '/run/' + R.run + '/segment-cdn';
        stub._loadOptions = {};
        let current = stub;
        return new Promise((resolve) => {
          Object.defineProperty(window, 'analytics', {
            configurable: true,
            get: () => current,
            set: (value) => {
              current = value;
              if (value && !Array.isArray(value) && value.initialized) {
                value.page();
                resolve();
              }
            },
          });
          R.script(R.asset('segment-standalone.js'));
        });`,
      call: `analytics.track(N, p)`,
      count: (text) => tally(listOf(parse(text), 'batch'), (e) => e.type === 'track' && e.event === 'bench_track', () => false),
      clicks: false,
      clicksWhy: 'no click autocapture',
    },
    {
      id: 'amplitude',
      label: '@amplitude/analytics-browser',
      version: versionOf('@amplitude/analytics-browser'),
      peer: true,
      assets: ['amplitude-min.js'],
      // lib/scripts/amplitude-min.js (the CDN script); remote config and diagnostics off, element interactions on.
      boot: `
        return R.script(R.asset('amplitude-min.js')).then(() => amplitude.init('bench-key', {
          serverUrl: R.origin + '/run/' + R.run + '/sink/amplitude',
          fetchRemoteConfig: false,
          remoteConfig: { fetchRemoteConfig: false },
          enableDiagnostics: false,
          logLevel: 0,
          autocapture: { elementInteractions: true, webVitals: false, networkTracking: false, frustrationInteractions: false },
        }).promise);`,
      call: `amplitude.track(N, p)`,
      count: (text) => tally(listOf(parse(text), 'events'), (e) => e.event_type === 'bench_track', (e) => e.event_type === '[Amplitude] Element Clicked'),
      clicks: true,
    },
    {
      id: 'snowplow',
      label: '@snowplow/browser-tracker',
      version: versionOf('@snowplow/browser-tracker'),
      peer: true,
      // Its localStorage queue is rewritten on every event (quadratic): 10,000 queued events take many minutes.
      slow: true,
      assets: ['snowplow.js'],
      // The tracker with the link and button click plugins, bundled here (esbuild, minified); posts to this server.
      boot: `
        return R.script(R.asset('snowplow.js')).then(() => {
          const sp = window.snowplowBench;
          sp.newTracker('sp', R.origin, {
            appId: 'bench',
            postPath: '/run/' + R.run + '/sink/snowplow/tp2',
            // Its default request timeout (5 s) fires while its own queue work keeps the main thread busy on a loaded
            // machine, and after a timeout it sends nothing until the next event: the bench would stall.
            connectionTimeout: 60000,
            plugins: [sp.LinkClickTrackingPlugin(), sp.ButtonClickTrackingPlugin()],
          });
          sp.enableLinkClickTracking();
          sp.enableButtonClickTracking();
          sp.trackPageView();
        });`,
      call: `snowplowBench.trackSelfDescribingEvent({ event: { schema: 'iglu:com.example/bench_track/jsonschema/1-0-0', data: p } })`,
      count: (text) =>
        tally(
          listOf(parse(text), 'data'),
          (e) => e.e === 'ue' && snowplowSchema(e).includes('/bench_track/'),
          (e) => e.e === 'ue' && /\/(button_click|link_click)\//.test(snowplowSchema(e)),
        ),
      clicks: true,
    },
  ];
}
