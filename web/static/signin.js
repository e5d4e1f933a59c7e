// Sign-in. In production the identity provider sends the member back to
// /portal/#access_token=... (or a host page puts the token in the tab's
// sessionStorage under omadata.token); app.js takes it from there. In dev
// mode this page lists the demo members and asks /dev/token for a token.

import { t } from './i18n.js';
import { h, errorBox, loading, busy } from './dom.js';
import { devMembers, devSignIn } from './api.js';

export async function signinPage(root, ctx) {
  root.append(h('h1', { tabindex: '-1' }, t('signin.title')));
  if (ctx.notices.length > 0) {
    root.append(h('div', { class: 'alert info', role: 'status', id: 'signin-notice' },
      ctx.notices.map((n) => h('p', {}, typeof n === 'string' ? t(n) : t(n.key, n.params)))));
  }
  if (!ctx.dev) {
    root.append(h('p', { class: 'lead' }, t('signin.prod')));
    return;
  }
  const section = h('section', { 'aria-labelledby': 'dev-title', class: 'card' },
    h('h2', { id: 'dev-title' }, t('signin.devTitle')),
    h('p', {}, t('signin.devIntro')));
  root.append(section);
  const list = loading();
  section.append(list);
  const signIn = async (btn, sub) => {
    try {
      await busy(btn, () => devSignIn(sub));
      ctx.rerender();
    } catch (err) {
      section.querySelector('.alert')?.remove();
      section.prepend(errorBox(err));
    }
  };
  try {
    const members = await devMembers();
    list.replaceWith(memberList(members, signIn));
  } catch (err) {
    list.replaceWith(errorBox(err, ctx.rerender));
  }
  section.append(otherMemberForm(signIn));
}

function roleText(m) {
  return m.adult ? t(`role.${m.householdRole}`) : `${t(`role.${m.householdRole}`)}, ${t('role.child')}`;
}

function memberList(members, signIn) {
  if (members.length === 0) return h('p', {}, t('signin.noMembers'));
  return h('ul', { class: 'member-list' }, members.map((m) => {
    const btn = h('button', { type: 'button', class: 'member', 'data-customer-id': m.customerId,
      'aria-label': t('signin.as', { name: m.name }) },
    h('span', { class: 'member-name' }, m.name),
    h('span', { class: 'member-meta' }, t('signin.memberMeta', { id: m.customerId, household: m.householdId, role: roleText(m) })));
    btn.addEventListener('click', () => signIn(btn, m.customerId));
    return h('li', {}, btn);
  }));
}

function otherMemberForm(signIn) {
  const input = h('input', { id: 'signin-id', name: 'customerId', type: 'text', required: true, autocomplete: 'off', spellcheck: 'false' });
  const submit = h('button', { type: 'submit', class: 'secondary' }, t('signin.otherButton'));
  return h('form', { class: 'inline-form', onsubmit: (e) => {
    e.preventDefault();
    const sub = input.value.trim();
    if (sub) signIn(submit, sub);
  } }, h('label', { for: 'signin-id' }, t('signin.otherLabel')), input, submit);
}
