// Shared fixtures for the collector tests: a real http server on a loopback port
// and builders for valid events and batches. Not named *.test.mjs on purpose.
import { createServer, request } from 'node:http';
import { randomUUID } from 'node:crypto';
import { createCollector } from './handler.mjs';

/** A fixed "client now" that keeps event times readable in assertions. */
export const T0 = 1_796_040_000_000;

/**
 * Starts a collector (testing endpoints on, errors collected instead of printed) behind a node http server.
 * @param {import('./handler.mjs').CollectorOptions} [options]
 */
export async function startCollector(options = {}) {
  /** @type {unknown[]} */
  const errors = [];
  const collector = createCollector({ testing: true, logError: (_m, err) => errors.push(err), ...options });
  const server = createServer((req, res) => collector.handle(req, res));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  const origin = `http://127.0.0.1:${port}`;
  const base = `${origin}${collector.basePath}`;

  return {
    collector,
    server,
    origin,
    base,
    errors,
    /**
     * POSTs a batch (an object is JSON-encoded) to /v1/batch.
     * @param {unknown} body
     * @param {{ query?: string, headers?: Record<string, string> }} [init]
     */
    post(body, { query = '', headers = {} } = {}) {
      return fetch(`${base}/v1/batch${query}`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain;charset=UTF-8', ...headers },
        body: typeof body === 'string' || body instanceof Uint8Array ? /** @type {BodyInit} */ (body) : JSON.stringify(body),
      });
    },
    /** GETs a path under the base and returns the parsed JSON. @param {string} path */
    async get(path) {
      const res = await fetch(`${base}${path}`);
      if (!res.ok) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
      return res.json();
    },
    /** POSTs JSON to a /_test endpoint. @param {string} path @param {unknown} body */
    async control(path, body) {
      const res = await fetch(`${base}${path}`, { method: 'POST', body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`POST ${path} answered ${res.status}: ${await res.text()}`);
      return res.json();
    },
    /** The stored events of an env id. @param {string} envId @param {string} [extra] */
    async events(envId, extra = '') {
      return (await this.get(`/v1/events?env_id=${encodeURIComponent(envId)}${extra}`)).events;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve(undefined)));
      await collector.close();
    },
  };
}

/** A fresh env id, so tests sharing one collector never see each other's data. */
export function newEnvId() {
  return `env-${randomUUID().slice(0, 8)}`;
}

/**
 * A valid event; fields given override the defaults (undefined removes one).
 * @param {Record<string, unknown>} [fields]
 */
export function makeEvent(fields = {}) {
  const event = {
    id: randomUUID(),
    type: 'track',
    name: 'Test',
    time: T0 - 1000,
    user_id: '4520981725143342',
    session_id: 'session-1',
    pageview_id: 'pageview-1',
    ...fields,
  };
  for (const [key, value] of Object.entries(event)) if (value === undefined) delete (/** @type {any} */ (event))[key];
  return event;
}

/**
 * A valid batch around the given events; fields given override the defaults.
 * @param {string} envId
 * @param {unknown[]} events
 * @param {Record<string, unknown>} [fields]
 */
export function makeBatch(envId, events, fields = {}) {
  return { v: 1, env_id: envId, sent_at: T0, library: { name: 'heap-analytics', version: '0.1.0' }, events, ...fields };
}

/**
 * POSTs with `Expect: 100-continue`, sending the body only once the server says 100 Continue.
 * @param {string} url @param {number} length @param {string} body
 * @returns {Promise<{ continued: boolean, status: number | undefined }>}
 */
export function expectContinue(url, length, body) {
  return new Promise((resolve, reject) => {
    let continued = false;
    const req = request(url, {
      method: 'POST', headers: { 'Content-Type': 'text/plain', 'Content-Length': length, Expect: '100-continue' },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve({ continued, status: res.statusCode }));
    });
    req.on('continue', () => {
      continued = true;
      req.end(body);
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}
