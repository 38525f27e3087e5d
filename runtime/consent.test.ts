import { expect } from '@open-wc/testing';
import type { RuntimeOptions } from './runtime.ts';
import { captureConsole, cleanUp, forgetEnv, keyPrefix, otherTab, reload, requestLog, setFaults, sleep, startRuntime, storedEvents, uniqueEnv, waitForEvents, whileHidden } from '../test/collector.ts';
import { resetWarnings } from './warn.ts';

/** Every cookie, localStorage and sessionStorage key the runtime wrote for `envId`. */
function traces(envId: string): string[] {
  const prefix = keyPrefix(envId);
  const found: string[] = [];
  for (const part of document.cookie.split('; ')) if (part.startsWith(prefix)) found.push(`cookie:${part.split('=')[0]}`);
  for (const key of Object.keys(localStorage)) if (key.startsWith(prefix)) found.push(`local:${key}`);
  for (const key of Object.keys(sessionStorage)) if (key.startsWith(prefix)) found.push(`session:${key}`);
  return found.sort();
}

function forgetSessionStorage(envId: string) {
  for (const key of Object.keys(sessionStorage)) if (key.startsWith(keyPrefix(envId))) sessionStorage.removeItem(key);
}

const quiet = { disablePageviewAutocapture: true, retry: [50, 200] } satisfies RuntimeOptions;

