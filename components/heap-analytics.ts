import { LIBRARY } from '../runtime/batch.ts';
import { FALLBACKS, PUBLIC_METHODS } from '../runtime/api.ts';
import { attributeOf, documentText } from '../runtime/dom.ts';
import { installGlobal } from '../runtime/global.ts';
import { load, runtimes, type HeapRuntime } from '../runtime/load.ts';
import { applyIdentityAttributes, createAppliedIdentity, type AppliedIdentity } from '../runtime/markup-identity.ts';
import { parseBoolean, parseNumber } from '../runtime/markup-props.ts';
import { loadDebugOverlay } from './heap-analytics-debug-loader.ts';
import type { RuntimeOptions } from '../runtime/runtime.ts';
import type { HeapApi, HeapEvent } from '../runtime/types.ts';
import { errorOnce, warnOnce } from '../runtime/warn.ts';

/**
 * Runtimes an element released by its disconnection and no element took back yet (each is disposed a microtask after
 * its last release unless one does), with what that element applied and its consent attribute as it was then (null:
 * none). One per runtime, not only the last: a framework taking out a block with two env ids' elements, then putting
 * it back, reconnects both.
 */
const released = new WeakMap<HeapRuntime, AppliedIdentity>();

// Under Node (server rendering, the package's own import test) there is no HTMLElement: the module still loads (the
// class extends an empty one).
/**
 * `<heap-analytics env-id="..." endpoint="...">`: boots the tracker for an env id when connected,
 * installs `window.heap`, and re-emits what it captures as `heap-event` DOM events. It renders nothing.
 * Every other attribute is a `HeapConfig` setting in kebab-case (`flush-interval="500"`); the manifest lists them.
 *
 * @attr {string} env-id - The environment (project) id; required. Read when the element connects.
 * @attr {string} identity - The signed-in user, identified before the first pageview; changes apply, removal does not reset.
 * @attr {string} user-properties - A JSON object of user properties, sent on connect and on change.
 * @attr {string} event-properties - A JSON object of event properties, applied on connect and on change.
 * @attr {'granted' | 'pending' | 'denied'} consent - The visitor's consent; changes apply at once, removal leaves it as it is.
 * @attr {boolean} debug-overlay - Loads the debug overlay (also `?heap-debug` in the page URL); read when the element connects.
 * @fires {CustomEvent<{ envId: string }>} heap-ready - Once the tracker is ready for this element (bubbles, composed).
 * @fires {CustomEvent<HeapEvent>} heap-event - For every event the tracker captures, as it is queued for the collector (bubbles, composed).
 */
export class HeapAnalyticsElement extends ((typeof HTMLElement === 'undefined' ? class {} : HTMLElement) as typeof HTMLElement) {
  /** The library version, shown when two copies try to register the tag. */
  static version = LIBRARY.version;

  /** Attributes whose later changes apply at once; every other attribute is read when the element connects. */
  static observedAttributes = ['identity', 'event-properties', 'user-properties', 'consent'];

  #config: RuntimeOptions = {};

  // An accessor, not a field: Svelte 5 sets a property only where the element has a setter of that name, and wrote
  // `config="[object Object]"` instead (its settings lost).
  /** Settings for scripts that create the element; attributes of the same name (kebab-case) win. */
  get config(): RuntimeOptions {
    return this.#config;
  }
  set config(value: RuntimeOptions) {
    this.#config = value;
  }

  #runtime?: HeapRuntime;
  #released?: HeapRuntime;
  #unsubscribe?: () => void;
  #resolveReady!: (booted: boolean) => void;
  #appliedIdentity = createAppliedIdentity();

