// Building the page. Text always goes in as text nodes, never as HTML, so
// nothing the server or the member typed can become markup.

import { t } from './i18n.js';

// h creates an element: attrs sets attributes (on* keys add listeners,
// booleans set or omit), children are nodes, strings or arrays of them.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = Boolean(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// errorText says in words what went wrong: a sentence per error code, plus
// the server's own message when it explains a refused input.
export function errorText(err) {
  const code = err?.code || 'INTERNAL';
  const sentence = t(`error.${code}`) === `error.${code}` ? t('error.INTERNAL') : t(`error.${code}`);
  if (code === 'BAD_USER_INPUT' && err.message && err.message !== code) {
    return `${sentence} ${t('error.details', { message: err.message })}`;
  }
  return sentence;
}

// errorBox is an alert holding errorText(err), with an optional retry.
export function errorBox(err, retry) {
  return h('div', { class: 'alert error', role: 'alert' },
    h('p', {}, errorText(err)),
    retry ? h('button', { type: 'button', class: 'secondary', onclick: retry }, t('retry')) : null);
}

// announce tells screen-reader users what just happened.
export function announce(text) {
  const el = document.getElementById('status');
  el.textContent = '';
  // A new text node after a tick is announced even when it repeats.
  setTimeout(() => { el.textContent = text; }, 50);
}

// confirmDialog asks a yes/no question in a modal dialog; Escape or the
// cancel button answers no. Focus starts on cancel: the safe answer.
export function confirmDialog({ title, text, confirm, danger = true }) {
  const dialog = document.getElementById('dialog');
  return new Promise((resolve) => {
    const done = (answer) => {
      dialog.close();
      resolve(answer);
    };
    const cancelBtn = h('button', { type: 'button', class: 'secondary', 'data-action': 'cancel', onclick: () => done(false) }, t('cancel'));
    dialog.replaceChildren(
      h('h2', { id: 'dialog-title' }, title),
      h('p', { id: 'dialog-text' }, text),
      h('div', { class: 'actions' },
        cancelBtn,
        h('button', { type: 'button', class: danger ? 'danger' : 'primary', 'data-action': 'confirm', onclick: () => done(true) }, confirm)));
    dialog.setAttribute('aria-labelledby', 'dialog-title');
    dialog.setAttribute('aria-describedby', 'dialog-text');
    dialog.oncancel = (e) => { e.preventDefault(); done(false); };
    dialog.showModal();
    cancelBtn.focus();
  });
}

// showDialog opens the shared dialog with content and a close button.
export function showDialog(titleText, content) {
  const dialog = document.getElementById('dialog');
  const closeBtn = h('button', { type: 'button', class: 'secondary', 'data-action': 'close', onclick: () => dialog.close() }, t('close'));
  dialog.replaceChildren(h('div', { class: 'dialog-head' }, h('h2', { id: 'dialog-title' }, titleText), closeBtn), content);
  dialog.setAttribute('aria-labelledby', 'dialog-title');
  dialog.removeAttribute('aria-describedby');
  dialog.oncancel = null;
  dialog.showModal();
  closeBtn.focus();
}

// loading is the placeholder of a section still being fetched.
export function loading() {
  return h('p', { class: 'loading', role: 'status' }, t('loading'));
}

// busy disables a control while fn runs.
export async function busy(el, fn) {
  el.disabled = true;
  el.setAttribute('aria-busy', 'true');
  try {
    return await fn();
  } finally {
    el.disabled = false;
    el.removeAttribute('aria-busy');
  }
}
