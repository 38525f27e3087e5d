// Browser-side helpers that talk to the real collector mounted on the test server.
import { getRuntime, load, type HeapRuntime } from '../runtime/load.ts';
import { createCore, type Core, type RuntimeOptions } from '../runtime/runtime.ts';
import { resetWarnings } from '../runtime/warn.ts';

export const BASE = '/__collect';
export const ENDPOINT = `${BASE}/v1/batch`;

/** An event as the collector stores it and returns it. */
export interface StoredEvent {
  id: string;
  type: string;
  name: string | null;
  time: number;
  user_id: string;
  identity: string | null;
  session_id: string;
  pageview_id: string;
  properties: Record<string, unknown> | null;
  page: Record<string, unknown> | null;
  session: Record<string, unknown> | null;
  target: Record<string, unknown> | null;
}

/** A fresh env id per test, so tests in parallel never see each other's events. */
export function uniqueEnv(label: string): string {
  return `t-${label.replace(/[^a-z0-9]/gi, '').slice(0, 20)}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Everything the collector stored for `envId`, optionally filtered (type, name, identity, ...). */
export async function storedEvents(envId: string, filter: Record<string, string> = {}): Promise<StoredEvent[]> {
  const query = new URLSearchParams({ env_id: envId, limit: '10000', ...filter });
  const res = await fetch(`${BASE}/v1/events?${query}`);
  if (!res.ok) throw new Error(`collector answered ${res.status}`);
  return ((await res.json()) as { events: StoredEvent[] }).events;
}

/** Polls the collector until `count` events matching `filter` are stored, then returns them. */
export async function waitForEvents(envId: string, count: number, filter: Record<string, string> = {}, timeoutMs = 10_000): Promise<StoredEvent[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = await storedEvents(envId, filter);
    if (events.length >= count) return events;
    if (Date.now() > deadline) throw new Error(`expected ${count} events for ${JSON.stringify(filter)}, got ${events.length}`);
    await sleep(50);
  }
}

/** The raw request log the collector keeps for `envId` in testing mode. */
export async function requestLog(envId: string): Promise<{ at: number; status: number; bytes: number; events: number; body: string; outcome: string }[]> {
  const res = await fetch(`${BASE}/_test/requests?env_id=${encodeURIComponent(envId)}`);
  return ((await res.json()) as { requests: never[] }).requests;
}

/** Every event id the collector received in requests it stored, counting resends. */
export async function receivedIds(envId: string): Promise<string[]> {
  const ids: string[] = [];
  for (const r of (await requestLog(envId)).filter((r) => (r as { stored?: boolean }).stored)) {
    try {
      for (const e of JSON.parse(r.body).events) ids.push(e.id);
    } catch {
      // A body the collector could not parse carries no ids.
    }
  }
  return ids;
}

/**
 * Fails each test of the calling `describe` block during which an error or a promise rejection reached the page
 * uncaught: our callbacks (timers, observers, listeners) must never leave one.
 */
export function failOnUncaught(): void {
  let uncaught: unknown[] = [];
  const onError = (e: ErrorEvent) => uncaught.push(e.error ?? e.message);
  const onRejection = (e: PromiseRejectionEvent) => uncaught.push(e.reason);
  beforeEach(() => {
    uncaught = [];
    addEventListener('error', onError);
    addEventListener('unhandledrejection', onRejection);
  });
  afterEach(() => {
    removeEventListener('error', onError);
    removeEventListener('unhandledrejection', onRejection);
    if (uncaught.length) throw new Error(`uncaught errors on the page: ${uncaught.map(String).join('; ')}`);
  });
}

/** Scripts faults for `envId`'s batches (see demo/collector/faults.mjs). */
export async function setFaults(envId: string, rules: unknown[]): Promise<void> {
  const res = await fetch(`${BASE}/_test/faults`, { method: 'POST', body: JSON.stringify({ env_id: envId, rules }) });
  if (!res.ok) throw new Error(`setting faults failed: ${res.status}`);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const started: HeapRuntime[] = [];

/** Boots a runtime for a fresh env id against the test collector, disposed by `cleanUp`. */
export function startRuntime(label: string, options: RuntimeOptions = {}, envId = uniqueEnv(label)): HeapRuntime {
  const runtime = load(envId, { endpoint: ENDPOINT, flushInterval: 20, ...options });
  if (!runtime) throw new Error('runtime did not boot');
  started.push(runtime);
  return runtime;
}

const tabs: Core[] = [];

/**
 * A second tab of the site: another engine for `envId` on the same origin, sharing the cookie and storage with the
 * test page's runtime, on the test page's clock when given one, with `options` (consent, ...). Disposed by `cleanUp`
 * unless the test did so first.
 */
export function otherTab(envId: string, now?: () => number, options: RuntimeOptions = {}): Core {
  const tab = createCore(envId, { endpoint: ENDPOINT, now, ...options });
  const dispose = tab.dispose;
  tab.dispose = () => {
    const at = tabs.indexOf(tab);
    if (at < 0) return;
    tabs.splice(at, 1);
    dispose();
  };
  tabs.push(tab);
  return tab;
}

/** Boots the same env id again after disposing the old runtime: what a reload does to the tracker. */
export function reload(runtime: HeapRuntime, options: RuntimeOptions = {}): HeapRuntime {
  runtime.dispose();
  if (getRuntime(runtime.envId)) throw new Error('runtime still registered');
  return startRuntime('reload', options, runtime.envId);
}

/** The prefix of every cookie and storage key the runtime writes for `envId`. */
export const keyPrefix = (envId: string) => `hpa_${envId.replace(/[^A-Za-z0-9_-]/g, '_')}`;

/** Removes every cookie and storage key of `envId` (pages in iframes share them with the test page). */
export function forgetEnv(envId: string): void {
  const prefix = keyPrefix(envId);
  for (const key of Object.keys(localStorage)) if (key.startsWith(prefix)) localStorage.removeItem(key);
  for (const part of document.cookie.split('; ')) {
    const name = part.split('=')[0]!;
    if (name.startsWith(prefix)) document.cookie = `${name}=; path=/; max-age=0`;
  }
}

/** Disposes every runtime a test started and forgets its cookies and storage. */
export function cleanUp(): void {
  for (const tab of [...tabs]) tab.dispose();
  for (const runtime of started.splice(0)) {
    runtime.dispose();
    forgetEnv(runtime.envId);
  }
  resetWarnings();
}

/** Records console.warn/error calls made with the `[heap-analytics]` prefix while `fn` runs. */
export async function captureConsole<T>(fn: () => T | Promise<T>): Promise<{ result: T; warnings: string[]; errors: string[] }> {
  const warnings: string[] = [];
  const errors: string[] = [];
  const { warn, error } = console;
  console.warn = (...args: unknown[]) => {
    if (String(args[0]).startsWith('[heap-analytics]')) warnings.push(String(args[0]));
    else warn(...args);
  };
  console.error = (...args: unknown[]) => {
    if (String(args[0]).startsWith('[heap-analytics]')) errors.push(String(args[0]));
    else error(...args);
  };
  try {
    return { result: await fn(), warnings, errors };
  } finally {
    console.warn = warn;
    console.error = error;
  }
}

/** Runs `fn` with the page reading as hidden (the visitor switched to another tab), as the runtime reads it. */
export async function whileHidden<T>(fn: () => T | Promise<T>): Promise<T> {
  const visibility = Object.getOwnPropertyDescriptor(Document.prototype, 'visibilityState')!;
  Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, get: () => 'hidden' });
  try {
    return await fn();
  } finally {
    Object.defineProperty(Document.prototype, 'visibilityState', visibility);
  }
}
