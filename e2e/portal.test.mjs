// The member portal in a real browser against a real `omadata serve` with
// the seed's demo household h000001: c000001 Aino (MAIN, sharing), c000002
// Mikko (adult, sharing), c000003 Helmi (adult, never shares), c000004
// Ella (child). The tests run in order and build on each other: the last
// one erases Aino.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  Browser, BASE, PORTAL, gql, mustGql, codes, signIn, tabToken, goTo, reset, shoot,
  unlabelledControls, focusRing, sumStoredLines,
} from './lib.mjs';

const AINO = 'c000001';
const MIKKO = 'c000002';
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
  + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
const ELECTRONIC = ['ELECTRONIC_MARKETING', 'NEWSLETTER', 'ELECTRONIC_MEMBER_MAIL', 'LOCATION_BASED_OFFERS',
  'PERSONALIZED_OFFERS', 'PARTNER_MARKETING'];

let browser;
let aino;
let ainoToken;
let mikko;
let mikkoToken;

before(async () => { browser = await Browser.launch(); });
after(async () => { await browser?.close(); });

async function consent(token, purpose) {
  const data = await mustGql(token, '{ consents { purpose granted expiresAt updatedAt channel marketing } }');
  return data.consents.find((c) => c.purpose === purpose);
}

async function receiptIds(token) {
  const data = await mustGql(token, '{ receipts(first: 100) { edges { node { id } } } }');
  return new Set(data.receipts.edges.map((e) => e.node.id));
}

// shownReceipts returns the household receipts the family page shows, as
// {id, lines} ("shown" or "withheld").
function shownReceipts(page) {
  return page.locator('li.receipt').evaluateAll((els) => els.map((e) => ({ id: e.dataset.receiptId, lines: e.dataset.lines })));
}

// findShown pages through the family page's receipts until one of ids.
async function findShown(page, ids) {
  for (let i = 0; i < 20; i++) {
    const hit = (await shownReceipts(page)).find((r) => ids.has(r.id));
    if (hit) return hit;
    const more = page.locator('#receipts-more');
    if (!(await more.isVisible())) return null;
    const count = await page.locator('li.receipt').count();
    await more.click();
    await page.waitForFunction((n) => document.querySelectorAll('li.receipt').length > n, count);
  }
  return null;
}

// permissions reloads the permissions page and waits for its switches.
async function permissions(page) {
  await reset(page, 'permissions');
  await page.locator('li.purpose').first().waitFor();
}

// clickAndWaitForReceipt clicks target and waits for the consent receipt
// the change produced, inside scope; it returns the receipt's id.
async function clickAndWaitForReceipt(page, target, scope) {
  await page.locator(target).click();
  const receipt = page.locator(`${scope} .consent-receipt`);
  await receipt.waitFor();
  return (await receipt.locator('[data-field="id"]').textContent()).trim();
}

test('the portal is served with a strict Content-Security-Policy and the demo members are listed', async () => {
  const r = await fetch(PORTAL);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-security-policy'), CSP);
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
  assert.equal(r.headers.get('cache-control'), 'no-cache');
  const dev = await (await fetch(`${BASE}/dev/members`)).json();
  assert.deepEqual(dev.members.slice(0, 4).map((m) => [m.customerId, m.householdId, m.householdRole, m.adult]), [
    ['c000001', 'h000001', 'MAIN', true], ['c000002', 'h000001', 'MEMBER', true],
    ['c000003', 'h000001', 'MEMBER', true], ['c000004', 'h000001', 'MEMBER', false]]);
});

test('the portal speaks the browser\'s language: Swedish for a Swedish browser', async () => {
  const page = await browser.page();
  await page.addInitScript(() => Object.defineProperty(navigator, 'languages', { get: () => ['sv-FI', 'en-GB'] }));
  await page.goto(PORTAL);
  await page.locator('[data-page="signin"] h1', { hasText: 'Logga in' }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'sv');
  assert.equal(await page.locator('#lang').inputValue(), 'sv');
  await page.close();
});

