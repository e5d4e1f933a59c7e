// The portal's shell: language, sign-in state, the header and the hash
// router (#/signin, #/permissions, #/family, #/mydata).

import { LANGS, pickLanguage, setLanguage, language, t } from './i18n.js';
import { h, errorBox } from './dom.js';
import { token, clearToken, takeTokenFromFragment, whenUnauthenticated, query } from './api.js';
import { signinPage } from './signin.js';
import { permissionsPage } from './permissions.js';
import { familyPage } from './family.js';
import { mydataPage } from './mydata.js';

const PAGES = {
  '/signin': { render: signinPage, title: 'signin.title' },
  '/permissions': { render: permissionsPage, title: 'perm.title', nav: 'nav.permissions' },
  '/family': { render: familyPage, title: 'family.title', nav: 'nav.family' },
  '/mydata': { render: mydataPage, title: 'mydata.title', nav: 'nav.mydata' },
};

const LANG_NAMES = { fi: 'Suomi', sv: 'Svenska', en: 'English' };

const state = {
  dev: document.documentElement.dataset.mode === 'dev',
  me: null,
  // notices are what the sign-in page says once (signed out, erased, ...).
  notices: [],
  renders: 0,
};

function route() {
  const m = location.hash.match(/^#(\/[a-z]+)/);
  return m && PAGES[m[1]] ? m[1] : null;
}

function go(path) {
  if (location.hash === `#${path}`) render();
  else location.hash = `#${path}`;
}

// signOut forgets the token and shows the sign-in page with notices:
// message keys, or {key, params}.
function signOut(...notices) {
  clearToken();
  state.me = null;
  state.notices = notices;
  go('/signin');
}

// loadMe fetches the signed-in member for the header, once per sign-in.
async function loadMe() {
  if (state.me) return state.me;
  const data = await query('query Me { me { id name householdRole } }');
  state.me = data.me;
  return state.me;
}

function renderHeader(path) {
  const header = document.getElementById('topbar');
  const langSelect = h('select', { id: 'lang', name: 'lang', onchange: (e) => { setLanguage(e.target.value, true); render(); } },
    LANGS.map((l) => h('option', { value: l, lang: l, selected: l === language() }, LANG_NAMES[l])));
  const nav = token() && state.me
    ? h('nav', { class: 'mainnav', 'aria-label': t('nav.label') },
      h('ul', {}, Object.entries(PAGES).filter(([, p]) => p.nav).map(([p, page]) =>
        h('li', {}, h('a', { href: `#${p}`, 'aria-current': p === path ? 'page' : null }, t(page.nav))))))
    : null;
  const user = token() && state.me
    ? h('div', { class: 'user' },
      h('span', { class: 'user-name' }, t('signedInAs', { name: state.me.name })),
      h('button', { type: 'button', class: 'secondary', id: 'signout', onclick: () => signOut('signin.signedOut') }, t('signout')))
    : null;
  header.replaceChildren(
    h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, 'O'),
      h('span', {}, h('strong', {}, t('app.name')), ' ', h('span', { class: 'tagline' }, t('app.tagline')))),
    h('div', { class: 'lang' }, h('label', { for: 'lang' }, t('lang.label')), langSelect),
    user, nav);
  document.getElementById('skip').textContent = t('skip');
}

// render shows the page of the current route, sending the signed-out to
// sign-in and the signed-in away from it.
async function render() {
  const renderNo = ++state.renders;
  let path = route();
  if (!token() && path !== '/signin') return go('/signin');
  if (token() && (!path || path === '/signin')) return go('/permissions');
  const main = document.getElementById('main');
  if (token()) {
    try {
      await loadMe();
    } catch (err) {
      if (renderNo !== state.renders) return;
      if (err.code === 'NOT_FOUND') return signOut('signin.gone');
      if (err.code === 'UNAUTHENTICATED') return undefined; // signOut already ran
      renderHeader(path);
      main.replaceChildren(errorBox(err, render));
      return undefined;
    }
  }
  if (renderNo !== state.renders) return undefined;
  path = route();
  const page = PAGES[path];
  document.title = `${t(page.title)} · ${t('app.name')}`;
  renderHeader(path);
  const container = h('div', { class: 'page', 'data-page': path.slice(1) });
  main.replaceChildren(container);
  const notices = state.notices;
  state.notices = [];
  await page.render(container, { dev: state.dev, me: state.me, notices, signOut, rerender: render });
  return undefined;
}

function boot() {
  setLanguage(pickLanguage(), false);
  takeTokenFromFragment();
  whenUnauthenticated(() => signOut('signin.sessionEnded'));
  document.getElementById('skip').addEventListener('click', (e) => {
    e.preventDefault();
    document.getElementById('main').focus();
  });
  window.addEventListener('hashchange', async () => {
    await render();
    // Move focus to the new page's heading, as a page load would.
    document.querySelector('#main h1')?.focus();
  });
  render();
}

boot();
