// Permissions: every consent purpose with its description, state, last
// change and channel; marketing grouped by channel; block all marketing;
// grants until a date; the guarded withdrawal of product-level data; the
// receipt of each change and the history of changes.

import { t, language, formatDateTime, formatDate } from './i18n.js';
import { h, errorBox, errorText, announce, confirmDialog, showDialog, loading, busy } from './dom.js';
import { query, ApiError } from './api.js';

const CHANNEL = 'WEB_PORTAL';

// GROUPS orders the purposes on the page. A purpose the portal does not
// know yet goes to "other" (marketing) or "data" (anything else).
const GROUPS = [
  { key: 'data', purposes: ['PRODUCT_LEVEL_DATA', 'HOUSEHOLD_SHARING'] },
  { key: 'electronic', marketing: true, purposes: ['ELECTRONIC_MARKETING', 'NEWSLETTER', 'ELECTRONIC_MEMBER_MAIL',
    'LOCATION_BASED_OFFERS', 'PERSONALIZED_OFFERS', 'PARTNER_MARKETING'] },
  { key: 'post', marketing: true, purposes: ['DIRECT_MAIL', 'MEMBER_MAIL'] },
  { key: 'phone', marketing: true, purposes: ['SURVEYS_AND_TELEMARKETING'] },
  { key: 'other', marketing: true, purposes: [] },
];

const CONSENTS = `query Consents($lang: String!) {
  consents { purpose granted expiresAt updatedAt channel marketing description(lang: $lang) }
}`;

const RECEIPT_FIELDS = 'id issuedAt subject channel policyVersion erasedLines changes { purpose before after expiresAt }';

const SET_CONSENTS = `mutation SetConsents($changes: [ConsentChange!]!, $channel: Channel!) {
  setConsents(changes: $changes, channel: $channel) { ${RECEIPT_FIELDS} }
}`;

const BLOCK_ALL = `mutation BlockAllMarketing($channel: Channel!) {
  blockAllMarketing(channel: $channel) { ${RECEIPT_FIELDS} }
}`;

