// The bench page: the same markup and harness for every SDK; only the boot code and the track call differ.

/** A page of about 5,000 elements: a grid of cards, each with a heading, text, a link, a list and two buttons. */
export function clickDom(cards = 295) {
  const parts = [];
  for (let i = 0; i < cards; i++) {
    parts.push(
      `<div class="card" id="c${i}"><h3><span>Card ${i}</span></h3><p>Some <em>text</em> and a <a href="#c${i}">link</a></p>` +
        `<ul><li><span>one</span></li><li><span>two</span></li><li><span>three</span></li></ul>` +
        `<div class="actions"><button type="button" class="buy" data-i="${i}">Buy ${i}</button>` +
        `<button type="button" class="more">More</button><span>x</span></div></div>`,
    );
  }
  return `<main id="grid">${parts.join('')}</main>`;
}

const STYLE = `
  body { margin: 0; font: 10px sans-serif; }
  #grid { display: grid; grid-template-columns: repeat(10, 126px); grid-auto-rows: 78px; gap: 2px; }
  .card { overflow: hidden; border: 1px solid #ccc; }
  .card h3, .card p, .card ul { margin: 0; font-size: 9px; }
  .card ul { display: flex; gap: 2px; padding: 0; list-style: none; }
  .actions button { font-size: 9px; padding: 0 2px; }
  #markup > div { height: 2px; }
`;

/**
 * The harness every page carries. `boot()` injects the SDK and resolves at its "ready"; the loops are plain
 * code around the SDK's own call, so the same loop on the no-SDK page is the baseline.
 */
function harness(sdk, origin, run) {
  return `
  (() => {
    const R = {
      origin: ${JSON.stringify(origin)},
      run: ${JSON.stringify(run)},
      asset: (name) => '/run/' + ${JSON.stringify(run)} + '/assets/' + name,
      script: (src, type) => new Promise((resolve, reject) => {
        const s = document.createElement('script');
        if (type) s.type = type;
        s.src = src;
        s.onload = () => resolve();
        s.onerror = () => reject(new Error('could not load ' + src));
        document.head.append(s);
      }),
    };
    const frames = (n) => new Promise((resolve) => {
      const step = () => (n-- > 0 ? requestAnimationFrame(step) : resolve());
      step();
    });
    const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    let targets = [];
    window.__bench = {
      boot() {
        const t0 = performance.now();
        return (async () => { ${sdk.boot} })().then(() => ({ wallMs: performance.now() - t0 }));
      },
      trackLoop(n) {
        const N = 'bench_track';
        const t0 = performance.now();
        for (let i = 0; i < n; i++) {
          const p = { plan: 'pro', price: 9.99, step: i };
          ${sdk.call};
        }
        return performance.now() - t0;
      },
      /** Centres of the buttons clicked, in the viewport: 100 cards x 2 buttons. */
      clickTargets(count) {
        targets = Array.from(document.querySelectorAll('#grid button')).slice(0, count);
        return targets.map((el) => {
          const r = el.getBoundingClientRect();
          return { x: Math.round(r.left + r.width / 2), y: Math.round(r.top + r.height / 2) };
        });
      },
      /** Untrusted clicks dispatched in a loop: the click listeners run synchronously inside dispatchEvent. */
      syntheticClicks(n) {
        const t0 = performance.now();
        for (let i = 0; i < n; i++) {
          const el = targets[i % targets.length];
          el.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, composed: true, view: window, detail: 1, clientX: 5, clientY: 5 }));
        }
        return performance.now() - t0;
      },
      /** Builds (outside the measured part) the annotated nodes: half with a view trigger. */
      buildMarkup(n) {
        const frag = document.createDocumentFragment();
        for (let i = 0; i < n; i++) {
          const el = document.createElement('div');
          el.setAttribute('data-heap-event', 'Node ' + (i % 100));
          el.setAttribute('data-heap-prop-index', String(i));
          if (i % 2 === 0) el.setAttribute('data-heap-trigger', 'view');
          frag.append(el);
        }
        window.__fragment = frag;
        return n;
      },
      async insertMarkup() {
        const host = document.getElementById('markup');
        const t0 = performance.now();
        host.append(window.__fragment);
        const sync = performance.now() - t0;
        window.__fragment = null;
        await frames(3);
        await wait(100);
        return sync;
      },
      async removeMarkup() {
        const host = document.getElementById('markup');
        const t0 = performance.now();
        host.replaceChildren();
        const sync = performance.now() - t0;
        await frames(3);
        await wait(100);
        return sync;
      },
    };
  })();`;
}

/** The page for one run: `kind` is track, click or markup. */
export function renderPage({ sdk, origin, run, kind }) {
  const body = kind === 'click' ? clickDom() : kind === 'markup' ? '<div id="markup"></div>' : '<main><h1>Bench</h1><p>A small page.</p></main>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bench ${sdk.id} ${kind}</title><style>${STYLE}</style></head>
<body>${body}
<script>${harness(sdk, origin, run)}</script>
</body></html>`;
}