describe('consent', () => {
  const envs: string[] = [];
  const env = (label: string) => {
    const id = uniqueEnv(label);
    envs.push(id);
    return id;
  };
  afterEach(() => {
    cleanUp();
    for (const id of envs.splice(0)) {
      forgetEnv(id);
      forgetSessionStorage(id);
    }
  });

  it('pending: keeps events in memory, writes no cookie or storage, sends nothing; granted: persists and sends what was held', async () => {
    const envId = env('pending');
    const heap = startRuntime('pending', { ...quiet, consent: 'pending' }, envId);
    heap.track('Before consent', { n: 1 });
    heap.addEventProperties({ plan: 'pro' });
    heap.identify('alice');
    await sleep(300);
    expect(traces(envId)).to.deep.equal([]);
    expect(await requestLog(envId)).to.deep.equal([]);
    expect(heap.getConsent()).to.equal('pending');
    heap.setConsent('granted');
    const events = await waitForEvents(envId, 2);
    expect(events.map((e) => e.type)).to.deep.equal(['track', 'identify']);
    expect(events[0]!.user_id).to.equal(heap.getUserId());
    expect(traces(envId)).to.include(`cookie:${keyPrefix(envId)}_id`);
    expect(traces(envId)).to.include(`local:${keyPrefix(envId)}_props`);
  });

  it('granted after pending continues the user and session of an earlier visit, and relabels what was held', async () => {
    const envId = env('returning');
    const first = startRuntime('returning', quiet, envId);
    const earlier = { user: first.getUserId(), session: first.getSessionId() };
    first.addEventProperties({ returning: true });
    first.dispose();
    const second = startRuntime('returning', { ...quiet, consent: 'pending' }, envId);
    expect(second.getUserId()).to.not.equal(earlier.user);
    second.track('Held while pending', { n: 2 });
    second.setConsent('granted');
    expect(second.getUserId()).to.equal(earlier.user);
    expect(second.getSessionId()).to.equal(earlier.session);
    const [held] = await waitForEvents(envId, 1, { name: 'Held while pending' });
    expect(held).to.include({ user_id: earlier.user, session_id: earlier.session });
    second.track('After consent');
    const [after] = await waitForEvents(envId, 1, { name: 'After consent' });
    expect(after!.properties).to.deep.equal({ returning: true });
  });

  it('granted after pending does not give back the signed-in user of an earlier visit to a visitor who logged out meanwhile', async () => {
    const envId = env('logout');
    const first = startRuntime('logout', quiet, envId);
    first.identify('alice');
    const alice = { user: first.getUserId(), session: first.getSessionId() };
    first.dispose();
    // The logout page: the consent tool has not answered yet when the page resets the identity.
    const second = startRuntime('logout', { ...quiet, consent: 'pending' }, envId);
    second.resetIdentity();
    second.track('Held after logout');
    second.setConsent('granted');
    expect(second.getIdentity()).to.equal(null);
    expect(second.getUserId()).to.not.equal(alice.user);
    expect(second.getSessionId()).to.not.equal(alice.session);
    second.track('After consent');
    const events = await waitForEvents(envId, 2, { type: 'track' });
    expect(events.map((e) => [e.name, e.identity, e.user_id === alice.user, e.session_id === alice.session])).to.deep.equal([
      ['Held after logout', null, false, false],
      ['After consent', null, false, false],
    ]);
    // The next page reads the anonymous user too.
    expect(reload(second, quiet).getIdentity()).to.equal(null);
  });

  it('granted after pending keeps someone else identified meanwhile out of the earlier visit\'s user and session', async () => {
    const envId = env('other');
    const first = startRuntime('other', quiet, envId);
    first.identify('alice');
    const alice = { user: first.getUserId(), session: first.getSessionId() };
    first.dispose();
    const second = startRuntime('other', { ...quiet, consent: 'pending' }, envId);
    second.identify('bob');
    second.track('Bob held');
    second.setConsent('granted');
    second.track('Bob after consent');
    const events = await waitForEvents(envId, 3, { identity: 'bob' });
    expect(events.map((e) => [e.type, e.identity, e.user_id === alice.user, e.session_id === alice.session])).to.deep.equal([
      ['identify', 'bob', false, false],
      ['track', 'bob', false, false],
      ['track', 'bob', false, false],
    ]);
  });

  it('granted after pending keeps the pageview held while pending for the session it continues: no second pageview', async () => {
    const envId = env('returning-view');
    const first = startRuntime('returning-view', quiet, envId);
    const earlier = first.getSessionId();
    first.dispose();
    const second = startRuntime('returning-view', { retry: quiet.retry, consent: 'pending' }, envId);
    second.setConsent('granted');
    expect(second.getSessionId()).to.equal(earlier);
    second.track('After consent');
    await waitForEvents(envId, 1, { name: 'After consent' });
    const events = await waitForEvents(envId, 2);
    expect(events.map((e) => e.type)).to.deep.equal(['pageview', 'track']);
    expect(events[1]!.pageview_id).to.equal(events[0]!.pageview_id);
  });

  it('granted after pending reports a corrupt saved user and session, keeps the current ones and saves them over it', async () => {
    resetWarnings();
    const envId = env('corrupt');
    localStorage.setItem(`${keyPrefix(envId)}_id`, '{broken');
    localStorage.setItem(`${keyPrefix(envId)}_ses`, '{"id":1}');
    const { result: heap, warnings } = await captureConsole(() => {
      const heap = startRuntime('corrupt', { ...quiet, consent: 'pending' }, envId);
      const current = { user: heap.getUserId(), session: heap.getSessionId() };
      heap.setConsent('granted');
      expect({ user: heap.getUserId(), session: heap.getSessionId() }).to.deep.equal(current);
      return heap;
    });
    expect(warnings.some((w) => w.includes('storage-corrupt'))).to.equal(true);
    expect(JSON.parse(localStorage.getItem(`${keyPrefix(envId)}_ses`)!).id).to.equal(heap.getSessionId());
  });

  it('denied after pending drops what was held, removes every trace, and sends nothing after', async () => {
    const envId = env('denied');
    // An earlier visit left a cookie and storage behind.
    startRuntime('denied', quiet, envId).dispose();
    expect(traces(envId).length).to.be.greaterThan(0);
    const heap = startRuntime('denied', { ...quiet, consent: 'pending' }, envId);
    heap.track('Held then dropped');
    heap.setConsent('denied');
    heap.track('After denial');
    heap.identify('bob');
    await sleep(300);
    expect(traces(envId)).to.deep.equal([]);
    expect(await requestLog(envId)).to.deep.equal([]);
  });

  it('denied at boot removes what an earlier, granted visit left, and sends nothing', async () => {
    const envId = env('deniedlater');
    const first = startRuntime('deniedlater', quiet, envId);
    first.addEventProperties({ earlier: true });
    first.dispose();
    expect(traces(envId).length).to.be.greaterThan(1);
    // The visitor withdrew consent since: the consent tool says so at this load.
    const heap = startRuntime('deniedlater', { ...quiet, consent: 'denied' }, envId);
    heap.track('Denied');
    await sleep(300);
    expect(traces(envId)).to.deep.equal([]);
    expect(await requestLog(envId)).to.deep.equal([]);
  });

  it('denied removes only its own env id\'s traces, not those of env ids that start with it, whose tabs it does not adopt either', async () => {
    const envId = env('own');
    // Keys are named after the env id: these start with the denied env's, and one looks like its segments, one like its tab records.
    const others = [`${envId}x`, `${envId}_q_1`, `${envId}_tab_1`];
    for (const id of others) {
      envs.push(id);
      startRuntime('other', quiet, id).addEventProperties({ kept: true });
    }
    await sleep(100);
    const before = others.flatMap(traces).sort();
    expect(before).to.have.length.greaterThan(6);
    const heap = startRuntime('own', quiet, envId);
    heap.track('Own');
    await waitForEvents(envId, 1);
    heap.setConsent('denied');
    // Their traces are all that is left under the denied env's prefix.
    expect(traces(envId)).to.deep.equal(before);
  });

  it('denied in one tab stops the site\'s other tabs: none writes the withdrawn user back, sends, or retries what was failing', async () => {
    const envId = env('withdraw');
    const heap = startRuntime('withdraw', quiet, envId);
    heap.track('Before');
    await waitForEvents(envId, 1, { name: 'Before' });
    // An event of this tab is failing and being retried when the visitor refuses.
    await setFaults(envId, [{ kind: 'status', status: 503 }]);
    heap.track('Retrying');
    for (let i = 0; i < 100 && (await requestLog(envId)).length < 2; i++) await sleep(20);
    // The visitor refuses in the site's consent dialog, in another tab.
    otherTab(envId).setConsent('denied');
    // The message reaches this tab in a task of its own (a loaded Firefox took long enough for a retry to land first,
    // as a request already on its way may): the collector answers again once it has.
    for (let i = 0; i < 100 && heap.getConsent() !== 'denied'; i++) await sleep(20);
    await setFaults(envId, []);
    // This tab re-reads the shared user and session once a second: it found them gone and wrote them back.
    await sleep(1100);
    heap.track('After');
    heap.identify('bob');
    await sleep(500);
    expect(traces(envId)).to.deep.equal([]);
    expect(heap.getConsent()).to.equal('denied');
    expect((await storedEvents(envId)).map((e) => e.name)).to.deep.equal(['Before']);
  });

  it('denied in a tab pending since it loaded stops the site\'s other tabs too', async () => {
    const envId = env('withdraw-pending');
    // This tab's consent tool granted after it loaded.
    const heap = startRuntime('withdraw-pending', { ...quiet, consent: 'pending' }, envId);
    heap.setConsent('granted');
    // The visitor refuses in a new tab before its consent tool granted anything.
    otherTab(envId, undefined, { consent: 'pending' }).setConsent('denied');
    await sleep(1100);
    heap.track('After');
    await sleep(300);
    expect(traces(envId)).to.deep.equal([]);
    expect(heap.getConsent()).to.equal('denied');
    expect(await requestLog(envId)).to.deep.equal([]);
  });

  it('denied in one tab drops what a tab pending since it loaded held: a grant there later starts afresh', async () => {
    const envId = env('withdraw-held');
    const heap = startRuntime('withdraw-held', { ...quiet, consent: 'pending' }, envId);
    const held = heap.getUserId();
    heap.track('Held');
    otherTab(envId).setConsent('denied');
    await sleep(300);
    expect(heap.getConsent()).to.equal('denied');
    heap.setConsent('granted');
    heap.track('After grant');
    const events = await waitForEvents(envId, 1, { name: 'After grant' });
    expect(events[0]!.user_id).to.not.equal(held);
    await sleep(300);
    expect((await storedEvents(envId)).map((e) => e.name)).to.deep.equal(['After grant']);
  });

  it('denied at boot (the consent setting a new page starts with) stops no other tab', async () => {
    const envId = env('boot-denial');
    // The site's dialog granted in this tab; a new tab starts denied by its markup.
    const heap = startRuntime('boot-denial', quiet, envId);
    otherTab(envId, undefined, { consent: 'denied' });
    await sleep(300);
    expect(heap.getConsent()).to.equal('granted');
    heap.track('Still granted');
    await waitForEvents(envId, 1, { name: 'Still granted' });
  });

  it('denied after granted removes cookies and storage and stops sending; granted again resumes', async () => {
    const envId = env('revoke');
    const heap = startRuntime('revoke', quiet, envId);
    heap.track('Granted');
    await waitForEvents(envId, 1);
    heap.setConsent('denied');
    expect(traces(envId)).to.deep.equal([]);
    heap.track('Denied');
    await sleep(300);
    expect((await requestLog(envId)).length).to.equal(1);
    heap.setConsent('granted');
    heap.track('Granted again');
    const events = await waitForEvents(envId, 2);
    expect(events.map((e) => e.name)).to.deep.equal(['Granted', 'Granted again']);
    expect(traces(envId).length).to.be.greaterThan(0);
  });

  it('granted again after a denial starts afresh: a new anonymous user and session, without the event properties the denial removed', async () => {
    const envId = env('afresh');
    const heap = startRuntime('afresh', quiet, envId);
    heap.identify('alice');
    heap.addEventProperties({ account: 'acme-42' });
    heap.track('Before');
    const [before] = await waitForEvents(envId, 1, { name: 'Before' });
    heap.setConsent('denied');
    heap.setConsent('granted');
    heap.track('After');
    const [after] = await waitForEvents(envId, 1, { name: 'After' });
    expect(after!.user_id).to.not.equal(before!.user_id);
    expect(after!.session_id).to.not.equal(before!.session_id);
    expect(after!.identity ?? null).to.equal(null);
    expect([heap.getUserId(), heap.getIdentity()]).to.deep.equal([after!.user_id, null]);
    // Saved again and sent, they tied the new user to the one withdrawn.
    expect(after!.properties ?? {}).to.deep.equal({});
    expect(traces(envId)).to.not.include(`local:${keyPrefix(envId)}_props`);
  });

  it('pending after granted holds new events without new writes, until granted again', async () => {
    const envId = env('pause');
    const heap = startRuntime('pause', quiet, envId);
    heap.setConsent('pending');
    const before = traces(envId);
    heap.track('While paused');
    heap.addEventProperties({ x: 1 });
    await sleep(300);
    expect(traces(envId)).to.deep.equal(before);
    expect(await requestLog(envId)).to.deep.equal([]);
    heap.setConsent('granted');
    await waitForEvents(envId, 1, { name: 'While paused' });
  });

  it('pending keeps one user and session across the once-a-second re-reads of the shared store, and granted continues them', async () => {
    const envId = env('pendingclock');
    let clock = Date.now();
    const heap = startRuntime('pendingclock', { ...quiet, consent: 'pending', now: () => clock }, envId);
    const ids = [heap.getUserId(), heap.getSessionId()];
    heap.track('First');
    clock += 1500;
    heap.track('Second');
    clock += 1500;
    expect([heap.getUserId(), heap.getSessionId()]).to.deep.equal(ids);
    heap.setConsent('granted');
    const events = await waitForEvents(envId, 2);
    expect(events.map((e) => [e.name, e.user_id, e.session_id])).to.deep.equal([['First', ...ids], ['Second', ...ids]]);
  });

  it('holds no Web Lock while pending or denied (navigator.locks.query() names the env id), and lets its lock go at a denial', async () => {
    // The lock tells other tabs that this one's saved events are alive: with nothing saved, it is only a trace.
    const locked = async (envId: string) => {
      const { held = [], pending = [] } = await navigator.locks.query();
      return [...held, ...pending].filter((l) => l.name!.startsWith(`${keyPrefix(envId)}_`)).length;
    };
    // Hidden (the visitor switched to another tab), where a tab whose storage is allowed holds its lock.
    await whileHidden(async () => {
      const pending = startRuntime('lock-pending', { ...quiet, consent: 'pending' }, env('lock-pending'));
      const denied = startRuntime('lock-denied', { ...quiet, consent: 'denied' }, env('lock-denied'));
      const granted = startRuntime('lock-granted', quiet, env('lock-granted'));
      // Denied in the task it booted in (a consent call a snippet queued), before its lock was granted.
      const deniedAtOnce = startRuntime('lock-at-once', quiet, env('lock-at-once'));
      deniedAtOnce.setConsent('denied');
      pending.track('Held');
      // Each lock's grant is a task of the browser's: wait for them to settle (a loaded machine took over 100 ms).
      const counts = () => Promise.all([pending, denied, deniedAtOnce, granted].map(({ envId }) => locked(envId)));
      for (let i = 0; i < 100 && String(await counts()) !== '0,0,0,1'; i++) await sleep(50);
      expect(await counts()).to.deep.equal([0, 0, 0, 1]);
      granted.setConsent('denied');
      pending.setConsent('granted');
      await waitForEvents(pending.envId, 1);
      const after = async () => [await locked(pending.envId), await locked(granted.envId)];
      for (let i = 0; i < 100 && String(await after()) !== '1,0'; i++) await sleep(50);
      expect(await after()).to.deep.equal([1, 0]);
    });
  });

  it('asks for no Web Lock while pending or denied, not even for a moment, when it boots or is hidden', async () => {
    // Read as the runtime requests: a lock asked for and let go at once is listed from the request to its release.
    const asked = async (...envIds: string[]) => {
      const { held = [], pending = [] } = await navigator.locks.query();
      return [...held, ...pending].filter((l) => envIds.some((envId) => l.name!.startsWith(`${keyPrefix(envId)}_`))).map((l) => l.name);
    };
    await whileHidden(async () => {
      const pending = startRuntime('ask-pending', { ...quiet, consent: 'pending' }, env('ask-pending'));
      const denied = startRuntime('ask-denied', { ...quiet, consent: 'denied' }, env('ask-denied'));
      expect(await asked(pending.envId, denied.envId), 'at boot').to.deep.equal([]);
      document.dispatchEvent(new Event('visibilitychange'));
      expect(await asked(pending.envId, denied.envId), 'hidden again').to.deep.equal([]);
    });
  });

  describe('Global Privacy Control', () => {
    // Every cookie and storage entry of `envId`, with its value: a pending visitor changes none.
    const values = (envId: string) => {
      const prefix = keyPrefix(envId);
      return [
        ...document.cookie.split('; ').filter((part) => part.startsWith(prefix)),
        ...[localStorage, sessionStorage].flatMap((area) => Object.keys(area).filter((key) => key.startsWith(prefix)).map((key) => `${key}=${area.getItem(key)}`)),
      ].sort();
    };
    beforeEach(() => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { configurable: true, get: () => true }));
    afterEach(() => delete (Navigator.prototype as { globalPrivacyControl?: boolean }).globalPrivacyControl);

    it('under respect-gpc starts the visitor as pending: a visitor who never grants sends nothing and writes nothing', async () => {
      const envId = env('gpc');
      const heap = startRuntime('gpc', { retry: quiet.retry, respectGpc: true }, envId);
      expect(heap.getConsent()).to.equal('pending');
      heap.track('Under GPC');
      heap.addEventProperties({ plan: 'pro' });
      heap.identify('alice');
      await sleep(300);
      expect(traces(envId)).to.deep.equal([]);
      expect(await requestLog(envId)).to.deep.equal([]);
      // A denial drops what was held, as from pending.
      heap.setConsent('denied');
      heap.setConsent('granted');
      await sleep(300);
      expect(await requestLog(envId)).to.deep.equal([]);
    });

    it('under respect-gpc continues the user a grant on the previous load kept, and sends this load\'s pageview once granted again', async () => {
      const envId = env('gpc-granted');
      // The previous load: the visitor accepted the site's consent dialog, which grants.
      const first = startRuntime('gpc-granted', { retry: quiet.retry, respectGpc: true }, envId);
      first.setConsent('granted');
      const user = first.getUserId();
      await waitForEvents(envId, 1, { type: 'pageview' });
      // Its request answered (the collector stores before it answers): the saved copy is gone before the next load.
      for (let i = 0; i < 100 && first.pending; i++) await sleep(20);
      first.dispose();
      const left = values(envId);
      // This load: nothing written or removed until the consent tool says it again.
      const heap = startRuntime('gpc-granted', { retry: quiet.retry, respectGpc: true }, envId);
      expect(heap.getConsent()).to.equal('pending');
      heap.track('Before the grant');
      await sleep(300);
      expect(values(envId)).to.deep.equal(left);
      expect(await requestLog(envId)).to.have.length(1);
      heap.setConsent('granted');
      expect(heap.getUserId()).to.equal(user);
      const events = await waitForEvents(envId, 3);
      expect(events.map((e) => [e.type, e.user_id])).to.deep.equal([
        ['pageview', user],
        ['pageview', user],
        ['track', user],
      ]);
    });

    it('under respect-gpc a consent setting of denied still denies at boot, removing what an earlier visit left', async () => {
      const envId = env('gpc-denied');
      startRuntime('gpc-denied', quiet, envId).dispose();
      expect(traces(envId).length).to.be.greaterThan(0);
      const heap = startRuntime('gpc-denied', { ...quiet, respectGpc: true, consent: 'denied' }, envId);
      expect(heap.getConsent()).to.equal('denied');
      expect(traces(envId)).to.deep.equal([]);
    });

    it('under respect-gpc still warns of an unknown consent setting, which starts as pending', async () => {
      resetWarnings();
      const { result: heap, warnings } = await captureConsole(() => startRuntime('gpc-bad', { ...quiet, respectGpc: true, consent: 'yes' as never }, env('gpc-bad')));
      expect(heap.getConsent()).to.equal('pending');
      expect(warnings.map((w) => w.split(':')[0])).to.deep.equal(['[heap-analytics] consent-invalid']);
    });

    it('without respect-gpc is ignored: the visitor is granted and tracked', async () => {
      const envId = env('gpc-off');
      const heap = startRuntime('gpc-off', quiet, envId);
      expect(heap.getConsent()).to.equal('granted');
      heap.track('GPC ignored');
      await waitForEvents(envId, 1, { name: 'GPC ignored' });
      expect(traces(envId).length).to.be.greaterThan(0);
    });
  });

  it('refuses an unknown consent value with a warning and keeps the current one', () => {
    const heap = startRuntime('badconsent', quiet);
    heap.setConsent('maybe' as never);
    expect(heap.getConsent()).to.equal('granted');
  });

  it('starts an unknown consent setting as pending with one warning, even a value that cannot be turned into text', async () => {
    for (const consent of ['yes', { toString: () => { throw new Error('toString'); } }]) {
      resetWarnings();
      const { result: heap, warnings } = await captureConsole(() => startRuntime('badsetting', { ...quiet, consent: consent as never }));
      expect(heap.getConsent()).to.equal('pending');
      expect(warnings.map((w) => w.split(':')[0])).to.deep.equal(['[heap-analytics] consent-invalid']);
      heap.dispose();
    }
  });
});

