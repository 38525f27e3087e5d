// Helpers for the autocapture tests: markup under <body>, a settle point at the collector, the page URL.
import type { HeapRuntime } from '../runtime/load.ts';
import { requestLog, sleep, storedEvents, waitForEvents, type StoredEvent } from './collector.ts';

const mounted: Element[] = [];

/** Puts `html` in a fresh `<div id="ac-root">` directly under `<body>`; `unmountAll` removes it. */
export function mount(html: string): HTMLElement {
  const root = document.createElement('div');
  root.id = 'ac-root';
  root.innerHTML = html;
  document.body.append(root);
  mounted.push(root);
  return root;
}

/** Removes everything `mount` added. */
export function unmountAll(): void {
  for (const el of mounted.splice(0)) el.remove();
}

/** Finds one element under `root` or fails the test. */
export function $<E extends Element = HTMLElement>(root: ParentNode, selector: string): E {
  const el = root.querySelector<E>(selector);
  if (!el) throw new Error(`no element matches ${selector}`);
  return el;
}

/**
 * Sends a marker event, waits until it is stored and nothing is left unacknowledged, and returns every
 * stored event in capture order (the marker excluded): whatever was captured before is then at the collector.
 */
export async function settle(heap: HeapRuntime): Promise<StoredEvent[]> {
  heap.track('settled');
  await waitForEvents(heap.envId, 1, { type: 'track', name: 'settled' });
  for (let i = 0; i < 200 && heap.pending > 0; i++) await sleep(20);
  const events = await storedEvents(heap.envId);
  // The collector keeps arrival order; requests may overlap, so order by capture time (a stable sort keeps ties as they arrived).
  return events.filter((e) => !(e.type === 'track' && e.name === 'settled')).sort((a, b) => a.time - b.time);
}

/** The stored events of one type, in capture order, once everything captured so far has arrived. */
export async function settledOfType(heap: HeapRuntime, type: string): Promise<StoredEvent[]> {
  return (await settle(heap)).filter((e) => e.type === type);
}

/** Every request body the collector received for `envId`, joined: to search for what must never be sent. */
export async function allBodies(envId: string): Promise<string> {
  return (await requestLog(envId)).map((r) => r.body).join('\n');
}

/** Dispatches a bubbling, composed click (works on SVG elements, which have no `click()`). */
export function clickOn(el: Element): void {
  el.dispatchEvent(new MouseEvent('click', { bubbles: true, composed: true, cancelable: true }));
}

/** Sets a field's value as typing would, then fires `input` and `change` like the browser does on commit. */
export function typeInto(el: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, value: string): void {
  el.value = value;
  el.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  el.dispatchEvent(new Event('change', { bubbles: true }));
}

/** Stops links and forms in `root` from navigating the test page (after autocapture has seen the event). */
export function keepPage(root: EventTarget): void {
  root.addEventListener('click', (e) => {
    if ((e.target as Element | null)?.closest?.('a[href]')) e.preventDefault();
  });
  root.addEventListener('submit', (e) => e.preventDefault());
}