  /** Resolves `true` once the tracker is ready, or `false` when the element stays dormant (no env id). */
  readonly ready: Promise<boolean> = new Promise((resolve) => (this.#resolveReady = resolve));

  /** The runtime this element drives, once connected. */
  get runtime(): HeapRuntime | undefined {
    return this.#runtime;
  }

  /** The environment (project) id (`env-id`); required. Read when the element connects. */
  declare envId: string;
  /** The signed-in user (`identity`), for server-rendered pages: applied with `identify` on connect and on change; removing it does not reset. */
  declare identity: string | null;
  /** A JSON object of user properties (`user-properties`), sent with `addUserProperties` on connect and on change; an object set here is written as JSON. */
  declare userProperties: string | null;
  /** A JSON object of event properties (`event-properties`), applied on connect and on change (keys it drops are removed); an object set here is written as JSON. */
  declare eventProperties: string | null;

  constructor() {
    super();
    // Properties a template set before the element was upgraded are own properties that shadow the accessors:
    // setting them again runs the accessors (Reflect.set: one that has no setter is dropped, not thrown).
    const self = this as unknown as Record<string, unknown>;
    for (const name of Object.keys(self)) {
      const value = self[name];
      delete self[name];
      Reflect.set(self, name, value);
    }
  }

  connectedCallback() {
    try {
      const envId = this.envId.trim();
      // A moved element reconnects to the runtime it just released, without the second-load warning; so does a new
      // element put in the place of one removed in the same task (a framework re-rendering it), and nothing is booted.
      // load() reports a missing env id, and the element stays dormant.
      // None running reads as none released: a WeakMap answers undefined and false for a key that is no object.
      const running = runtimes.get(envId)!;
      const record = released.get(running);
      // Taken once: a further element of that env id is a second one, and load() warns of it.
      const taken = released.delete(running) && running;
      // A tracker other than the one this element released (booted anew: it was stopped while the element was out, in
      // memory or with consent pending it kept nothing; or another element's) takes the attributes again. One taken
      // back comes with what the element that released it applied (this one, moved; or the one a framework replaced by
      // this one, as Turbo's and Astro's page swaps do): only what differs applies. Applied afresh by the new element,
      // each swap sent the same user properties again, and kept event properties the new page's element no longer sets.
      if (running !== this.#released) this.#appliedIdentity = {};
      if (record) this.#appliedIdentity = record;
      // One booted here is this element's from the start: its attributes apply before a snippet's queued calls and the
      // boot pageview, which carries their event properties as every other event of the page does, and a queued
      // callback calling the element's methods reaches it.
      // Events are re-emitted in a microtask, in order: DOM dispatch stays off the stack of the code that tracked.
      // Those captured while the element was being removed are not. One microtask per burst: one per event (18 B
      // smaller) doubled the CPU of a loop of track() calls with its microtasks.
      const listen = (runtime: HeapRuntime, pending: HeapEvent[] = []) =>
        (this.#unsubscribe = runtime.subscribe((event) => {
          if (pending.push(event) === 1) {
            queueMicrotask(() => {
              for (const e of pending.splice(0)) if (this.#runtime === runtime) this.dispatchEvent(new CustomEvent('heap-event', { detail: e, bubbles: true, composed: true }));
            });
          }
        }));
      const runtime =
        taken ||
        load(envId, readSettings(this), (runtime, pageview) => {
          // Listening before the identity attributes, the snippet's queue and the boot pageview go: subscribed after
          // load() returned, the element re-emitted none of them (a page forwarding heap-event missed its pageviews).
          listen((this.#runtime = runtime));
          this.#applyIdentity();
          installGlobal(runtime, pageview);
        });
      if (runtime) {
        // Set only by a boot in load() just now: a tracker taken back or already running is listened to here.
        this.#runtime === runtime || listen(runtime);
        this.#runtime = runtime;
        runtime.retain();
        installGlobal(runtime);
        // The runtime is ready once its synchronous boot ends (runtime.ready is already resolved): the microtask
        // runs when a `then` on it would, and before the code awaiting `ready`, which resolves now.
        // Not again for the tracker the element released (it was moved): fired at each move (a render moving it just after
        // adding it, Turbo's permanent elements, htmx's hx-preserve), a listener's own calls (an identify, a track) went twice.
        runtime !== this.#released && queueMicrotask(() => this.#runtime === runtime && this.dispatchEvent(new CustomEvent('heap-ready', { detail: { envId }, bubbles: true, composed: true })));
        this.#resolveReady(true);
        // A tracker taken back takes a consent attribute that says something else than the releasing element's did:
        // changed while this element was out, or a new element a framework rendered with the visitor's new decision.
        // One that says the same does not undo what the page decided through the API since (an element moved or
        // rendered again); a removed one is no decision.
        const consent = attributeOf(this, 'consent');
        if (record && consent != null && consent !== record.consent) runtime.setConsent(consent as never);
        this.#applyIdentity();
      }
      void loadDebugOverlay(this);
    } catch (err) {
      errorOnce('element-boot-failed', 'the <heap-analytics> element failed to start; the page is unaffected.', err);
    }
    // Dormant (no env id) or failed: `ready` gives false, unless it already gave true.
    this.#resolveReady(false);
  }

  disconnectedCallback() {
    // Only the runtime released by the last disconnection is one to reconnect to (none for a dormant element).
    const runtime = (this.#released = this.#runtime);
    if (!runtime) return;
    // Events captured so far reach this element's listener first (unsubscribing settles): a moved element still
    // re-emits them.
    this.#unsubscribe!();
    this.#runtime = undefined;
    runtime.release();
    // What the element applied, and its consent attribute as it is now, go with the tracker to the element taking it.
    this.#appliedIdentity.consent = attributeOf(this, 'consent');
    // Emptied by document.open(), the page has lost every listener of the tracker (on it and its window): that one
    // stops now, and the page written next boots its own, rather than taking back a tracker that hears nothing.
    documentText('documentElement') ? released.set(runtime, this.#appliedIdentity) : runtime.dispose();
  }

  attributeChangedCallback(name: string, old: string | null, value: string | null) {
    // An attribute written again with the value it had did not change: a framework re-rendering every attribute would
    // otherwise undo the consent the visitor gave through the API since (denied, then granted again by the render).
    if (old === value) return;
    // A removed consent attribute is no decision: consent stays as it was, as for one removed while detached. One
    // changed while detached applies when the element is put back.
    if (name !== 'consent') this.#runtime && this.#applyIdentity();
    else if (value != null) this.#runtime?.setConsent(value as never);
  }

  /** Call with a runtime: the function reads the attribute values through the element's own accessors. */
  #applyIdentity() {
    applyIdentityAttributes(this.#runtime!, this.#appliedIdentity, this);
  }
}

/**
 * Every attribute becomes a setting: `flush-interval="500"` is `flushInterval: 500`. The element's own (`env-id`,
 * `debug-overlay`, the identity attributes) and the page's (`id`, `class`, `data-*`) are not filtered out: none is
 * the name of a setting, so each is a key nothing reads (and `identity` is set below). Filtering them cost 45 B gzip.
 */
function readSettings(el: HeapAnalyticsElement): RuntimeOptions {
  // Under the element's config: what a Heap snippet's `heap.load(id, config)` kept (classic: `config`; newer:
  // `clientConfig`). Settings of our names apply (disableTextCapture, secureCookie, ...); Heap's others are ignored.
  const snippet = window.heap;
  const config: Record<string, unknown> = { ...snippet?.config!, ...snippet?.clientConfig!, ...el.config };
  for (const { name, value } of el.attributes) {
    const key = camelCase(name);
    // For privacy switches the stricter of script config and attribute wins. The runtime's hooks for tests (a clock, a
    // transport, retry timing) take a function or an array, which no attribute is: `transport="beacon"` (GA's setting)
    // or `retry="3"` stopped delivery with an error thrown into the page, and `now` every call.
    if ((key.startsWith('disable') && config[key] === true) || /^(now|retry|transport)$/.test(key)) continue;
    // Read the way markup reads typed properties: present-but-empty and "true" are true, "false" is false, numerals are numbers.
    config[key] = parseBoolean(value) ?? parseNumber(value) ?? value;
  }
  config.identity = el.identity;
  return config;
}

const camelCase = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

// Attributes reflected as properties named in camelCase: the attribute's value, `null` when absent (`''` for env-id); `null` removes it.
for (const attribute of ['env-id', 'identity', 'event-properties', 'user-properties']) {
  Object.defineProperty(HeapAnalyticsElement.prototype, camelCase(attribute), {
    get(this: HeapAnalyticsElement) {
      return attributeOf(this, attribute) ?? (attribute === 'env-id' ? '' : null);
    },
    set(this: HeapAnalyticsElement, value: unknown) {
      if (value == null) return this.removeAttribute(attribute);
      // React 19 and Vue set a bound object on the property: written as the JSON the attribute takes, not as
      // "[object Object]" (one JSON cannot write, a cycle, stays that and warns as invalid JSON does).
      try {
        if (attribute.endsWith('properties') && typeof value == 'object') value = JSON.stringify(value);
      } catch {}
      this.setAttribute(attribute, value as string);
    },
  });
}

// The fifteen calls (and consent) as element methods, delegating to the runtime; dormant elements warn and return a neutral value.
// Assigned, so enumerable like the platform's own element methods (click, focus).
for (const method of PUBLIC_METHODS) {
  (HeapAnalyticsElement.prototype as unknown as Record<string, unknown>)[method] = function (this: HeapAnalyticsElement, ...args: unknown[]) {
    // Unbound (`const { track } = el`, or `el.track` passed as a callback), `this` is undefined or another object: one
    // with a `runtime` of its own (setTimeout gives window, where a desktop shell's bridge may be) is not ours either.
    const runtime = this instanceof HeapAnalyticsElement && this.runtime;
    if (!runtime) {
      warnOnce(`element-dormant-${method}`, `${method}() was called on a <heap-analytics> element that is not running (no env-id, or not connected), or called unbound from its element (bind it, or call it on the element); it was ignored.`);
      return FALLBACKS[method];
    }
    return (runtime[method] as (...a: unknown[]) => unknown)(...args);
  };
}

// Declares the delegated methods on the class's type.
export interface HeapAnalyticsElement extends HeapApi, Pick<HeapRuntime, 'setConsent' | 'getConsent'> {}

declare global {
  interface HTMLElementTagNameMap {
    'heap-analytics': HeapAnalyticsElement;
  }
  interface HTMLElementEventMap {
    'heap-event': CustomEvent<HeapEvent>;
    'heap-ready': CustomEvent<{ envId: string }>;
  }
}
