import { expect } from '@open-wc/testing';
import { cleanUp, forgetEnv, keyPrefix, sleep, startRuntime, uniqueEnv, waitForEvents, type StoredEvent } from '../test/collector.ts';
import { mount, unmount } from '../test/markup.ts';

/** A form-associated custom field, as a design system's text input: what it holds goes with its form. */
class TypedField extends HTMLElement {
  static formAssociated = true;
  #internals = this.attachInternals();
  set value(value: string) {
    this.#internals.setFormValue(value);
  }
}
customElements.define('x-typed-field', TypedField);

const original = location.href;
const here = `${location.origin}${location.pathname}`;

/** A single-page app's search: it cancels the submit and pushes the form's fields into the address itself. */
function searchInPlace(form: HTMLFormElement) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    history.pushState(null, '', `?${new URLSearchParams(new FormData(form, event.submitter) as unknown as string[][])}`);
  });
}

/** The URLs of the pageviews stored for `envId` once there are `count`. */
const pageviews = async (envId: string, count: number): Promise<StoredEvent[]> => waitForEvents(envId, count, { type: 'pageview' });

/** Resolves with the address of the next page `frame` loads (the search fixture posts it once it booted the tracker). */
const nextPage = (frame: HTMLIFrameElement) =>
  new Promise<string>((resolve) => {
    const heard = (event: MessageEvent) => {
      if (event.source !== frame.contentWindow || event.data?.type !== 'search-page') return;
      removeEventListener('message', heard);
      resolve(event.data.href);
    };
    addEventListener('message', heard);
  });

/** The local storage key that keeps the typed names of `envId`. */
const typedKey = (envId: string) => `${keyPrefix(envId)}_typed`;

