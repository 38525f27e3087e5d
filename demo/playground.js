// The API playground: one card per call of window.heap, its arguments editable, its result logged.

/** @typedef {{ label: string, value: string, json: boolean }} Arg */
/** @typedef {{ name: string, doc: string, args: Arg[], run?: (heap: any) => unknown }} Call */

/** @param {string} label @param {string} value @returns {Arg} */
const text = (label, value) => ({ label, value, json: false });
/** @param {string} label @param {unknown} value @returns {Arg} */
const json = (label, value) => ({ label, value: JSON.stringify(value), json: true });

/** The fifteen calls, in the order of Heap's API reference, with its example arguments. @type {Call[]} */
const CALLS = [
  { name: 'track', doc: 'Sends a custom event with properties.', args: [text('event name', 'Purchase'), json('properties', { dollars: 50, item: 'Furby' })] },
  { name: 'identify', doc: "Names the user. Their earlier anonymous events join the identity.", args: [text('identity', 'alice123')] },
  { name: 'getIdentity', doc: 'Returns the identity, or null while anonymous.', args: [] },
  { name: 'resetIdentity', doc: 'Logs out: a new anonymous user and session.', args: [] },
  { name: 'addEventProperties', doc: 'Adds properties to every later event, kept across pages.', args: [json('properties', { 'Logged In': 'true', 'Payment Plan': 'Free' })] },
  { name: 'removeEventProperty', doc: 'Stops adding one event property.', args: [text('property name', 'Logged In')] },
  { name: 'clearEventProperties', doc: 'Stops adding every event property.', args: [] },
  { name: 'addUserProperties', doc: 'Stores properties on the user (merged per key).', args: [json('properties', { Name: 'Alice Smith', Profession: 'Data Scientist' })] },
  { name: 'trackPageview', doc: 'Starts a new pageview; every option may be left out.', args: [json('options', { title: 'Virtual page', properties: { pageType: 'home', pageVersion: 'v1.0' }, previous_page: '/demo/' })] },
  { name: 'addPageviewProperties', doc: "Adds properties to this pageview's events.", args: [json('properties', { pageType: 'productDetail', pageVersion: 'v2.0' })] },
  { name: 'removePageviewProperty', doc: 'Stops adding one pageview property.', args: [text('property name', 'pageVersion')] },
  { name: 'clearPageviewProperties', doc: 'Stops adding every pageview property.', args: [] },
  { name: 'onReady', doc: 'Runs a callback once the tracker is ready (soon, if it is).', args: [], run: (heap) => heap.onReady(() => log('onReady', '', 'the callback ran')) },
  { name: 'getSessionId', doc: 'Returns the session id.', args: [] },
  { name: 'getUserId', doc: 'Returns the anonymous user id.', args: [] },
];

const calls = /** @type {HTMLElement} */ (document.getElementById('calls'));
const logList = /** @type {HTMLOListElement} */ (document.getElementById('log'));
const state = /** @type {HTMLElement} */ (document.getElementById('state'));
const flushButton = /** @type {HTMLButtonElement} */ (document.getElementById('flush'));

/**
 * Adds a line to the log: the call as code, then its result or error.
 * @param {string} name @param {string} shown @param {string} result @param {boolean} [failed]
 */
function log(name, shown, result, failed = false) {
  const item = document.createElement('li');
  item.dataset.call = name;
  if (shown) item.append(shown);
  const out = document.createElement('span');
  out.className = failed ? 'error' : 'result';
  out.textContent = `${failed ? '✗' : '←'} ${result}`;
  item.append(out);
  logList.prepend(item);
}

/** @param {unknown} value */
function show(value) {
  return value === undefined ? 'undefined' : JSON.stringify(value);
}

function refreshState() {
  const heap = /** @type {any} */ (window).heap;
  state.replaceChildren();
  for (const [label, value] of [['user id', heap.getUserId()], ['identity', heap.getIdentity()], ['session id', heap.getSessionId()]]) {
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = value ?? 'null (anonymous)';
    state.append(dt, dd);
  }
}

/** @param {Call} call */
function renderCall(call) {
  const card = document.createElement('div');
  card.className = 'call';
  const title = document.createElement('h3');
  title.textContent = `heap.${call.name}()`;
  const doc = document.createElement('p');
  doc.textContent = call.doc;
  card.append(title, doc);
  const inputs = call.args.map((arg, i) => {
    const label = document.createElement('label');
    label.textContent = arg.label;
    const input = document.createElement(arg.json ? 'textarea' : 'input');
    input.id = `${call.name}-arg${i}`;
    input.value = arg.value;
    input.spellcheck = false;
    label.append(input);
    card.append(label);
    return input;
  });
  const button = document.createElement('button');
  button.type = 'button';
  button.id = `call-${call.name}`;
  button.textContent = `Call ${call.name}`;
  button.addEventListener('click', () => {
    const heap = /** @type {any} */ (window).heap;
    /** @type {unknown[]} */
    const args = [];
    try {
      inputs.forEach((input, i) => {
        const raw = input.value.trim();
        if (call.args[i].json) { if (raw !== '') args.push(JSON.parse(raw)); } else args.push(input.value);
      });
    } catch (err) {
      log(call.name, `heap.${call.name}(…)`, `the arguments are not valid JSON: ${/** @type {Error} */ (err).message}`, true);
      return;
    }
    const shown = `heap.${call.name}(${args.map((a) => JSON.stringify(a)).join(', ')})`;
    try {
      log(call.name, shown, show(call.run ? call.run(heap) : heap[call.name](...args)));
    } catch (err) {
      // The API never throws; this would be a bug worth seeing.
      log(call.name, shown, String(err), true);
    }
    refreshState();
  });
  card.append(button);
  return card;
}

async function start() {
  const element = /** @type {any} */ (document.querySelector('heap-analytics'));
  await customElements.whenDefined('heap-analytics');
  const booted = await element.ready;
  const heap = /** @type {any} */ (window).heap;
  if (!booted || !heap?.loaded) {
    calls.textContent = 'The tracker did not start; the browser console says why.';
    return;
  }
  calls.replaceChildren(...CALLS.map(renderCall));
  flushButton.disabled = false;
  flushButton.addEventListener('click', () => {
    element.runtime?.flush();
    log('flush', 'element.runtime.flush()', `sending; ${element.runtime?.pending ?? 0} event(s) not yet acknowledged`);
  });
  document.getElementById('clear-log')?.addEventListener('click', () => logList.replaceChildren());
  refreshState();
}

void start();
