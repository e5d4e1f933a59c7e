// Shared helpers of the portal's browser tests: the browser (Debian's
// Chromium through playwright-core, a fresh profile), the API as a client
// sees it, screenshots at phone and desktop size, and page-quality checks.

import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const BASE = process.env.E2E_BASE_URL;
if (!BASE) throw new Error('E2E_BASE_URL is not set: run the browser tests with e2e/run.sh');
export const PORTAL = `${BASE}/portal/`;
export const SCREENSHOTS = process.env.E2E_SCREENSHOTS || new URL('./screenshots/', import.meta.url).pathname;

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

// Browser is one Chromium with a fresh profile that records every request
// to a host other than the server, every CSP violation and every uncaught
// page error, for the tests to assert there were none.
export class Browser {
  static async launch() {
    const b = new Browser();
    b.profile = await mkdtemp(join(tmpdir(), 'omadata-chromium-'));
    b.context = await chromium.launchPersistentContext(b.profile, {
      executablePath: process.env.E2E_CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: ARGS,
      viewport: DESKTOP,
      locale: 'en-GB',
      acceptDownloads: true,
    });
    b.foreign = [];
    b.problems = [];
    const origin = new URL(BASE).origin;
    b.context.on('request', (req) => {
      const u = new URL(req.url());
      if (u.protocol === 'data:' || u.protocol === 'blob:') return;
      if (u.origin !== origin) b.foreign.push(req.url());
    });
    await mkdir(SCREENSHOTS, { recursive: true });
    return b;
  }

  // page opens a new tab: its own sessionStorage, so its own sign-in.
  async page() {
    const page = await this.context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) this.problems.push(`CSP: ${m.text()}`);
    });
    page.on('pageerror', (e) => this.problems.push(`page error: ${e.message}`));
    return page;
  }

  async close() {
    await this.context?.close();
    if (this.profile) await rm(this.profile, { recursive: true, force: true });
  }
}

// gql calls the API with a member token, as the portal does, and returns
// the whole response ({data, errors}).
export async function gql(token, query, variables = {}) {
  const resp = await fetch(`${BASE}/graphql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return resp.json();
}

// mustGql is gql that fails the test on any error.
export async function mustGql(token, query, variables) {
  const r = await gql(token, query, variables);
  assert.equal(r.errors, undefined, `API errors: ${JSON.stringify(r.errors)}`);
  return r.data;
}

export function codes(resp) {
  return (resp.errors || []).map((e) => e.extensions?.code);
}

// signIn opens the portal in page and signs in through the dev sign-in
// page as customerId; it returns the token the tab holds.
export async function signIn(page, customerId) {
  await page.goto(PORTAL);
  await page.locator(`button[data-customer-id="${customerId}"]`).click();
  await page.locator('[data-page="permissions"] h1').waitFor();
  await page.locator('li.purpose').first().waitFor();
  return tabToken(page);
}

export function tabToken(page) {
  return page.evaluate(() => sessionStorage.getItem('omadata.token'));
}

// reset reloads page (the same tab: the sign-in stays) at one of the
// portal's pages in English, so a test starts from a known state whatever
// the test before it left open.
export async function reset(page, name) {
  await page.goto(`${PORTAL}#/${name}`);
  await page.evaluate(() => sessionStorage.setItem('omadata.lang', 'en'));
  await page.reload();
  await page.locator(`[data-page="${name}"] h1`).waitFor();
}

// goTo follows the main navigation to a page and waits for its heading.
export async function goTo(page, name) {
  const hrefs = { permissions: '#/permissions', family: '#/family', mydata: '#/mydata' };
  await page.locator(`nav a[href="${hrefs[name]}"]`).click();
  await page.locator(`[data-page="${name}"] h1`).waitFor();
}

// shoot writes screenshots of the page at phone and then desktop size
// (name-phone.png, name-desktop.png), checking at each size that nothing
// sticks out sideways, and leaves the page at desktop size.
export async function shoot(page, name) {
  for (const [size, viewport] of [['phone', PHONE], ['desktop', DESKTOP]]) {
    await page.setViewportSize(viewport);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${name} at ${size} size is ${overflow}px wider than the screen`);
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${size}.png`), fullPage: true });
  }
}

// unlabelledControls lists the visible controls that have no accessible
// name: no <label>, no aria-label(ledby), and (buttons) no text.
export function unlabelledControls(page) {
  return page.evaluate(() => {
    const out = [];
    for (const el of document.querySelectorAll('input, select, textarea, button')) {
      if (el.type === 'hidden' || el.closest('[hidden]') || el.getClientRects().length === 0) continue;
      const labelled = [...(el.labels || [])].some((l) => l.textContent.trim())
        || (el.getAttribute('aria-label') || '').trim()
        || (el.getAttribute('aria-labelledby') || '').split(/\s+/).some((id) => document.getElementById(id)?.textContent.trim())
        || (el.tagName === 'BUTTON' && el.textContent.trim());
      if (!labelled) out.push(el.outerHTML.slice(0, 120));
    }
    return out;
  });
}

// focusRing presses Tab until a control has focus and returns its outline
// as computed: the portal's focus must be visible.
export async function focusRing(page) {
  await page.locator('#main').focus();
  await page.keyboard.press('Tab');
  return page.evaluate(() => {
    const el = document.activeElement;
    const s = getComputedStyle(el);
    return { tag: el.tagName, outlineStyle: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth) };
  });
}

// sumStoredLines counts a member's stored receipt lines through the API
// (every page of receipts): what withdrawing product-level data erases.
export async function sumStoredLines(token) {
  let after = null;
  let total = 0;
  for (;;) {
    const r = await gql(token, `query($after: String) { receipts(first: 100, after: $after) {
      edges { node { lines { lineNo } } } pageInfo { hasNextPage endCursor } } }`, { after });
    const conn = r.data.receipts;
    for (const { node } of conn.edges) total += node.lines ? node.lines.length : 0;
    if (!conn.pageInfo.hasNextPage) return total;
    after = conn.pageInfo.endCursor;
  }
}
