import type { BackoffOptions } from './backoff.ts';
import { createJournal } from './journal.ts';
import { createOutbox } from './outbox.ts';
import { createIdentity, type StoredUser } from './identity.ts';
import { eventId, randomNumericId } from './ids.ts';
import { readPage } from './page.ts';
import { createPropertyBag, type PropertyBag } from './properties.ts';
import { createPersistence, type Consent } from './persistence.ts';
import { createSession, type StoredSession } from './session.ts';
import { readJson } from './storage.ts';
import { addTyped } from './typed-params.ts';
import type { Transport } from './transport.ts';
import type { EventType, HeapConfig, HeapEvent, PageContext, Props, TargetContext } from './types.ts';
import { cleanProps, isConsent, isEmpty, isPropsObject, positive } from './validate.ts';
import { describe, errorOnce, logEvent, warnOnce } from './warn.ts';

/** What a runtime is built from; tests inject a clock or a transport. */
export interface RuntimeOptions extends HeapConfig {
  now?: () => number;
  transport?: Transport;
  /** An identity to apply before the first pageview: the element passes its `identity` attribute; empty is none. */
  identity?: string | null;
  /** Retry timing (tests shorten it). */
  retry?: BackoffOptions;
}

/**
 * The element an interaction event is about; or a function that completes what was read of it at the interaction,
 * called when the event is finished (runtime/interactions.ts: the listener reads only what cannot wait).
 */
export type CaptureTarget = TargetContext | (() => TargetContext);

/** trackPageview()'s options once checked (validate.ts): each left undefined when missing or refused. */
export interface CheckedPageview {
  title?: string;
  url?: URL;
  previous_page?: string;
  properties?: Props;
}

/** The engine behind the public API: state, capture and delivery for one env id. */
export interface Core {
  readonly config: Readonly<RuntimeOptions>;
  /** Sends what was captured and is queued now (the outbox's flush). */
  flush(): void;
  /** Counts the events captured but not yet acknowledged by the collector. */
  pending(): number;
  /** The reads the public API passes on as they are (api.ts: the keys of its FALLBACKS). */
  getUserId(): string;
  getIdentity(): string | null;
  getSessionId(): string;
  /** Applies an identity (an `identify` event), or null to become a new anonymous user (`resetIdentity`). */
  identify(identity: string | null): void;
  /** The event and the pageview properties, which the public calls change (api.ts) and the next capture shares. */
  properties: [event: PropertyBag, pageview: PropertyBag];
  /**
   * Captures an event of any type (`properties` already validated, none by default); nothing while consent is denied. The event
   * is finished (id, merged properties, queued, listeners told) in a microtask, or sooner when anything reads or
   * changes the queue (the outbox settles before it counts or sends).
   */
  capture(type: EventType, name?: string, properties?: Props, target?: CaptureTarget): void;
  /** Captures a `track` event with the caller's unvalidated properties: copied now, validated when finished. */
  capture(type: 'track', name: string, properties: unknown, unvalidated: true): void;
  /** Starts a new pageview and captures its event, with the options trackPageview() read and checked. */
  pageview(options: CheckedPageview): void;
  /** The visitor's consent as last set. */
  getConsent(): Consent;
  /** Applies a consent decision: see the README's consent section. */
  setConsent(next: Consent): void;
  /**
   * Adds the names of the typed fields of a GET form just submitted (runtime/typed-params.ts) to those the page masks,
   * with those another page or tab saved since, and saves them all (consent permitting); undefined only re-reads them.
   */
  typed(names: string[] | undefined): void;
  /** Calls `listener` with every event captured from now until the returned unsubscribe function is called. */
  subscribe(listener: (event: HeapEvent) => void): () => void;
  dispose(): void;
}

/**
 * What every event captured until the next change shares: the user, the session, the pageview, the page, and the
 * event and pageview properties merged. Replaced whenever one of them changes here; another tab's change to the
 * user is written into it (see `settle`).
 */
type Context = [user: StoredUser, session: StoredSession, pageviewId: string, page: PageContext, properties: Props];

/**
 * What is left to do for an event: the call's properties still to validate (`true`), or the element interacted
 * with (runtime/interactions.ts), or nothing (undefined; false for properties validated at the call).
 */
type Finish = boolean | CaptureTarget | undefined;