const HISTORY = `query ConsentHistory($first: Int!, $after: String) {
  consentHistory(first: $first, after: $after) {
    edges { cursor node { id purpose granted expiresAt recordedAt channel policyVersion receiptId } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export function purposeName(p) {
  const key = `purpose.${p}`;
  return t(key) === key ? p.toLowerCase().replace(/_/g, ' ') : t(key);
}

export function channelName(c) {
  const key = `channel.${c}`;
  return t(key) === key ? c.toLowerCase().replace(/_/g, ' ') : t(key);
}

export async function permissionsPage(root) {
  const result = h('div', { class: 'result', 'aria-live': 'polite' });
  const groups = h('div', { class: 'groups' }, loading());
  root.append(
    h('h1', { tabindex: '-1' }, t('perm.title')),
    h('p', { class: 'lead' }, t('perm.intro')),
    h('div', { class: 'toolbar' },
      h('button', { type: 'button', class: 'secondary', id: 'perm-history', onclick: openHistory }, t('perm.history'))),
    result, groups);
  const page = new PermissionsView(groups, result);
  await page.load();
}

// PermissionsView owns the rows and updates them in place after each
// change, so focus stays where the member was.
class PermissionsView {
  constructor(container, result) {
    this.container = container;
    this.result = result;
    this.rows = new Map();
  }

  async load() {
    try {
      const data = await query(CONSENTS, { lang: language() });
      if (this.rows.size === 0) this.build(data.consents);
      for (const c of data.consents) this.rows.get(c.purpose)?.update(c);
    } catch (err) {
      this.container.replaceChildren(errorBox(err, () => this.load()));
    }
  }

  build(consents) {
    const byGroup = new Map(GROUPS.map((g) => [g.key, []]));
    for (const c of consents) {
      const g = GROUPS.find((gr) => gr.purposes.includes(c.purpose)) || GROUPS.find((gr) => gr.key === (c.marketing ? 'other' : 'data'));
      byGroup.get(g.key).push(c);
    }
    for (const list of byGroup.values()) {
      list.sort((a, b) => order(a.purpose) - order(b.purpose));
    }
    const sections = [];
    let blockShown = false;
    for (const g of GROUPS) {
      const list = byGroup.get(g.key);
      if (list.length === 0) continue;
      if (g.marketing && !blockShown) {
        sections.push(this.blockAllBox());
        blockShown = true;
      }
      const rows = list.map((c) => new PurposeRow(c, this));
      rows.forEach((r) => this.rows.set(r.purpose, r));
      sections.push(h('section', { class: 'group card', 'data-group': g.key, 'aria-labelledby': `group-${g.key}` },
        h('h2', { id: `group-${g.key}` }, t(`perm.group.${g.key}`)),
        h('ul', { class: 'purposes' }, rows.map((r) => r.el))));
    }
    this.container.replaceChildren(...sections);
  }

  blockAllBox() {
    const slot = h('div', { class: 'receipt-slot' });
    const btn = h('button', { type: 'button', class: 'danger', id: 'block-all' }, t('perm.blockAll'));
    btn.addEventListener('click', () => this.run(btn, slot, async () => (await query(BLOCK_ALL, { channel: CHANNEL })).blockAllMarketing));
    return h('section', { class: 'block-all card', 'aria-labelledby': 'block-all-title' },
      h('h2', { id: 'block-all-title', class: 'visually-hidden' }, t('perm.blockAll')),
      h('p', { id: 'block-all-help' }, t('perm.blockAllHelp')),
      btn, slot);
  }

  // setConsents sends changes and returns the consent receipt.
  async setConsents(changes) {
    return (await query(SET_CONSENTS, { changes, channel: CHANNEL })).setConsents;
  }

  // run performs a change with control disabled, shows its receipt in
  // slot and refreshes every row; errors are shown in slot in words.
  async run(control, slot, action) {
    clearSlots(this.container);
    try {
      const receipt = await busy(control, action);
      if (!receipt) return;
      slot.replaceChildren(receiptView(receipt));
      announce(t('perm.saved'));
    } catch (err) {
      slot.replaceChildren(errorBox(err));
    }
    await this.load();
  }

  // withdrawProductLevel asks the server first without acknowledging the
  // erasure: it refuses, saying how many lines would go, and that number
  // is what the member confirms.
  async withdrawProductLevel() {
    const purpose = 'PRODUCT_LEVEL_DATA';
    try {
      return await this.setConsents([{ purpose, granted: false }]);
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 'BAD_USER_INPUT' || !/acknowledgeErasure/.test(err.message)) throw err;
      const count = (err.message.match(/(\d+)/) || [])[1] || '?';
      const ok = await confirmDialog({
        title: t('perm.withdrawTitle'),
        text: t('perm.withdrawText', { count }),
        confirm: t('perm.withdrawConfirm', { count }),
      });
      if (!ok) {
        announce(t('perm.withdrawCancelled'));
        return null;
      }
      return this.setConsents([{ purpose, granted: false, acknowledgeErasure: true }]);
    }
  }
}

function order(purpose) {
  for (const g of GROUPS) {
    const i = g.purposes.indexOf(purpose);
    if (i >= 0) return i;
  }
  return 100;
}

function clearSlots(root) {
  root.querySelectorAll('.receipt-slot').forEach((s) => s.replaceChildren());
}

// PurposeRow is one purpose: its switch, description, state, last change
// and the form for a grant until a date.
class PurposeRow {
  constructor(c, view) {
    this.purpose = c.purpose;
    this.view = view;
    const id = c.purpose.toLowerCase();
    this.switch = h('input', { type: 'checkbox', role: 'switch', class: 'switch', id: `sw-${id}`, name: c.purpose,
      'aria-describedby': `desc-${id} meta-${id}` });
    this.switch.addEventListener('change', () => this.toggle());
    this.meta = h('p', { class: 'meta', id: `meta-${id}` });
    this.slot = h('div', { class: 'receipt-slot' });
    this.untilForm = this.buildUntilForm(id);
    this.untilButton = h('button', { type: 'button', class: 'link', 'aria-expanded': 'false', 'aria-controls': `until-form-${id}`,
      'aria-describedby': `name-${id}`,
      onclick: () => this.showUntil(this.untilForm.hidden) }, t('perm.grantUntil'));
    this.el = h('li', { class: 'purpose', 'data-purpose': c.purpose },
      h('div', { class: 'purpose-main' },
        h('div', { class: 'purpose-text' },
          h('label', { for: `sw-${id}`, class: 'purpose-name', id: `name-${id}` }, purposeName(c.purpose)),
          h('p', { class: 'desc', id: `desc-${id}` }, c.description),
          this.meta),
        this.switch),
      h('div', { class: 'purpose-actions' }, this.untilButton),
      this.untilForm, this.slot);
  }

  update(c) {
    this.switch.checked = c.granted;
    this.el.dataset.granted = String(c.granted);
    const parts = [c.granted ? t('perm.allowed') : t('perm.notAllowed')];
    if (c.granted && c.expiresAt) parts.push(t('perm.until', { date: formatDate(c.expiresAt) }));
    parts.push(c.updatedAt ? t('perm.lastChanged', { date: formatDateTime(c.updatedAt), channel: channelName(c.channel) }) : t('perm.neverChanged'));
    this.meta.textContent = parts.join(' · ');
  }

  async toggle() {
    const granted = this.switch.checked;
    // Show the stored state until the server has accepted the change.
    this.switch.checked = !granted;
    if (this.purpose === 'PRODUCT_LEVEL_DATA' && !granted) {
      await this.view.run(this.switch, this.slot, () => this.view.withdrawProductLevel());
    } else {
      await this.view.run(this.switch, this.slot, () => this.view.setConsents([{ purpose: this.purpose, granted }]));
    }
    this.switch.focus();
  }

  showUntil(show) {
    this.untilForm.hidden = !show;
    this.untilButton.setAttribute('aria-expanded', String(show));
    if (show) this.untilForm.querySelector('input').focus();
    else this.untilButton.focus();
  }

  buildUntilForm(id) {
    const today = new Date();
    const max = new Date(today.getFullYear() + 5, today.getMonth(), today.getDate() - 1);
    const input = h('input', { type: 'date', id: `until-${id}`, name: 'until', required: true,
      min: ymd(today), max: ymd(max), 'aria-describedby': `until-help-${id}` });
    const msg = h('p', { class: 'form-error', role: 'alert' });
    const submit = h('button', { type: 'submit', class: 'primary' }, t('perm.untilSubmit'));
    const form = h('form', { class: 'until-form', id: `until-form-${id}`, hidden: true, novalidate: true },
      h('label', { for: `until-${id}` }, t('perm.untilLabel')),
      input,
      h('p', { class: 'help', id: `until-help-${id}` }, t('perm.untilHelp')),
      msg,
      h('div', { class: 'actions' }, submit,
        h('button', { type: 'button', class: 'secondary', onclick: () => this.showUntil(false) }, t('cancel'))));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      msg.textContent = '';
      const expiresAt = endOfDay(input.value);
      if (!expiresAt || input.value < input.min || input.value > input.max) {
        msg.textContent = t('perm.untilInvalid');
        input.focus();
        return;
      }
      await this.view.run(submit, this.slot, () => this.view.setConsents([{ purpose: this.purpose, granted: true, expiresAt }]));
      if (this.slot.querySelector('.consent-receipt')) this.showUntil(false);
    });
    return form;
  }
}

function ymd(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

// endOfDay is the last second of a local calendar day, as RFC 3339: a
// grant "until" a day lasts through that day.
function endOfDay(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || '');
  if (!m) return null;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59, 59).toISOString();
}

function stateWord(granted) { return granted ? t('perm.allowed') : t('perm.notAllowed'); }

// receiptView shows a consent receipt: id, time, channel, policy version,
// each change, and the lines erased, if any.
export function receiptView(r) {
  const changes = r.changes.length === 0
    ? h('p', {}, t('receipt.noChanges'))
    : h('ul', { class: 'changes' }, r.changes.map((c) => h('li', { 'data-purpose': c.purpose },
      t('receipt.change', { purpose: purposeName(c.purpose), before: stateWord(c.before), after: stateWord(c.after) }),
      c.after && c.expiresAt ? ` (${t('perm.until', { date: formatDate(c.expiresAt) })})` : '')));
  const row = (label, value, field) => [h('dt', {}, label), h('dd', { 'data-field': field }, value)];
  return h('section', { class: 'consent-receipt', 'aria-labelledby': `receipt-${r.id}` },
    h('h3', { id: `receipt-${r.id}` }, t('receipt.title')),
    h('dl', {},
      row(t('receipt.id'), r.id, 'id'),
      row(t('receipt.issued'), formatDateTime(r.issuedAt), 'issuedAt'),
      row(t('receipt.channel'), channelName(r.channel), 'channel'),
      row(t('receipt.policy'), r.policyVersion, 'policyVersion'),
      r.erasedLines > 0 ? row(t('receipt.erased'), String(r.erasedLines), 'erasedLines') : null),
    h('h4', {}, t('receipt.changes')),
    changes);
}

// openHistory shows the consent history in a dialog, a page at a time.
function openHistory() {
  const body = h('tbody');
  const table = h('table', { class: 'responsive history' },
    h('thead', {}, h('tr', {}, ['history.when', 'history.purpose', 'history.state', 'history.channel', 'history.policy', 'history.receipt']
      .map((k) => h('th', { scope: 'col' }, t(k))))),
    body);
  const status = h('div', {}, loading());
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, t('showMore'));
  const content = h('div', { class: 'history-body' }, h('div', { class: 'table-wrap' }, table), status, more);
  let after = null;
  const page = async () => {
    try {
      const data = await busy(more, () => query(HISTORY, { first: 20, after }));
      const conn = data.consentHistory;
      status.replaceChildren();
      if (!after && conn.edges.length === 0) status.append(h('p', {}, t('history.empty')));
      for (const { node: e } of conn.edges) body.append(historyRow(e));
      after = conn.pageInfo.endCursor;
      more.hidden = !conn.pageInfo.hasNextPage;
    } catch (err) {
      status.replaceChildren(h('p', { role: 'alert', class: 'form-error' }, errorText(err)));
    }
  };
  more.addEventListener('click', page);
  showDialog(t('history.title'), content);
  page();
}

function historyRow(e) {
  const cell = (key, value) => h('td', { 'data-label': t(key) }, value);
  return h('tr', { 'data-purpose': e.purpose, 'data-receipt-id': e.receiptId },
    cell('history.when', formatDateTime(e.recordedAt)),
    cell('history.purpose', purposeName(e.purpose)),
    cell('history.state', e.granted && e.expiresAt ? `${stateWord(true)} ${t('perm.until', { date: formatDate(e.expiresAt) })}` : stateWord(e.granted)),
    cell('history.channel', channelName(e.channel)),
    cell('history.policy', e.policyVersion),
    cell('history.receipt', h('code', {}, e.receiptId)));
}
