// A tiny shop with client-side routes (history.pushState), to show tracking in a single-page app.
// The app does nothing for pageviews: autocapture sees the URL change. It calls the API only
// where a real app would: checkout (track) and sign-in (identify, addUserProperties).

const BASE = '/demo/app';
const PRODUCTS = [
  { id: 'rocket', name: 'Model rocket', emoji: '🚀', price: 39 },
  { id: 'telescope', name: 'Telescope', emoji: '🔭', price: 129 },
  { id: 'helmet', name: 'Space helmet', emoji: '🪖', price: 59 },
];

const view = /** @type {HTMLElement} */ (document.getElementById('view'));
/** @type {string[]} product ids, kept for the tab's lifetime */
const cart = JSON.parse(sessionStorage.getItem('demo-cart') ?? '[]');

/** @returns {any} window.heap once the element has booted it, else undefined */
const heap = () => /** @type {any} */ (window).heap;

/** Builds an element: `h('a', { href: '/x', 'data-route': '' }, 'text', child)`. @param {string} tag @param {Record<string, string>} attrs @param {(Node | string)[]} children */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
  el.append(...children);
  return el;
}

/** @type {Record<string, (param: string) => { title: string, nodes: Node[] }>} */
const ROUTES = {
  '': () => ({
    title: 'Products · Shop',
    nodes: [h('h1', {}, 'Products'), h('div', { class: 'grid' }, ...PRODUCTS.map((p) =>
      h('a', { class: 'card product', href: `${BASE}/products/${p.id}`, 'data-route': '', id: `product-${p.id}` },
        h('div', { class: 'emoji' }, p.emoji), h('h3', {}, p.name), h('p', {}, `$${p.price}`))))],
  }),
  products: (id) => {
    const p = PRODUCTS.find((x) => x.id === id);
    if (!p) return notFound();
    return {
      title: `${p.name} · Shop`,
      nodes: [h('div', { class: 'product' },
        h('div', { class: 'emoji' }, p.emoji), h('h1', {}, p.name), h('p', { class: 'price' }, `$${p.price}`),
        // Markup on rendered HTML: the engine notices new elements, no call needed.
        h('button', { id: 'add-to-cart', 'data-heap-event': 'Add to cart', 'data-heap-prop-product': p.id, 'data-heap-number-price': String(p.price) }, 'Add to cart'),
        ' ', h('a', { href: `${BASE}/`, 'data-route': '' }, 'Back to products'))],
    };
  },
  cart: () => {
    const items = cart.map((id) => PRODUCTS.find((p) => p.id === id)).filter((p) => p !== undefined);
    const total = items.reduce((sum, p) => sum + p.price, 0);
    const checkout = h('button', { id: 'checkout' }, `Check out ($${total})`);
    checkout.addEventListener('click', () => {
      heap()?.track('Purchase', { dollars: total, items: items.length });
      cart.length = 0;
      saveCart();
      view.replaceChildren(h('h1', {}, 'Thank you!'), h('p', {}, `Order placed: a Purchase event with dollars=${total} is on its way.`));
    });
    return {
      title: 'Cart · Shop',
      nodes: items.length === 0
        ? [h('h1', {}, 'Cart'), h('p', {}, 'Your cart is empty. ', h('a', { href: `${BASE}/`, 'data-route': '' }, 'See products'))]
        : [h('h1', {}, 'Cart'), ...items.map((p) => h('div', { class: 'cart-line' }, `${p.emoji} ${p.name}`, h('span', {}, `$${p.price}`))), h('p', {}, checkout)],
    };
  },
  account: () => {
    const identity = heap()?.getIdentity?.() ?? null;
    if (identity) {
      const signOut = h('button', { id: 'sign-out', class: 'secondary' }, 'Sign out');
      signOut.addEventListener('click', () => { heap()?.resetIdentity(); render(); });
      return { title: 'Account · Shop', nodes: [h('h1', {}, 'Account'), h('p', {}, `Signed in as ${identity}.`), signOut] };
    }
    const form = h('form', { class: 'stack', id: 'sign-in' },
      h('label', {}, 'Username', h('input', { name: 'username', id: 'username', required: '', value: 'alice' })),
      h('button', { type: 'submit' }, 'Sign in'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const username = /** @type {HTMLInputElement} */ (form.querySelector('#username')).value.trim();
      // What a real app does once the server has logged the user in.
      heap()?.identify(username);
      heap()?.addUserProperties({ plan: 'pro', signed_in_from: 'spa' });
      render();
    });
    return { title: 'Sign in · Shop', nodes: [h('h1', {}, 'Sign in'), h('p', { class: 'muted' }, 'Any name works: nothing is checked.'), form] };
  },
};

function notFound() {
  return { title: 'Not found · Shop', nodes: [h('h1', {}, 'Not found'), h('a', { href: `${BASE}/`, 'data-route': '' }, 'See products')] };
}

function saveCart() {
  sessionStorage.setItem('demo-cart', JSON.stringify(cart));
  /** @type {HTMLElement} */ (document.getElementById('cart-count')).textContent = String(cart.length);
}

/** The route of a path under BASE. @param {string} pathname */
function routeFor(pathname) {
  const [section = '', param = ''] = pathname.slice(BASE.length).split('/').filter(Boolean);
  return Object.hasOwn(ROUTES, section) ? ROUTES[section](param) : notFound();
}

/** Shows a route (default: the current URL's). */
function render(route = routeFor(location.pathname)) {
  document.title = route.title;
  view.replaceChildren(...route.nodes);
  for (const link of document.querySelectorAll('.shop-nav a')) {
    link.classList.toggle('active', /** @type {HTMLAnchorElement} */ (link).pathname === location.pathname);
  }
  /** @type {HTMLElement} */ (document.getElementById('who')).textContent = heap()?.getIdentity?.() ?? '';
}

// One listener for every in-app link, the way routers do it.
document.addEventListener('click', (e) => {
  const link = /** @type {Element} */ (e.target).closest?.('a[data-route]');
  if (!link || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
  e.preventDefault();
  const href = /** @type {HTMLAnchorElement} */ (link).href;
  // The title changes first, so the pageview the URL change produces carries the new page's title.
  const route = routeFor(new URL(href).pathname);
  document.title = route.title;
  if (href !== location.href) history.pushState(null, '', href);
  render(route);
});
window.addEventListener('popstate', () => render());

view.addEventListener('click', (e) => {
  const button = /** @type {Element} */ (e.target).closest?.('#add-to-cart');
  if (!button) return;
  cart.push(/** @type {string} */ (button.getAttribute('data-heap-prop-product')));
  saveCart();
  button.textContent = 'Added ✓';
});

saveCart();
// heap.getIdentity needs the booted tracker; render again once it is there.
render();
customElements.whenDefined('heap-analytics').then(() => /** @type {any} */ (document.querySelector('heap-analytics'))?.ready).then(() => render());