/** An event waiting to be finished: what the call could not leave for later. */
type Pending = [context: Context, type: EventType, name: string | undefined, own: unknown, time: number, finish: Finish];

/** Creates the engine for one env id. Use `load()` in pages; this is the injectable form for tests. */
export function createCore(envId: string, options: RuntimeOptions): Core {
  const now = options.now ?? Date.now;
  // The env id made a safe cookie and storage key part: word characters and hyphens.
  const base = `hpa_${envId.replace(/[^\w-]/g, '_')}`;
  // Undefined is the default, granted; null is not a consent.
  const { consent: given = 'granted' } = options;
  // The consent to start with: the setting (default granted), or pending instead of granted when asked to honour Global
  // Privacy Control and it is on. Any truthy `respectGpc` asks: the element reads `respect-gpc="1"` as 1 and `="on"` as
  // a string. Pending, not denied: the consent tool's grant on each load continues the visitor an earlier grant saved
  // (a denial at boot wiped them: a new user and no pageview at every load).
  let consent: Consent =
    given === 'granted' && options.respectGpc && (globalThis.navigator as { globalPrivacyControl?: boolean } | undefined)?.globalPrivacyControl === true
      ? 'pending'
      : isConsent(given)
        ? given
        : (warnOnce('consent-invalid', `consent must be "granted", "pending" or "denied", got ${describe(given)}; "pending" is used until the page decides.`), 'pending');
  // The one answer the stores and the outbox ask, at each use, whether they may persist and send.
  const allowed = () => consent === 'granted';
  // The storage settings go through under their own names.
  const [userStore, localStore, storageArea, wipeStorage] = createPersistence(options, base, allowed);
  // Denied at boot (the visitor withdrew consent since): what an earlier visit stored goes, as a denial does.
  if (consent === 'denied') wipeStorage();
  const [currentUser, identifyUser, syncUser, mergeUser] = createIdentity(userStore, `${base}_id`);
  // Another tab may have identified or reset the user. Re-read at the next settle, not here: reading the cookie is a
  // round trip to the browser process (0.2 to 2 ms in Chromium), and this may be the page's own call.
  const [touchSession, restartSession, mergeSession] = createSession(localStore, `${base}_ses`, positive(options, 'sessionTimeout', 30) * 60_000, () => (syncDue = true));
  let context: Context | undefined;
  // Every change to what the context holds makes a new one at the next capture.
  const changed = () => (context = undefined);
  const eventProperties = createPropertyBag(localStore, `${base}_props`, changed);
  const pageviewProperties = createPropertyBag(undefined, '', changed);
  const [queueEvent, flush, grant, deny, pendingCount, disposeOutbox] = createOutbox(options, envId, createJournal(base, storageArea), allowed, settle, now);
  const listeners = new Set<(event: HeapEvent) => void>();
  const typedKey = `${base}_typed`;
  // What every tab and earlier page saved first, then `names` as the latest: a tab that learned other names since keeps them.
  const typed = (names?: string[]) => {
    addTyped(readJson(localStore, typedKey, Array.isArray) ?? []);
    if (names) localStore[1](typedKey, JSON.stringify(addTyped(names)));
  };
  // Before the boot pageview reads the page (below) and its session the landing page: a search results page reloaded,
  // or the page after it (its referrer), masks what an earlier page learned.
  typed();
  let pageviewId = randomNumericId();
  let page: PageContext = readPage();

  /**
   * Events captured but not finished, in capture order. Only what must be read at call time is taken on the
   * caller's stack (time, a copy of the call's properties, the context) into one small record; the event, its id,
   * validation and merging wait for the microtask.
   */
  let pending: Pending[] = [];
  let next = 0;
  /** The user's once-a-second re-read is due, at the next settle (set when the session re-reads the shared store). */
  let syncDue = false;
  /** The id of the session the current pageview was captured in (none before the first pageview). */
  let pageviewSession: string | undefined;
  /** resetIdentity() was called on this page. */
  let loggedOut = false;
  /**
   * Where the site's tabs of this env id tell each other of a denial the page made at run time, heard by every tab
   * whatever its consent (none where the browser has none). Still granted, another tab wrote back the user and session
   * the denial wiped within a second and went on sending: the visitor who refused was still tracked, under the same id.
   */
  let channel: BroadcastChannel | undefined;

  function capture(type: EventType, name?: string, own?: unknown, finish?: Finish): void {
    if (consent === 'denied') return;
    // A copy keeps the values of the moment of the call, whatever the caller does to its object afterwards.
    if (finish === true && isPropsObject(own)) {
      try {
        own = { ...own };
      } catch {
        // A getter or proxy that throws: validated now, where reading each key is guarded.
        own = cleanProps(own, 'track');
        finish = false;
      }
    }
    // A session that timed out, was restarted or was replaced by another tab's comes back as a new object.
    const current = touchSession(now());
    // A session's events belong to a pageview of that session. One that began since the current pageview (it timed
    // out, identify or resetIdentity restarted it, another tab's replaced it) has the page recorded again, with its
    // pageview properties, before its first event (not before the boot pageview: no pageview yet).
    if (type === 'pageview') pageviewSession = current.id;
    else if (pageviewSession && pageviewSession !== current.id && !options.disablePageviewAutocapture) {
      pageviewId = randomNumericId();
      capture('pageview');
    }
    if (context?.[1] !== current) {
      // Each bag's values (its first function: properties.ts).
      context = [currentUser(), current, pageviewId, page, { ...eventProperties[0](), ...pageviewProperties[0]() }];
    }
    // The event's time is read last: the pageview recorded before it above (whose own reading came after the session's)
    // is timed no later than the event, so a session never seems to begin before its pageview.
    if (pending.push([context, type, name, own, now(), finish]) === 1) queueMicrotask(settle);
    // In debug mode an event is settled (and its log line queued) at its call, ahead of any warning a later call
    // gives: the lines print in call order (debugging, not speed, matters here).
    if (options.debug) settle();
  }

  /**
   * The user as every tab has it (re-read on the once-a-second beat), the one the next event carries: read from this
   * tab's copy, getUserId() gave the page a user another tab had logged out.
   */
  const sharedUser = () => (touchSession(now(), true), settle(), currentUser());

  /** Finishes pending events in capture order; a listener that captures or settles in turn keeps that order. */
  function settle() {
    if (syncDue) {
      // Re-reads the user every tab shares. The waiting events labelled with the user as it was here take what
      // another tab made of it, as if read at their call (so does the context, which they share); those labelled
      // by a change made here since do not. The user is a new object at each change, so `===` tells them apart.
      syncDue = false;
      const before = currentUser();
      const after = syncUser();
      // So are the event properties (the bag's sixth function): what the events captured since the last change here
      // share takes them, as if read at their call.
      eventProperties[5]();
      // So does the context the next capture shares, made with the user as it was before (a change made here since
      // made a new one): with none waiting, a tab that repeated another tab's sign-in or sign-out (identify() and
      // resetIdentity() find nothing to change then) labelled its next events with the user signed in before.
      if (context) (context[0] = after), (context[4] = { ...eventProperties[0](), ...pageviewProperties[0]() });
      // Finished events took their labels already: relabelling their contexts changes only what later captures share.
      for (const [shared] of pending) if (shared[0] === before) shared[0] = after;
    }
    while (next < pending.length) {
      const [[{ u: user_id, i: identity }, current, pageview_id, page, shared], type, name, own, time, finish] = pending[next++]!;
      let event: HeapEvent;
      try {
        event = { id: eventId(time), type, time, user_id, identity, session_id: current.id, pageview_id, page, session: current.props };
        // Names are never empty: the API and markup both refuse blank ones.
        if (name) event.name = name;
        let properties = own as Props | undefined;
        if (finish === true) properties = cleanProps(own, 'track');
        else if (finish) event.target = typeof finish === 'function' ? finish() : finish;
        // Event properties, then pageview properties, then the call's own: the most specific wins. With any shared,
        // the merge has keys: only the call's own are left to tell.
        if (type !== 'user_properties' && !isEmpty(shared)) event.properties = { ...shared, ...properties };
        else if (!isEmpty(properties)) event.properties = properties;
        queueEvent(event);
      } catch (err) {
        errorOnce('capture-failed', 'an event could not be finished and was dropped.', err);
        continue;
      }
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (err) {
          errorOnce('listener-failed', 'a listener given to subscribe() threw; the other listeners still ran and the event is sent.', err);
        }
      }
      if (options.debug) logEvent(event);
    }
    pending = [];
    next = 0;
  }

  const core: Core = {
    config: options,
    flush,
    pending: pendingCount,
    getUserId: () => sharedUser().u,
    getIdentity: () => sharedUser().i,
    getSessionId: () => touchSession(now(), true).id,
    identify(identity) {
      // Compared with, and changed from, the user as every tab has it, read now (not on the once-a-second beat): one
      // another tab identified (or identified and reset) since went to the next person identified here, merging two
      // people, and a logout in the second another tab identified someone was ignored.
      syncDue = true;
      // A logout while the earlier user is unreadable (consent pending) must outlast the grant that reads it.
      loggedOut ||= !identity;
      if (identity === sharedUser().i) return;
      // Someone else (the user was identified): a new user, so a new session.
      if (identifyUser(identity)) restartSession(now());
      changed();
      if (identity !== null) capture('identify');
    },
    properties: [eventProperties, pageviewProperties],
    getConsent: () => consent,
    setConsent(next) {
      if (next === consent) return;
      // Events captured under the earlier decision go where it sent them.
      settle();
      consent = next;
      // Pending holds events: the outbox asks `allowed` before it sends. Back to undecided after a denial, there
      // is nothing to forget: nothing enters the outbox while denied.
      if (next === 'denied') {
        // Every other tab of the site applies it too (one that heard it tells the others again: denied already, they
        // find nothing to change). A denial at boot (a new page's setting) does not come here: it stops no tab that
        // the site's consent dialog granted.
        channel?.postMessage(0);
        deny();
        wipeStorage();
        // The ids the wipe removed from storage live on in memory: a grant later would save them again and tie the
        // visitor to what they withdrew. A new anonymous user and session instead (nothing is written while denied),
        // without the event properties (the bag's clear, its fourth function), which would be sent and saved again too.
        identifyUser();
        restartSession(now());
        eventProperties[3]();
      } else if (next === 'granted') {
        // The typed names learned while storage was closed are saved now, for the pages after this one.
        typed([]);
        // An earlier visit's user and live session continue; what was captured meanwhile is re-labelled. Merging
        // the event properties (the bag's fifth function) also starts a new context for the next capture.
        // Someone else's user (null) keeps its session too.
        const replacedUser = mergeUser(loggedOut);
        const replacedSession = mergeSession(now(), replacedUser === null);
        eventProperties[4]();
        const current = touchSession(now());
        grant((event) => {
          if (event.user_id === replacedUser) {
            event.user_id = currentUser().u;
            event.identity ??= currentUser().i;
          }
          if (event.session_id === replacedSession) {
            // So is the pageview held with them (every held event of a session follows a pageview of it): no second one.
            event.session_id = pageviewSession = current.id;
            event.session = current.props;
          }
        });
      }
    },
    capture,
    typed,
    pageview(options) {
      const previousUrl = page.url;
      // The pageview's properties replace the last one's (the bag's clear, its fourth function; refused or unreadable
      // ones are undefined: none), which also starts a new context for the next capture. They are a fresh object
      // (validate.ts made it).
      pageviewProperties[3](options.properties);
      page = readPage(options);
      // Another page: a new id, and the page before names where the visitor came from (both URLs scrubbed). The same
      // page: a new id too, except at its first pageview, which keeps the id the events before it carry (the boot
      // identify from an `identity` attribute).
      if (previousUrl !== page.url) {
        pageviewId = randomNumericId();
        if (previousUrl) page.referrer = previousUrl;
      } else if (pageviewSession) pageviewId = randomNumericId();
      capture('pageview');
      // Listeners (navigation, pageview markup) see a pageview before any later call reads what they set.
      settle();
    },
    subscribe(listener) {
      // The listener hears exactly the events captured between the two calls: the unsubscribe function settles too.
      settle();
      listeners.add(listener);
      return () => {
        settle();
        listeners.delete(listener);
      };
    },
    dispose() {
      channel?.close();
      disposeOutbox();
      listeners.clear();
    },
  };
  try {
    (channel = new BroadcastChannel(base)).onmessage = () => core.setConsent('denied');
  } catch {
    // No channel: this tab neither hears nor tells a denial, and tracks on as before.
  }
  return core;
}
