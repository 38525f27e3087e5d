/** A property value the collector accepts: boolean, finite number or short string. */
export type PropValue = boolean | number | string;

/** A validated set of properties. */
export type Props = Record<string, PropValue>;

/** The kinds of event the runtime captures. */
export type EventType =
  | 'track'
  | 'pageview'
  | 'click'
  | 'submit'
  | 'change'
  | 'view'
  | 'identify'
  | 'user_properties';

/** Page context attached to every event. */
export interface PageContext {
  url: string;
  title: string;
  path: string;
  referrer?: string;
  previous_page?: string;
}

/** Session properties, read from the session's landing page only. */
export type SessionContext = Record<string, string>;

/** What an interaction event says about the element it happened on. */
export interface TargetContext {
  tag: string;
  id?: string;
  classes?: string;
  text?: string;
  href?: string;
  hierarchy?: string;
  attributes?: Record<string, string>;
}

/** One captured event, as it travels to the collector. */
export interface HeapEvent {
  id: string;
  type: EventType;
  name?: string;
  time: number;
  user_id: string;
  identity: string | null;
  session_id: string;
  pageview_id: string;
  properties?: Props;
  page?: PageContext;
  session?: SessionContext;
  target?: TargetContext;
}

/** A count of events dropped before sending, by reason. */
export interface DropReport {
  reason: 'cap' | 'retries' | 'rejected' | 'size' | 'storage';
  count: number;
  /** The report the count belongs to; the collector stores each report's count for a reason once. */
  id?: string;
}

/** One request body, as PROTOCOL.md describes it. */
export interface Batch {
  v: 1;
  env_id: string;
  sent_at: number;
  library: { name: string; version: string };
  common?: Partial<HeapEvent>;
  dropped?: DropReport[];
  events: Partial<HeapEvent>[];
}

/** Options for `trackPageview`, as in Heap's API. */
export interface PageviewOptions {
  title?: string;
  url?: string;
  properties?: Record<string, unknown>;
  previous_page?: string;
}

/** Settings a page passes to `load()` or the element's attributes. */
export interface HeapConfig {
  /**
   * Where batches are POSTed (spaces around it are ignored; empty is the default). Default: `/__collect/v1/batch` on the
   * page's origin (its `<base href>`'s, when it has one).
   */
  endpoint?: string;
  /** Cookie domain, e.g. `.example.com` to share the user across subdomains. */
  cookieDomain?: string;
  /** Mark cookies `Secure` even on http (always on https). */
  secureCookie?: boolean;
  /** Skip the automatic pageview at boot and on navigation; `trackPageview` still works. */
  disablePageviewAutocapture?: boolean;
  /** Turn off click, submit and change autocapture (not pageviews); the API and markup tracking still work. */
  disableAutocapture?: boolean;
  /** Turn off click autocapture only. */
  disableClickCapture?: boolean;
  /** Turn off form submit autocapture only. */
  disableSubmitCapture?: boolean;
  /** Turn off field change autocapture only. */
  disableChangeCapture?: boolean;
  /** Send no target text (nor aria-label, alt, title, placeholder) with autocaptured interactions. */
  disableTextCapture?: boolean;
  /** Minutes of inactivity that end a session. Default 30. */
  sessionTimeout?: number;
  /** Most events in one request. Default 50. */
  batchSize?: number;
  /** Milliseconds an event may wait for companions before a batch leaves. Default 1000. */
  flushInterval?: number;
  /** Log every captured event to the console. */
  debug?: boolean;
  /** Most events kept while the collector cannot be reached; the oldest beyond it are dropped and reported. Default 1000. */
  maxEvents?: number;
  /** Most bytes of saved events kept; the oldest beyond it are dropped and reported. Default 1,000,000. */
  maxBytes?: number;
  /** Gzip request bodies of 1 KB and more when the browser can. Default true. */
  compress?: boolean;
  /** The visitor's consent at boot: `granted` (default), `pending` (memory only, nothing sent) or `denied` (nothing at all). */
  consent?: 'granted' | 'pending' | 'denied';
  /** Treat a Global Privacy Control signal (`navigator.globalPrivacyControl`) as consent `pending` at boot where it would be `granted`, until the page grants (`setConsent('granted')` or the attribute changed). */
  respectGpc?: boolean;
  /** Set no cookies: `true`/"session" keeps state in sessionStorage (per tab), "memory" keeps it for the page only. */
  cookieless?: boolean | 'session' | 'memory';
}

/** The fifteen calls of Heap's client API, as this project exposes them. */
export interface HeapApi {
  track(event: string, properties?: Record<string, unknown>): void;
  identify(identity: string | number): void;
  getIdentity(): string | null;
  resetIdentity(): void;
  addEventProperties(properties: Record<string, unknown>): void;
  removeEventProperty(name: string): void;
  clearEventProperties(): void;
  addUserProperties(properties: Record<string, unknown>): void;
  trackPageview(options?: PageviewOptions): void;
  addPageviewProperties(properties: Record<string, unknown>): void;
  removePageviewProperty(name: string): void;
  clearPageviewProperties(): void;
  onReady(callback: () => void): void;
  getSessionId(): string;
  getUserId(): string;
}

/** Names of the fifteen public calls, in the seed reference's order. */
export const API_METHODS = [
  'track',
  'identify',
  'getIdentity',
  'resetIdentity',
  'addEventProperties',
  'removeEventProperty',
  'clearEventProperties',
  'addUserProperties',
  'trackPageview',
  'addPageviewProperties',
  'removePageviewProperty',
  'clearPageviewProperties',
  'onReady',
  'getSessionId',
  'getUserId',
] as const satisfies readonly (keyof HeapApi)[];