describe('cookieless mode', () => {
  const envs: string[] = [];
  afterEach(() => {
    cleanUp();
    for (const id of envs.splice(0)) forgetSessionStorage(id);
  });

  it('sets no cookie, keeps state in sessionStorage across a reload of the tab, and delivers', async () => {
    const envId = uniqueEnv('cookieless');
    envs.push(envId);
    const first = startRuntime('cookieless', { ...quiet, cookieless: true }, envId);
    first.track('No cookies');
    const userId = first.getUserId();
    first.dispose();
    const second = startRuntime('cookieless', { ...quiet, cookieless: true }, envId);
    expect(second.getUserId()).to.equal(userId);
    await waitForEvents(envId, 1, { name: 'No cookies' });
    expect(document.cookie).to.not.include(keyPrefix(envId));
    expect(traces(envId).every((t) => t.startsWith('session:'))).to.equal(true);
  });

  it('in memory mode writes nothing anywhere and still delivers', async () => {
    const envId = uniqueEnv('memory');
    envs.push(envId);
    const heap = startRuntime('memory', { ...quiet, cookieless: 'memory' }, envId);
    heap.addEventProperties({ a: 1 });
    heap.track('Memory only');
    await waitForEvents(envId, 1);
    expect(traces(envId)).to.deep.equal([]);
  });
});
