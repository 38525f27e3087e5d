// Helpers for the markup tests: fixtures added to the page, and waits that poll instead of sleeping.
import type { HeapRuntime } from '../runtime/load.ts';
import { sleep, storedEvents, type StoredEvent } from './collector.ts';

const mounted: Element[] = [];

/** Adds `html` to the page inside a fresh container (removed by `unmount`) and returns the container. */
export function mount(html: string, parent: Element = document.body): HTMLElement {
  const container = document.createElement('div');
  container.innerHTML = html;
  parent.append(container);
  mounted.push(container);
  return container;
}

/** Removes every container `mount` added. */
export function unmount(): void {
  for (const el of mounted.splice(0)) el.remove();
}

/** Lets MutationObserver callbacks and other microtasks run. */
export const tick = () => sleep(0);

/**
 * Runs `fn` with `window.customElements` null, as some browser extensions' content scripts see it, then puts the
 * registry back where it was (an own property of the window in some browsers, on its prototype in others).
 */
export async function withoutCustomElements<T>(fn: () => T | Promise<T>): Promise<T> {
  const own = Object.getOwnPropertyDescriptor(window, 'customElements');
  Object.defineProperty(window, 'customElements', { value: null, configurable: true });
  try {
    return await fn();
  } finally {
    if (own) Object.defineProperty(window, 'customElements', own);
    else delete (window as { customElements?: unknown }).customElements;
  }
}

/** Polls `check` until it returns true (or throws after `timeoutMs`). */
export async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * Everything stored for the env once the runtime has nothing left to deliver, in capture order (the
 * ids are time-ordered UUIDs; requests may arrive out of order). A sentinel event is tracked last and
 * awaited, so events captured before it have arrived too.
 */
export async function settled(heap: HeapRuntime, filter: Record<string, string> = {}): Promise<StoredEvent[]> {
  heap.track('__sentinel__');
  await until(() => heap.pending === 0, 'the outbox to drain', 10_000);
  const sentinel = await storedEvents(heap.envId, { name: '__sentinel__' });
  if (!sentinel.length) throw new Error('sentinel missing');
  const events = (await storedEvents(heap.envId, filter)).filter((e) => e.name !== '__sentinel__');
  return events.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The names and properties of stored track events, in order: what most markup tests compare. */
export const tracks = (events: StoredEvent[]) =>
  events.filter((e) => e.type === 'track').map((e) => [e.name, e.properties ?? {}] as const);
