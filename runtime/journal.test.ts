import { expect } from '@open-wc/testing';
import { createJournal } from './journal.ts';
import { whileHidden } from '../test/collector.ts';

describe('journal', () => {
  const prefix = `hpa_journal_${Date.now()}`;
  afterEach(() => {
    for (const key of Object.keys(localStorage)) if (key.startsWith(prefix)) localStorage.removeItem(key);
  });

  it('adopts what a dead tab left where the browser has no Web Locks, its stale heartbeat deciding', async () => {
    const event = { id: '0', type: 'track', name: 'Left behind', time: 1, user_id: '1', session_id: '2', pageview_id: '3' };
    localStorage.setItem(`${prefix}_tab_999`, JSON.stringify({ hb: Date.now() - 120_000, d: { cap: 2 } }));
    localStorage.setItem(`${prefix}_q_999_0`, JSON.stringify({ v: 1, e: [event] }));
    const own = Object.getOwnPropertyDescriptor(Navigator.prototype, 'locks')!;
    Object.defineProperty(Navigator.prototype, 'locks', { configurable: true, get: () => undefined });
    try {
      const [, , adopt, leave] = createJournal(prefix, () => localStorage);
      const [events, drops] = await adopt();
      expect(events.map((e) => e.name)).to.deep.equal(['Left behind']);
      expect(drops).to.deep.equal([['cap', 2]]);
      leave();
    } finally {
      Object.defineProperty(Navigator.prototype, 'locks', own);
    }
    // Adopted once: nothing of the dead tab is left for another round.
    // Matched whole: this tab's own random id may hold 999.
    expect(Object.keys(localStorage).filter((key) => key === `${prefix}_tab_999` || key === `${prefix}_q_999_0`)).to.deep.equal([]);
  });
  it('adopts what a dead tab left when its heartbeat lies ahead of this clock (the clock was set back since it beat)', async () => {
    const event = { id: '0', type: 'track', name: 'Left before the clock went back', time: 1, user_id: '1', session_id: '2', pageview_id: '3' };
    // No tab holds this one's lock: it died an hour ahead of today's clock, and would look alive until then.
    localStorage.setItem(`${prefix}_tab_999`, JSON.stringify({ hb: Date.now() + 3_600_000 }));
    localStorage.setItem(`${prefix}_q_999_0`, JSON.stringify({ v: 1, e: [event] }));
    const [, , adopt, leave] = createJournal(prefix, () => localStorage);
    const [events] = await adopt();
    leave();
    expect(events.map((e) => e.name)).to.deep.equal(['Left before the clock went back']);
  });
  it('adopts in one round the segments of a dead tab and of a tab that left no record, and leaves a live tab\'s', async () => {
    const event = (name: string) => ({ id: name, type: 'track', name, time: 1, user_id: '1', session_id: '2', pageview_id: '3' });
    const segment = (name: string) => JSON.stringify({ v: 1, e: [event(name)] });
    // Segments written before their tabs' records, and after: adoption reads the keys in storage order.
    localStorage.setItem(`${prefix}_q_801_0`, segment('dead, first'));
    localStorage.setItem(`${prefix}_tab_801`, JSON.stringify({ hb: Date.now() - 120_000, d: { retries: 1 } }));
    localStorage.setItem(`${prefix}_q_801_1`, segment('dead, second'));
    localStorage.setItem(`${prefix}_q_802_0`, segment('no record'));
    localStorage.setItem(`${prefix}_tab_803`, JSON.stringify({ hb: Date.now(), d: {} }));
    localStorage.setItem(`${prefix}_q_803_0`, segment('live'));
    const own = Object.getOwnPropertyDescriptor(Navigator.prototype, 'locks')!;
    Object.defineProperty(Navigator.prototype, 'locks', { configurable: true, get: () => undefined });
    try {
      const [, , adopt, leave] = createJournal(prefix, () => localStorage);
      const [events, drops] = await adopt();
      expect(events.map((e) => e.name).sort()).to.deep.equal(['dead, first', 'dead, second', 'no record']);
      expect(drops).to.deep.equal([['retries', 1]]);
      leave();
    } finally {
      Object.defineProperty(Navigator.prototype, 'locks', own);
    }
    const left = [801, 802, 803].flatMap((tab) => [`${prefix}_tab_${tab}`, `${prefix}_q_${tab}_0`, `${prefix}_q_${tab}_1`]);
    expect(left.filter((key) => localStorage.getItem(key) !== null)).to.deep.equal([`${prefix}_tab_803`, `${prefix}_q_803_0`]);
  });
  it('holds its lock while the page is hidden, waking no other tab at an idle round, and beats instead once shown or where there are no Web Locks', async () => {
    // Another tab of the site, as far as storage events go: a same-origin frame hears every write of this document.
    // A prefix of its own: the storage events of earlier tests' writes may still be on their way.
    const own = `hpa_quiet_${Date.now()}`;
    const frame = document.createElement('iframe');
    document.body.append(frame);
    const heard: string[] = [];
    frame.contentWindow!.addEventListener('storage', (e) => e.key?.startsWith(own) && heard.push(e.key));
    const ours = async () => (await navigator.locks.query()).held!.some((l) => l.name!.startsWith(`${own}_tab_`));
    try {
      // Hidden (the visitor switched to another tab): the lock says the tab lives.
      const [, , adopt, leave, , , , , shown] = await whileHidden(async () => {
        const journal = createJournal(own, () => localStorage);
        while (!(await ours())) await new Promise((r) => setTimeout(r, 10));
        await journal[2]();
        await journal[2]();
        // Storage events are queued as tasks in the other document.
        await new Promise((r) => setTimeout(r, 100));
        expect(heard).to.deep.equal([]);
        return journal;
      });
      // Shown again, it lets go of its lock (a page holding one when it navigates is kept out of Firefox's
      // back/forward cache) and beats at once.
      shown();
      for (let i = 0; i < 100 && (await ours()); i++) await new Promise((r) => setTimeout(r, 10));
      expect(await ours(), 'holds its lock while shown').to.equal(false);
      await new Promise((r) => setTimeout(r, 100));
      expect(heard).to.have.length(1);
      leave();
      // What leaving wrote (the tab's record, its heartbeat 0) is heard, and set aside.
      await new Promise((r) => setTimeout(r, 100));
      heard.length = 0;
      const locks = Object.getOwnPropertyDescriptor(Navigator.prototype, 'locks')!;
      Object.defineProperty(Navigator.prototype, 'locks', { configurable: true, get: () => undefined });
      try {
        const [, , adoptWithoutLocks, leaveWithoutLocks] = createJournal(own, () => localStorage);
        await adoptWithoutLocks();
        await new Promise((r) => setTimeout(r, 100));
        // The heartbeat tells other tabs this one lives: its record was written (the first tab's, which left, was adopted).
        const beating = Object.keys(localStorage).filter((key) => key.startsWith(`${own}_tab_`) && JSON.parse(localStorage.getItem(key)!).hb > 0);
        expect(beating).to.have.length(1);
        expect(heard).to.include(beating[0]);
        leaveWithoutLocks();
      } finally {
        Object.defineProperty(Navigator.prototype, 'locks', locks);
      }
    } finally {
      frame.remove();
      for (const key of Object.keys(localStorage)) if (key.startsWith(own)) localStorage.removeItem(key);
    }
  });
});