test('sign in as the main member on the dev sign-in page; the token stays in the tab', async () => {
  aino = await browser.page();
  await aino.goto(PORTAL);
  await aino.locator(`button[data-customer-id="${AINO}"]`).waitFor();
  assert.deepEqual(await unlabelledControls(aino), []);
  await shoot(aino, 'signin');
  ainoToken = await signIn(aino, AINO);
  assert.match(ainoToken, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  assert.equal(new URL(aino.url()).hash, '#/permissions');
  assert.equal(await aino.evaluate(() => localStorage.length), 0);
  assert.deepEqual(await browser.context.cookies(), []);
  assert.equal((await mustGql(ainoToken, '{ me { id } }')).me.id, AINO);
  assert.match(await aino.locator('.user-name').textContent(), /Aino Virtanen/);
});

test('permissions: every purpose with its description, grouped by channel, in the chosen language', async () => {
  const api = await mustGql(ainoToken, '{ consents { purpose marketing description(lang: "en") } }');
  const shown = await aino.locator('li.purpose').evaluateAll((els) => els.map((e) => e.dataset.purpose));
  assert.deepEqual([...shown].sort(), api.consents.map((c) => c.purpose).sort());
  const group = (g) => aino.locator(`[data-group="${g}"] li.purpose`).evaluateAll((els) => els.map((e) => e.dataset.purpose).sort());
  assert.deepEqual(await group('electronic'), [...ELECTRONIC].sort());
  assert.deepEqual(await group('post'), ['DIRECT_MAIL', 'MEMBER_MAIL']);
  assert.deepEqual(await group('phone'), ['SURVEYS_AND_TELEMARKETING']);
  const en = api.consents.find((c) => c.purpose === 'NEWSLETTER').description;
  assert.equal(await aino.locator('#desc-newsletter').textContent(), en);
  // Aino granted the newsletter when she joined, through the member registry.
  assert.match(await aino.locator('#meta-newsletter').textContent(), /^Allowed · Last changed .+ via membership registration$/);

  // The browser speaks English (en-GB); Finnish is one choice away.
  assert.equal(await aino.getAttribute('html', 'lang'), 'en');
  await aino.locator('#lang').selectOption('fi');
  await aino.locator('[data-page="permissions"] h1', { hasText: 'Luvat' }).waitFor();
  const fi = (await mustGql(ainoToken, '{ consents { purpose description(lang: "fi") } }'))
    .consents.find((c) => c.purpose === 'NEWSLETTER').description;
  await aino.locator('#desc-newsletter', { hasText: fi }).waitFor();
  assert.notEqual(fi, en);
  assert.equal(await aino.getAttribute('html', 'lang'), 'fi');
  await shoot(aino, 'permissions-fi');
  await aino.locator('#lang').selectOption('sv');
  await aino.locator('[data-page="permissions"] h1', { hasText: 'Samtycken' }).waitFor();
  await aino.locator('#lang').selectOption('en');
  await aino.locator('[data-page="permissions"] h1', { hasText: 'Permissions' }).waitFor();
  await aino.locator('#desc-newsletter', { hasText: en }).waitFor();

  assert.deepEqual(await unlabelledControls(aino), []);
  const ring = await focusRing(aino);
  assert.equal(ring.outlineStyle, 'solid', `focused ${ring.tag} has no visible outline`);
  assert.ok(ring.outlineWidth >= 2);
  await shoot(aino, 'permissions');
});

test('changing a marketing permission persists through the API and shows its receipt', async () => {
  await permissions(aino);
  const before = await consent(ainoToken, 'ELECTRONIC_MARKETING');
  assert.equal(before.granted, false);
  const id = await clickAndWaitForReceipt(aino, '#sw-electronic_marketing', '[data-purpose="ELECTRONIC_MARKETING"]');
  const afterwards = await consent(ainoToken, 'ELECTRONIC_MARKETING');
  assert.equal(afterwards.granted, true);
  assert.equal(afterwards.channel, 'WEB_PORTAL');
  assert.equal(await aino.locator('#sw-electronic_marketing').isChecked(), true);
  const history = await mustGql(ainoToken, '{ consentHistory(first: 1) { edges { node { purpose granted receiptId } } } }');
  assert.deepEqual(history.consentHistory.edges[0].node, { purpose: 'ELECTRONIC_MARKETING', granted: true, receiptId: id });
  const receipt = aino.locator('[data-purpose="ELECTRONIC_MARKETING"] .consent-receipt');
  assert.equal(await receipt.locator('li[data-purpose="ELECTRONIC_MARKETING"]').textContent(), 'Electronic marketing: Not allowed → Allowed');
  assert.match(await receipt.locator('[data-field="policyVersion"]').textContent(), /\S/);
  assert.equal(await receipt.locator('[data-field="channel"]').textContent(), 'the web portal');
  assert.match(await aino.locator('#meta-electronic_marketing').textContent(), /^Allowed · Last changed .+ via the web portal$/);
});

test('a time-limited grant lasts until the chosen day', async () => {
  await permissions(aino);
  const row = '[data-purpose="PARTNER_MARKETING"]';
  await aino.locator(`${row} button[aria-controls="until-form-partner_marketing"]`).click();
  const input = aino.locator('#until-partner_marketing');
  assert.equal(await input.evaluate((el) => el === document.activeElement), true);
  // Beyond five years: refused in words before anything is sent.
  await input.fill('2099-01-01');
  await aino.locator(`${row} .until-form button[type="submit"]`).click();
  await aino.locator(`${row} .form-error`, { hasText: 'five years' }).waitFor();
  assert.equal((await consent(ainoToken, 'PARTNER_MARKETING')).granted, false);

  const day = new Date();
  day.setDate(day.getDate() + 30);
  const ymd = `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`;
  await input.fill(ymd);
  await clickAndWaitForReceipt(aino, `${row} .until-form button[type="submit"]`, row);
  const c = await consent(ainoToken, 'PARTNER_MARKETING');
  assert.equal(c.granted, true);
  const until = new Date(c.expiresAt);
  assert.equal(`${until.getFullYear()}-${String(until.getMonth() + 1).padStart(2, '0')}-${String(until.getDate()).padStart(2, '0')}`, ymd,
    `expiresAt ${c.expiresAt} is not on the chosen day ${ymd}`);
  assert.ok(until.getHours() === 23, `expiresAt ${c.expiresAt} is not the end of the day`);
  assert.match(await aino.locator('#meta-partner_marketing').textContent(), /^Allowed · until .+ · Last changed/);
  assert.match(await aino.locator(`${row} .consent-receipt li`).textContent(), /Not allowed → Allowed \(until .+\)/);
});

test('the history of changes is one click away', async () => {
  await permissions(aino);
  await aino.locator('#perm-history').click();
  const rows = aino.locator('#dialog table.history tbody tr');
  await rows.first().waitFor();
  const api = await mustGql(ainoToken, '{ consentHistory(first: 20) { edges { node { purpose receiptId } } } }');
  const shown = await rows.evaluateAll((els) => els.map((e) => ({ purpose: e.dataset.purpose, receiptId: e.dataset.receiptId })));
  assert.deepEqual(shown, api.consentHistory.edges.map((e) => e.node));
  assert.equal(shown[0].purpose, 'PARTNER_MARKETING');
  await shoot(aino, 'permissions-history');
  await aino.keyboard.press('Escape');
  await aino.locator('#dialog').waitFor({ state: 'hidden' });
});

test('block all marketing denies every marketing purpose in one step', async () => {
  await permissions(aino);
  await clickAndWaitForReceipt(aino, '#block-all', '.block-all');
  const data = await mustGql(ainoToken, '{ consents { purpose granted marketing } }');
  const marketing = data.consents.filter((c) => c.marketing);
  assert.ok(marketing.length >= 9);
  assert.deepEqual(marketing.filter((c) => c.granted), []);
  for (const c of marketing) {
    assert.equal(await aino.locator(`#sw-${c.purpose.toLowerCase()}`).isChecked(), false, c.purpose);
  }
  // Product-level data and sharing are no marketing: they stay granted.
  assert.equal(await aino.locator('#sw-product_level_data').isChecked(), true);
  assert.equal(await aino.locator('#sw-household_sharing').isChecked(), true);
});

test('family sharing: the main member closes and reopens it; another adult leaves and joins and sees the shared receipts', async () => {
  await reset(aino, 'family');
  const members = aino.locator('table.members tbody tr');
  await members.first().waitFor();
  const api = await mustGql(ainoToken, '{ household { sharingOpen members { name sharing me } } }');
  assert.equal(await members.count(), api.household.members.length);
  assert.equal(await aino.locator('table.members tr[data-me="true"] th').textContent(), 'Aino Virtanen (you)');
  assert.match(await aino.locator('#sharing-rule').textContent(), /main member opens sharing/);
  await shoot(aino, 'family-main');

  // The main member closes sharing, then opens it again.
  await clickAndWaitForReceipt(aino, '#sharing-toggle', '[aria-labelledby="hh-members-title"]');
  await aino.locator('[data-sharing-open="false"]').waitFor();
  assert.equal((await mustGql(ainoToken, '{ household { sharingOpen } }')).household.sharingOpen, false);
  await clickAndWaitForReceipt(aino, '#sharing-toggle', '[aria-labelledby="hh-members-title"]');
  await aino.locator('[data-sharing-open="true"]').waitFor();

  // Mikko, in a tab of his own.
  mikko = await browser.page();
  mikkoToken = await signIn(mikko, MIKKO);
  assert.notEqual(mikkoToken, ainoToken);
  await goTo(mikko, 'family');
  await mikko.locator('li.receipt').first().waitFor();
  const ainos = await receiptIds(ainoToken);
  assert.ok(ainos.size > 0, 'Aino has receipts');
  assert.ok(await findShown(mikko, ainos), 'Mikko sees Aino\'s receipts while both share');

  // He leaves: Aino's receipts disappear from his view at once.
  await reset(mikko, 'family');
  await clickAndWaitForReceipt(mikko, '#sharing-toggle', '[aria-labelledby="hh-members-title"]');
  assert.equal(await mikko.locator('#sharing-toggle').getAttribute('data-granted'), 'true');
  assert.equal(await findShown(mikko, ainos), null);
  const hr = await mustGql(mikkoToken, '{ householdReceipts(first: 100) { edges { node { id } } } }');
  assert.deepEqual(hr.householdReceipts.edges.filter((e) => ainos.has(e.node.id)), []);

  // He joins again, with the keyboard.
  await reset(mikko, 'family');
  await mikko.locator('#sharing-toggle').focus();
  await mikko.keyboard.press('Enter');
  await mikko.locator('[aria-labelledby="hh-members-title"] .consent-receipt').waitFor();
  const hit = await findShown(mikko, ainos);
  assert.ok(hit, 'Mikko sees Aino\'s receipts again after joining');
  assert.equal(hit.lines, 'shown');
  const item = mikko.locator(`li.receipt[data-receipt-id="${hit.id}"]`);
  await item.locator('summary').click();
  assert.ok(await item.locator('table.lines-table tbody tr').count() > 0);
  // Helmi never shares; Ella is a child.
  assert.equal(await mikko.locator('table.members tr', { hasText: 'Helmi' }).getAttribute('data-sharing'), 'false');
  assert.deepEqual(await unlabelledControls(mikko), []);
  await shoot(mikko, 'family');
});

test('withdrawing product-level data says how many lines go, asks, and erases them', async () => {
  await permissions(aino);
  const stored = await sumStoredLines(ainoToken);
  assert.ok(stored > 0, 'Aino has stored lines');

  // Asked, then cancelled: nothing changes.
  await aino.locator('#sw-product_level_data').click();
  const dialog = aino.locator('#dialog');
  await dialog.locator('[data-action="confirm"]').waitFor();
  assert.match(await dialog.locator('#dialog-text').textContent(), new RegExp(`\\b${stored} product lines\\b`));
  assert.equal(await dialog.locator('[data-action="confirm"]').textContent(), `Erase ${stored} lines and withdraw`);
  assert.equal(await aino.evaluate(() => document.activeElement.dataset.action), 'cancel');
  await shoot(aino, 'permissions-withdraw');
  await dialog.locator('[data-action="cancel"]').click();
  await dialog.waitFor({ state: 'hidden' });
  assert.equal((await consent(ainoToken, 'PRODUCT_LEVEL_DATA')).granted, true);
  assert.equal(await sumStoredLines(ainoToken), stored);
  assert.equal(await aino.locator('#sw-product_level_data').isChecked(), true);

  // Asked, then confirmed: the lines are gone.
  await aino.locator('#sw-product_level_data').click();
  await dialog.locator('[data-action="confirm"]').click();
  const receipt = aino.locator('[data-purpose="PRODUCT_LEVEL_DATA"] .consent-receipt');
  await receipt.waitFor();
  assert.equal(await receipt.locator('[data-field="erasedLines"]').textContent(), String(stored));
  assert.equal((await consent(ainoToken, 'PRODUCT_LEVEL_DATA')).granted, false);
  assert.equal(await sumStoredLines(ainoToken), 0);
  const r = await gql(ainoToken, '{ me { purchaseDataLevel } receipts(first: 3) { edges { node { lineCount lines { lineNo } } } } }');
  assert.equal(r.data.me.purchaseDataLevel, 'TOTALS_ONLY');
  assert.ok(r.data.receipts.edges.every((e) => e.node.lines === null && e.node.lineCount > 0));
  assert.ok(codes(r).length > 0 && codes(r).every((c) => c === 'CONSENT_REQUIRED'));

  // In Mikko's household view her receipts now show their totals and why.
  await reset(mikko, 'family');
  await mikko.locator('li.receipt').first().waitFor();
  const hit = await findShown(mikko, await receiptIds(ainoToken));
  assert.ok(hit);
  assert.equal(hit.lines, 'withheld');
  assert.match(await mikko.locator(`li.receipt[data-receipt-id="${hit.id}"] .reason`).textContent(),
    /^\d+ lines · Only the total is shown: the buyer does not allow product-level data/);
  await shoot(mikko, 'family-totals-only');
});

test('my data: the access log names who read my data', async () => {
  await reset(aino, 'mydata');
  const rows = aino.locator('table.access-log tbody tr');
  await rows.first().waitFor();
  const api = await mustGql(ainoToken, '{ accessLog(first: 20) { edges { node { actorKind actorName } } } }');
  assert.equal(await rows.count(), api.accessLog.edges.length);
  // Mikko read her lines while they both shared.
  assert.ok(await aino.locator('tr[data-actor-kind="HOUSEHOLD_MEMBER"]', { hasText: 'Mikko' }).count() > 0);
  assert.equal(await aino.locator('[data-field="purchaseDataLevel"]').textContent(), 'Receipt totals only');
  assert.deepEqual(await unlabelledControls(aino), []);
  await shoot(aino, 'mydata');
});

test('my data: download the export as JSON', async () => {
  await reset(aino, 'mydata');
  const x = (await mustGql(ainoToken, '{ myDataExport { url formatVersion receipts } }')).myDataExport;
  await aino.locator('#section-download', { hasText: `format ${x.formatVersion}` }).waitFor();
  const [download] = await Promise.all([aino.waitForEvent('download'), aino.locator('#download').click()]);
  assert.match(download.suggestedFilename(), /^omadata-c000001-\d{4}-\d{2}-\d{2}\.json$/);
  const doc = JSON.parse(await readFile(await download.path(), 'utf8'));
  assert.equal(doc.formatVersion, x.formatVersion);
  await aino.locator('#section-download .alert.success').waitFor();
  // The export is recorded in the access log.
  await aino.reload();
  await aino.locator('tr[data-actor-kind="EXPORT"]').first().waitFor();
});

test('my data: the retention setting is saved', async () => {
  await reset(aino, 'mydata');
  await aino.locator('#retention').selectOption('3');
  await aino.locator('#retention-form button[type="submit"]').click();
  await aino.locator('#section-retention .alert.success', { hasText: '3 years' }).waitFor();
  assert.equal((await mustGql(ainoToken, '{ me { retentionYears } }')).me.retentionYears, 3);
});

test('production sign-in: a token in the URL fragment moves to the tab and out of the address bar', async () => {
  const page = await browser.page();
  await page.goto(`${PORTAL}#access_token=${mikkoToken}&token_type=Bearer&expires_in=3600`);
  await page.locator('[data-page="permissions"] h1').waitFor();
  assert.equal(await tabToken(page), mikkoToken);
  assert.equal(new URL(page.url()).hash, '#/permissions');
  assert.doesNotMatch(await page.evaluate(() => location.href), /access_token/);
  await page.close();
});

test('an expired or bad token sends the member to sign-in with a sentence, not a code', async () => {
  const page = await browser.page();
  await page.goto(PORTAL);
  await page.evaluate(() => sessionStorage.setItem('omadata.token', 'not-a-token'));
  await page.goto(`${PORTAL}#/mydata`);
  const notice = page.locator('#signin-notice');
  await notice.waitFor();
  assert.equal(await notice.textContent(), 'Your session has ended. Please sign in again.');
  assert.equal(await tabToken(page), null);
  await page.close();
});

test('erase my data after typing DELETE; the token then reads nothing', async () => {
  await reset(aino, 'mydata');
  const erase = aino.locator('#erase');
  assert.equal(await erase.isDisabled(), true);
  await aino.locator('#erase-confirm').fill('delete');
  assert.equal(await erase.isDisabled(), true);
  await aino.locator('#erase-confirm').fill('DELETE');
  assert.equal(await erase.isDisabled(), false);
  await erase.click();
  const notice = aino.locator('#signin-notice');
  await notice.waitFor();
  assert.match(await notice.textContent(), /Your data has been erased.*Erased: \d+ receipts/);
  assert.equal(await tabToken(aino), null);
  assert.equal(new URL(aino.url()).hash, '#/signin');
  const me = await gql(ainoToken, '{ me { id } }');
  assert.deepEqual(codes(me), ['NOT_FOUND']);
  const names = (await mustGql(mikkoToken, '{ household { members { name } } }')).household.members.map((m) => m.name);
  assert.ok(!names.includes('Aino Virtanen'));
});

test('no request went to any other host and the page broke no rule of its policy', () => {
  assert.deepEqual(browser.foreign, []);
  assert.deepEqual(browser.problems, []);
});
