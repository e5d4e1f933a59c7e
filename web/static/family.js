// Family sharing: who is in the household and who shares, joining and
// leaving (HOUSEHOLD_SHARING), the rule, and the household's receipts: with
// their lines where the buyer allows it, otherwise the total and why.

import { t, formatDateTime, formatMoney, formatNumber } from './i18n.js';
import { h, errorBox, announce, loading, busy } from './dom.js';
import { query, request, errorsAt } from './api.js';
import { receiptView } from './permissions.js';

const PAGE_SIZE = 10;

const HOUSEHOLD = `query Household {
  household { id sharingOpen members { name role adult sharing me } }
}`;

const SET_SHARING = `mutation SetSharing($granted: Boolean!) {
  setConsents(changes: [{ purpose: HOUSEHOLD_SHARING, granted: $granted }], channel: WEB_PORTAL) {
    id issuedAt subject channel policyVersion erasedLines changes { purpose before after expiresAt }
  }
}`;

const RECEIPTS = `query HouseholdReceipts($first: Int!, $after: String) {
  householdReceipts(first: $first, after: $after) {
    edges { cursor node {
      id purchasedAt totalCents currency lineCount
      store { name city }
      lines { lineNo description quantity unit amountCents }
    } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export async function familyPage(root) {
  const members = h('div', {}, loading());
  const receipts = h('section', { class: 'card', 'aria-labelledby': 'hh-receipts-title' },
    h('h2', { id: 'hh-receipts-title' }, t('family.receipts')),
    h('p', {}, t('family.receiptsIntro')));
  root.append(
    h('h1', { tabindex: '-1' }, t('family.title')),
    h('p', { class: 'lead rule', id: 'sharing-rule' }, t('family.rule')),
    members, receipts);
  const list = new ReceiptList(receipts);
  const reload = async () => {
    await loadHousehold(members, reload);
    await list.reset();
  };
  await loadHousehold(members, reload);
  await list.reset();
}

async function loadHousehold(container, reload) {
  let household;
  try {
    household = (await query(HOUSEHOLD)).household;
  } catch (err) {
    container.replaceChildren(errorBox(err, reload));
    return;
  }
  if (!household) {
    container.replaceChildren(h('p', { class: 'card' }, t('family.none')));
    return;
  }
  const slot = h('div', { class: 'receipt-slot' });
  container.replaceChildren(
    h('section', { class: 'card', 'aria-labelledby': 'hh-members-title', 'data-sharing-open': String(household.sharingOpen) },
      h('h2', { id: 'hh-members-title' }, t('family.members')),
      memberTable(household.members),
      mySharing(household, slot, reload),
      slot));
}

function memberTable(members) {
  const cell = (key, value) => h('td', { 'data-label': t(key) }, value);
  return h('div', { class: 'table-wrap' }, h('table', { class: 'responsive members' },
    h('thead', {}, h('tr', {}, ['family.name', 'family.role', 'family.adult', 'family.sharing'].map((k) => h('th', { scope: 'col' }, t(k))))),
    h('tbody', {}, members.map((m) => h('tr', { 'data-me': String(m.me), 'data-sharing': String(m.sharing) },
      h('th', { scope: 'row', 'data-label': t('family.name') }, m.name, m.me ? ` ${t('family.you')}` : ''),
      cell('family.role', t(`role.${m.role}`)),
      cell('family.adult', m.adult ? t('yes') : t('no')),
      cell('family.sharing', m.sharing ? t('yes') : t('no')))))));
}

// mySharing explains where the member stands and offers the one action
// that applies: open or stop (main member), join or leave (other adults).
function mySharing(household, slot, reload) {
  const me = household.members.find((m) => m.me);
  if (!me) return null;
  if (!me.adult) return h('p', { class: 'alert info' }, t('family.child'));
  let text;
  let action;
  if (me.role === 'MAIN') {
    text = me.sharing ? t('family.mainOn') : t('family.mainOff');
    action = me.sharing ? t('family.close') : t('family.open');
  } else {
    if (me.sharing) text = household.sharingOpen ? t('family.memberOn') : t('family.memberOnClosed');
    else text = household.sharingOpen ? t('family.memberOff') : t('family.memberOffClosed');
    action = me.sharing ? t('family.leave') : t('family.join');
  }
  const btn = h('button', { type: 'button', id: 'sharing-toggle', class: me.sharing ? 'secondary' : 'primary',
    'data-granted': String(!me.sharing), 'aria-describedby': 'my-sharing sharing-rule' }, action);
  btn.addEventListener('click', async () => {
    try {
      const receipt = (await busy(btn, () => query(SET_SHARING, { granted: !me.sharing }))).setConsents;
      await reload();
      const newSlot = document.querySelector('[aria-labelledby="hh-members-title"] .receipt-slot');
      newSlot?.replaceChildren(receiptView(receipt));
      announce(t('perm.saved'));
      document.getElementById('sharing-toggle')?.focus();
    } catch (err) {
      slot.replaceChildren(errorBox(err));
    }
  });
  return h('div', { class: 'my-sharing' }, h('p', { id: 'my-sharing' }, text), btn);
}

// ReceiptList pages through householdReceipts. A receipt whose lines the
// server withholds comes with a per-field error at its lines' path: the
// receipt shows its total and the reason instead.
class ReceiptList {
  constructor(section) {
    this.list = h('ol', { class: 'receipts' });
    this.status = h('div', {});
    this.more = h('button', { type: 'button', class: 'secondary', id: 'receipts-more', hidden: true }, t('showMore'));
    this.more.addEventListener('click', () => this.page());
    section.append(this.list, this.status, this.more);
  }

  async reset() {
    this.after = null;
    this.list.replaceChildren();
    this.status.replaceChildren(loading());
    this.more.hidden = true;
    await this.page();
  }

  async page() {
    try {
      const { data, errors } = await busy(this.more, () => request(RECEIPTS, { first: PAGE_SIZE, after: this.after }));
      const conn = data.householdReceipts;
      if (!conn) throw errorFrom(errors);
      this.status.replaceChildren();
      if (!this.after && conn.edges.length === 0) this.status.append(h('p', {}, t('family.noReceipts')));
      conn.edges.forEach(({ node }, i) => {
        const withheld = errorsAt(errors, ['householdReceipts', 'edges', i, 'node', 'lines']);
        this.list.append(receiptItem(node, withheld));
      });
      this.after = conn.pageInfo.endCursor;
      this.more.hidden = !conn.pageInfo.hasNextPage;
    } catch (err) {
      this.status.replaceChildren(errorBox(err, () => this.page()));
    }
  }
}

function errorFrom(errors) {
  const e = errors[0] || {};
  return { code: e.extensions?.code || 'INTERNAL', message: e.message };
}

function receiptItem(r, withheld) {
  const head = h('div', { class: 'receipt-head' },
    h('span', { class: 'when' }, formatDateTime(r.purchasedAt)),
    h('span', { class: 'store' }, r.store.city ? `${r.store.name}, ${r.store.city}` : r.store.name),
    h('strong', { class: 'total' }, formatMoney(r.totalCents, r.currency)));
  let body;
  if (r.lines) {
    body = h('details', { class: 'lines' },
      h('summary', {}, t('family.lines', { count: r.lines.length })),
      linesTable(r.lines, r.currency));
  } else {
    const reason = withheld.length > 0 && withheld[0].extensions?.code !== 'CONSENT_REQUIRED'
      ? t(`error.${withheld[0].extensions?.code || 'INTERNAL'}`)
      : t('family.reason.consent');
    body = h('p', { class: 'reason' }, t('family.lineCount', { count: r.lineCount }), ' · ', t('family.totalsOnly', { reason }));
  }
  return h('li', { class: 'receipt', 'data-receipt-id': r.id, 'data-lines': r.lines ? 'shown' : 'withheld' }, head, body);
}

function linesTable(lines, currency) {
  const cell = (key, value, cls) => h('td', { 'data-label': t(key), class: cls }, value);
  return h('div', { class: 'table-wrap' }, h('table', { class: 'responsive lines-table' },
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, t('family.col.product')),
      h('th', { scope: 'col', class: 'num' }, t('family.col.qty')),
      h('th', { scope: 'col', class: 'num' }, t('family.col.amount')))),
    h('tbody', {}, lines.map((l) => h('tr', {},
      cell('family.col.product', l.description),
      cell('family.col.qty', `${formatNumber(l.quantity)} ${t(`unit.${l.unit}`)}`, 'num'),
      cell('family.col.amount', formatMoney(l.amountCents, currency), 'num'))))));
}