describe('typed query parameters', () => {
  const frames: HTMLIFrameElement[] = [];
  const envs: string[] = [];
  afterEach(() => {
    cleanUp();
    unmount();
    for (const frame of frames.splice(0)) frame.remove();
    for (const envId of envs.splice(0)) forgetEnv(envId);
    history.replaceState(null, '', original);
  });

  /** An iframe on the search fixture for `envId` (with `query` added), once its tracker booted. */
  async function openSearch(envId: string, query = ''): Promise<HTMLIFrameElement> {
    const frame = document.createElement('iframe');
    frames.push(frame);
    envs.push(envId);
    frame.src = `/test/fixtures/search.html?env=${envId}${query}`;
    const loaded = nextPage(frame);
    document.body.append(frame);
    await loaded;
    return frame;
  }

  it('sends the typed fields of a search form the page cancels and pushes into the address as ****, keeping the page-written ones; later pages and reloads too', async () => {
    // Submit capture off: the masking does not depend on it.
    const heap = startRuntime('spa-search', { disableSubmitCapture: true });
    const form = mount(`<form>
        <input name="sq" /><input type="hidden" name="ref" value="home" />
        <select name="sort"><option>price</option></select><input type="checkbox" name="stock" checked />
        <x-typed-field name="xq"></x-typed-field><textarea name="note"></textarea><button>Go</button>
      </form>`).querySelector('form')!;
    searchInPlace(form);
    form.querySelector('input')!.value = 'what I typed';
    form.querySelector('textarea')!.value = 'a note';
    form.querySelector<TypedField>('x-typed-field')!.value = 'typed in a component';
    await pageviews(heap.envId, 1);
    form.querySelector('button')!.click();
    await pageviews(heap.envId, 2);
    history.pushState(null, '', '?page=2');
    const [, results, next] = await pageviews(heap.envId, 3);
    const masked = `${here}?sq=****&ref=home&sort=price&stock=on&xq=****&note=****`;
    expect(results!.page!.url).to.equal(masked);
    expect(next!.page!.referrer).to.equal(masked);
    // A reload of the results: a new tracker, on the same storage, whose boot pageview is masked from the start.
    await openSearch(heap.envId, '&sq=typed+again&sort=price');
    const [reloaded] = (await pageviews(heap.envId, 4)).filter((e) => (e.page!.url as string).includes('search.html'));
    expect(reloaded!.page!.url).to.match(/search\.html\?env=[\w-]+&sq=\*\*\*\*&sort=price$/);
  });

  it('sends a field a native GET form wrote into the next page\'s address as **** in that page\'s pageview, the referrer after it and a session that lands there', async () => {
    const envId = uniqueEnv('native-search');
    const frame = await openSearch(envId);
    await pageviews(envId, 1);
    const doc = frame.contentDocument!;
    doc.querySelector<HTMLInputElement>('[name=q]')!.value = 'red shoes';
    const results = nextPage(frame);
    doc.querySelector('button')!.click();
    // The browser wrote what was typed, the way a form does.
    expect(await results).to.match(/&q=red\+shoes&sort=price&stock=on$/);
    const [, searched] = await pageviews(envId, 2);
    expect(searched!.page!.url).to.match(/\?env=[\w-]+&q=\*\*\*\*&sort=price&stock=on$/);
    // A page later, in a new session (the last one forgotten as the results page goes: the click on the link below
    // touches the session, which a removal made before it could find written again): the referrer and the landing
    // page are masked too. Heard after the tracker's own pagehide listener, added before it.
    frame.contentWindow!.addEventListener('pagehide', () => localStorage.removeItem(`${keyPrefix(envId)}_ses`));
    const later = nextPage(frame);
    // A link on the results page: the page it opens has the results for referrer.
    const link = frame.contentDocument!.createElement('a');
    link.href = `/test/fixtures/search.html?env=${envId}&q=from+a+link&page=2`;
    frame.contentDocument!.body.append(link);
    link.click();
    await later;
    const [, , last] = await pageviews(envId, 3);
    expect(last!.page!.url).to.match(/&q=\*\*\*\*&page=2$/);
    expect(last!.page!.referrer).to.match(/&q=\*\*\*\*&sort=price&stock=on$/);
    expect(last!.session!.landing_page).to.equal(last!.page!.url);
    expect(last!.session!.referrer).to.equal(last!.page!.referrer);
  });

  it('leaves the fields of POST and dialog forms as they are, and masks a POST form\'s fields that a formmethod=get button sends', async () => {
    const heap = startRuntime('post-search');
    const container = mount(`
      <form method="post"><input name="pq" /><button>Post</button></form>
      <form><input name="fq" /><button formmethod="post">Post anyway</button></form>
      <dialog open><form method="dialog"><input name="dq" /><button>Close</button></form></dialog>
      <form method="post"><input name="gq" /><button formmethod="GET">Get anyway</button></form>`);
    for (const form of container.querySelectorAll('form')) {
      searchInPlace(form);
      form.querySelector('button')!.click();
    }
    history.pushState(null, '', '?pq=1&fq=2&dq=3&gq=4');
    // One pageview: the pushes of one run of script count once, for the address they end at.
    const pages = await pageviews(heap.envId, 2);
    expect(pages.at(-1)!.page!.url).to.equal(`${here}?pq=1&fq=2&dq=3&gq=****`);
  });

  // Heap's trackPageview() takes the page before as `previous_page`: a single-page app passes its router's last
  // location, whose query holds what the visitor typed into its search, while the same address went masked as the URL.
  it('masks a typed field, and an email, in the previous_page a single-page app passes to trackPageview, as in its URL', async () => {
    const heap = startRuntime('previous-page', { disablePageviewAutocapture: true, disableSubmitCapture: true });
    const form = mount('<form><input name="vq" /><button>Go</button></form>').querySelector('form')!;
    searchInPlace(form);
    form.querySelector('input')!.value = 'what I typed';
    form.querySelector('button')!.click();
    const previous = location.pathname + location.search;
    history.pushState(null, '', '?page=2');
    heap.trackPageview({ previous_page: previous });
    heap.trackPageview({ previous_page: '/users/alice@example.com' });
    const [results, profile] = await pageviews(heap.envId, 2);
    expect(results!.page!.previous_page).to.equal(`${location.pathname}?vq=****`);
    expect(profile!.page!.previous_page).to.equal('/users/****');
  });

  it('reads a form with fields named after its members (method, elements) as the DOM has it', async () => {
    const heap = startRuntime('named-members');
    const form = mount('<form><input name="method" value="card" /><input name="elements" value="typed" /><button>Go</button></form>').querySelector('form')!;
    searchInPlace(form);
    await pageviews(heap.envId, 1);
    form.querySelector('button')!.click();
    const [, results] = await pageviews(heap.envId, 2);
    expect(results!.page!.url).to.equal(`${here}?method=****&elements=****`);
  });

  it('masks the typed fields of a search form in an open shadow root with autocapture off', async () => {
    const heap = startRuntime('shadow-search', { disableAutocapture: true });
    const host = mount('<div></div>').firstElementChild!;
    host.attachShadow({ mode: 'open' }).innerHTML = '<form><input name="shq" value="in a shadow"><button>Go</button></form>';
    const form = host.shadowRoot!.querySelector('form')!;
    searchInPlace(form);
    await pageviews(heap.envId, 1);
    host.shadowRoot!.querySelector('button')!.click();
    const [, results] = await pageviews(heap.envId, 2);
    expect(results!.page!.url).to.equal(`${here}?shq=****`);
  });

  it('keeps typed names in memory only while consent is pending or denied, saves them at a grant, and removes them with a denial', async () => {
    const pending = startRuntime('typed-pending', { consent: 'pending' });
    const denied = startRuntime('typed-denied', { consent: 'denied' });
    const form = mount('<form><input name="cq" value="typed while undecided" /><button>Go</button></form>').querySelector('form')!;
    searchInPlace(form);
    form.querySelector('button')!.click();
    await sleep(100);
    expect([localStorage.getItem(typedKey(pending.envId)), localStorage.getItem(typedKey(denied.envId))]).to.deep.equal([null, null]);
    // Masked meanwhile all the same: the held pageview of the results is sent as such at the grant.
    pending.setConsent('granted');
    const [, results] = await pageviews(pending.envId, 2);
    expect(results!.page!.url).to.equal(`${here}?cq=****`);
    expect(JSON.parse(localStorage.getItem(typedKey(pending.envId))!)).to.include('cq');
    pending.setConsent('denied');
    expect(localStorage.getItem(typedKey(pending.envId))).to.equal(null);
    expect(localStorage.getItem(typedKey(denied.envId))).to.equal(null);
  });

  it("sends one pageview for a URL with a typed parameter when the page sends its own right after pushing it", async () => {
    const heap = startRuntime('own-pageview');
    const form = mount('<form><input name="oq" value="typed" /><button>Go</button></form>').querySelector('form')!;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      // A router that sends its own pageviews: the autocaptured one would be the same page again.
      history.pushState(null, '', '?oq=typed');
      heap.trackPageview();
    });
    await pageviews(heap.envId, 1);
    form.querySelector('button')!.click();
    await pageviews(heap.envId, 2);
    history.pushState(null, '', '?after=1');
    const pages = await pageviews(heap.envId, 3);
    expect(pages.slice(1).map((e) => e.page!.url)).to.deep.equal([`${here}?oq=****`, `${here}?after=1`]);
  });

  it("sends the typed parameters of a clicked link's href as ****: a results page's next page and sort links repeat the query", async () => {
    const heap = startRuntime('link-href');
    const container = mount(`<form><input name="lq" value="red shoes" /><button>Go</button></form>
      <a href="?lq=red+shoes&page=2">Next</a>`);
    searchInPlace(container.querySelector('form')!);
    container.querySelector('a')!.addEventListener('click', (event) => event.preventDefault());
    container.querySelector('button')!.click();
    container.querySelector('a')!.click();
    const link = (await waitForEvents(heap.envId, 2, { type: 'click' })).find((e) => e.target!.text === 'Next');
    expect(link!.target!.href).to.equal('?lq=****&page=2');
  });

  it('masks a typed field a search page keeps in its fragment as parameters (#hq=...&page=2), as in a hash router\'s query', async () => {
    const heap = startRuntime('hash-params');
    const form = mount('<form><input name="hq" value="what I typed" /><button>Go</button></form>').querySelector('form')!;
    // A search page that keeps its state in the fragment, as a form would write its query.
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      location.hash = `${new URLSearchParams(new FormData(form) as unknown as string[][])}&page=2`;
    });
    form.querySelector('button')!.click();
    const pages = await pageviews(heap.envId, 2);
    expect(pages.at(-1)!.page!.url).to.equal(`${original}#hq=****&page=2`);
  });

  it('sends a URL with no typed parameter exactly as it was, and matches names as a form encodes them', async () => {
    const heap = startRuntime('untouched');
    const form = mount('<form><input name="uq" /><input name="u q" /><button>Go</button></form>').querySelector('form')!;
    searchInPlace(form);
    form.querySelector('button')!.click();
    // Other names (case, a longer one, one with no value), escapes and separators left alone, byte for byte.
    await pageviews(heap.envId, 2);
    history.pushState(null, '', '?x=%E2%82%AC+1&Uq=b&uqq=c&y=a%20b;c&uq&z=%zz#/r?k=1');
    const untouched = location.href;
    await pageviews(heap.envId, 3);
    // The same names escaped, and a hash router's query.
    history.pushState(null, '', '?%75q=v&u+q=w&u%20q=x#/r?uq=frag&k=2');
    const pages = await pageviews(heap.envId, 4);
    expect(pages[2]!.page!.url).to.equal(untouched);
    expect(pages[3]!.page!.url).to.equal(`${here}?%75q=****&u+q=****&u%20q=****#/r?uq=****&k=2`);
  });
});
