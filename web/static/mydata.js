// My data: who has read my data (the access log), a copy of everything
// (/export), how long receipts are kept, and erasing everything.

import { t, formatDateTime, formatDate } from './i18n.js';
import { h, errorBox, announce, loading, busy } from './dom.js';
import { query, downloadExport, clearToken } from './api.js';

// MAX_RETENTION_YEARS is the server's default longest retention
// (OMADATA_MAX_RETENTION_YEARS); a server allowing less says so when asked.
const MAX_RETENTION_YEARS = 10;

const ME = `query MyData {
  me { id name email cards purchaseDataLevel retentionYears joinedAt }
}`;

const ACCESS_LOG = `query AccessLog($first: Int!, $after: String) {
  accessLog(first: $first, after: $after) {
    edges { cursor node { id at actorKind actorName resource purpose } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const EXPORT = `query Export {
  myDataExport { url formatVersion receipts lines consentEvents accessEvents cards }
}`;

const SET_RETENTION = `mutation SetRetention($years: Int!) { setRetentionYears(years: $years) { id retentionYears } }`;

const ERASE = `mutation Erase($confirm: String!) {
  deleteMyData(confirm: $confirm) { receipts lines consentEvents accessEvents }
}`;

export async function mydataPage(root, ctx) {
  const about = section('about', t('mydata.about'));
  const access = section('access', t('mydata.access'), t('mydata.accessIntro'));
  const download = section('download', t('mydata.download'));
  const retention = section('retention', t('mydata.retention'), t('mydata.retentionIntro'));
  const erase = section('erase', t('mydata.erase'), t('mydata.eraseIntro'));
  erase.classList.add('danger-zone');
  root.append(h('h1', { tabindex: '-1' }, t('mydata.title')), about, access, download, retention, erase);
  eraseForm(erase, ctx);
  await Promise.all([
    loadMe(about, retention, ctx),
    new AccessLog(access).page(),
    loadExport(download, ctx),
  ]);
}

function section(key, title, intro) {
  return h('section', { class: 'card', id: `section-${key}`, 'aria-labelledby': `${key}-title` },
    h('h2', { id: `${key}-title` }, title),
    intro ? h('p', {}, intro) : null);
}

async function loadMe(about, retention, ctx) {
  const slot = loading();
  about.append(slot);
  try {
    const { me } = await query(ME);
    const row = (label, value, field) => [h('dt', {}, label), h('dd', { 'data-field': field }, value)];
    slot.replaceWith(h('dl', { class: 'facts' },
      row(t('mydata.name'), me.name, 'name'),
      row(t('mydata.id'), me.id, 'id'),
      me.email ? row(t('mydata.email'), me.email, 'email') : null,
      row(t('mydata.cards'), me.cards.join(', '), 'cards'),
      row(t('mydata.level'), t(`mydata.level.${me.purchaseDataLevel}`), 'purchaseDataLevel'),
      row(t('mydata.joined'), formatDate(me.joinedAt), 'joinedAt')));
    retentionForm(retention, me.retentionYears);
  } catch (err) {
    slot.replaceWith(errorBox(err, ctx.rerender));
  }
}

// AccessLog pages through accessLog, newest first.
class AccessLog {
  constructor(sec) {
    this.body = h('tbody');
    this.table = h('table', { class: 'responsive access-log', hidden: true },
      h('thead', {}, h('tr', {}, ['mydata.col.when', 'mydata.col.who', 'mydata.col.what', 'mydata.col.why']
        .map((k) => h('th', { scope: 'col' }, t(k))))),
      this.body);
    this.status = h('div', {}, loading());
    this.more = h('button', { type: 'button', class: 'secondary', id: 'access-more', hidden: true }, t('showMore'));
    this.more.addEventListener('click', () => this.page());
    this.after = null;
    sec.append(h('div', { class: 'table-wrap' }, this.table), this.status, this.more);
  }

  async page() {
    try {
      const data = await busy(this.more, () => query(ACCESS_LOG, { first: 20, after: this.after }));
      const conn = data.accessLog;
      this.status.replaceChildren();
      if (!this.after && conn.edges.length === 0) this.status.append(h('p', {}, t('mydata.accessEmpty')));
      for (const { node } of conn.edges) this.body.append(accessRow(node));
      this.table.hidden = this.body.children.length === 0;
      this.after = conn.pageInfo.endCursor;
      this.more.hidden = !conn.pageInfo.hasNextPage;
    } catch (err) {
      this.status.replaceChildren(errorBox(err, () => this.page()));
    }
  }
}

function accessRow(e) {
  const cell = (key, value) => h('td', { 'data-label': t(key) }, value);
  const kind = t(`actor.${e.actorKind}`);
  return h('tr', { 'data-actor-kind': e.actorKind },
    cell('mydata.col.when', formatDateTime(e.at)),
    cell('mydata.col.who', e.actorName ? `${e.actorName} (${kind.toLowerCase()})` : kind),
    cell('mydata.col.what', e.resource),
    cell('mydata.col.why', e.purpose));
}

async function loadExport(sec, ctx) {
  const intro = h('p', {}, t('mydata.downloadIntroShort'));
  const msg = h('div', { 'aria-live': 'polite' });
  const btn = h('button', { type: 'button', class: 'primary', id: 'download' }, t('mydata.downloadButton'));
  sec.append(intro, btn, msg);
  let url = '/export';
  try {
    const x = (await query(EXPORT)).myDataExport;
    url = x.url || url;
    intro.textContent = t('mydata.downloadIntro', { version: x.formatVersion, receipts: x.receipts, lines: x.lines,
      consentEvents: x.consentEvents, accessEvents: x.accessEvents, cards: x.cards });
  } catch (err) {
    // The download itself may still work; the counts are a courtesy.
    if (err.code === 'UNAUTHENTICATED') return;
  }
  btn.addEventListener('click', async () => {
    const file = `omadata-${ctx.me.id}-${new Date().toISOString().slice(0, 10)}.json`;
    try {
      await busy(btn, () => downloadExport(url, file));
      msg.replaceChildren(h('p', { class: 'alert success' }, t('mydata.downloaded', { file })));
      announce(t('mydata.downloaded', { file }));
    } catch (err) {
      msg.replaceChildren(errorBox(err));
    }
  });
}

function retentionForm(sec, current) {
  const options = [];
  for (let n = 1; n <= Math.max(MAX_RETENTION_YEARS, current); n++) {
    options.push(h('option', { value: String(n), selected: n === current }, n === 1 ? t('mydata.year') : t('mydata.years', { n })));
  }
  const select = h('select', { id: 'retention', name: 'retentionYears' }, options);
  const msg = h('div', { 'aria-live': 'polite' });
  const save = h('button', { type: 'submit', class: 'primary' }, t('mydata.retentionSave'));
  const form = h('form', { class: 'inline-form', id: 'retention-form' },
    h('label', { for: 'retention' }, t('mydata.retentionLabel')), select, save);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const m = (await busy(save, () => query(SET_RETENTION, { years: Number(select.value) }))).setRetentionYears;
      select.value = String(m.retentionYears);
      msg.replaceChildren(h('p', { class: 'alert success' }, t('mydata.retentionSaved', { n: m.retentionYears })));
    } catch (err) {
      msg.replaceChildren(errorBox(err));
    }
  });
  sec.append(form, msg);
}

// eraseForm asks for DELETE typed out before it erases anything; the
// server checks the same word.
function eraseForm(sec, ctx) {
  const input = h('input', { id: 'erase-confirm', name: 'confirm', type: 'text', autocomplete: 'off', spellcheck: 'false',
    'aria-describedby': 'erase-title' });
  const btn = h('button', { type: 'submit', class: 'danger', id: 'erase', disabled: true }, t('mydata.eraseButton'));
  const msg = h('div', { 'aria-live': 'polite' });
  input.addEventListener('input', () => { btn.disabled = input.value !== 'DELETE'; });
  const form = h('form', { class: 'inline-form', id: 'erase-form' },
    h('label', { for: 'erase-confirm' }, t('mydata.eraseLabel')), input, btn);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (input.value !== 'DELETE') return;
    try {
      const r = (await busy(btn, () => query(ERASE, { confirm: input.value }))).deleteMyData;
      // The token names a member who no longer exists: drop it at once.
      clearToken();
      ctx.signOut('signin.erased', { key: 'mydata.erased', params: r });
    } catch (err) {
      btn.disabled = input.value !== 'DELETE';
      msg.replaceChildren(errorBox(err));
    }
  });
  sec.append(form, msg);
}
