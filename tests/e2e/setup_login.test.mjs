// Browser end-to-end test: first-run setup, login, the control panel, creating a support
// session, logout, and setup being gone afterwards. Drives Debian's Chromium through
// playwright-core (from web/node_modules; no browser download) against a real tetherd.
//
//   cd web && npm ci && npm run build      # the UI the server serves
//   node --test tests/e2e/
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { artifactsDir, assertUiBuilt, closeBrowserAndServer, launchChromium } from '../lib/browser.mjs';
import { startTetherd, strongPassword, tetherdBin } from '../lib/tetherd.mjs';

const STEP_TIMEOUT = 15000;

let server;
let browser;

before(async () => {
  assert.ok(fs.existsSync(tetherdBin), `server binary missing: ${tetherdBin} (build it first)`);
  assertUiBuilt();
  server = await startTetherd();
  browser = await launchChromium();
});

after(() => closeBrowserAndServer(browser, server));

const pathOf = (url) => new URL(url).pathname;

async function atPath(page, p) {
  await page.waitForURL((u) => u.pathname === p, { timeout: STEP_TIMEOUT });
}

test('first administrator: setup, login, support session, logout, setup gone', { timeout: 120000 }, async () => {
  assert.ok(server.setupUrl, `tetherd printed no setup URL:\n${server.stdout}`);
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  context.setDefaultTimeout(STEP_TIMEOUT);
  const page = await context.newPage();

  // Anything the Content-Security-Policy blocks, and any script error, fails the test.
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/status of 40[14]/.test(msg.text())) problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));

  const username = 'admin';
  const sessionName = 'Printer on floor 2';
  try {
    // 1. Setup page from the URL the server printed.
    const setupResp = await page.goto(server.setupUrl);
    assert.equal(setupResp.status(), 200, 'setup page before setup');
    const csp = setupResp.headers()['content-security-policy'] || '';
    assert.match(csp, /script-src 'self'/, 'the UI is served with the strict CSP');
    await page.getByRole('heading', { name: 'Create the first administrator' }).waitFor();
    await page.getByLabel('User name').fill(username);
    await page.getByLabel('Password', { exact: true }).fill(strongPassword);
    await page.getByLabel('Confirm password').fill(strongPassword);
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await atPath(page, '/login');

    // 2. Log in.
    await page.getByLabel('User name').fill(username);
    await page.getByLabel('Password', { exact: true }).fill(strongPassword);
    await page.getByRole('button', { name: 'Log in' }).click();
    await atPath(page, '/');

    // 3. Control panel shell.
    const banner = page.getByRole('banner');
    await banner.getByText('Tether', { exact: true }).waitFor();
    await banner.getByText(username, { exact: true }).waitFor();
    for (const tab of ['Support', 'Meeting', 'Access']) await page.getByRole('tab', { name: tab }).waitFor();
    await page.getByText('No sessions yet').waitFor();

    // 4. Create a support session through the form; it shows up in the list.
    await page.getByLabel('Session name').fill(sessionName);
    await page.getByRole('button', { name: 'Create session' }).click();
    await page.getByRole('cell', { name: sessionName }).waitFor();
    assert.equal(await page.getByText('No sessions yet').count(), 0);

    // 5. Log out; the panel is then closed to this browser.
    await page.getByRole('button', { name: 'Log out' }).click();
    await atPath(page, '/login');
    await page.goto(new URL('/', server.baseUrl).href);
    await atPath(page, '/login');

    // 6. Setup is gone for good: the server answers 404 and the page says so.
    const againResp = await page.goto(server.setupUrl);
    assert.equal(againResp.status(), 404, 'setup page after setup');
    await page.getByText('Setup is already complete').waitFor();
    assert.equal(pathOf(page.url()), '/setup');
    const api = await server.request('POST', '/api/v1/setup',
      { body: { token: server.setupToken, username: 'intruder', password: strongPassword } });
    assert.equal(api.status, 404, 'POST /api/v1/setup after setup');

    assert.deepEqual(problems, [], 'no CSP violations or script errors');
  } catch (err) {
    fs.mkdirSync(artifactsDir, { recursive: true });
    const file = path.join(artifactsDir, `setup_login-${Date.now()}.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => {});
    err.message += `\nscreenshot: ${file}\npage: ${page.url()}\nbrowser: ${problems.join('\n') || '(quiet)'}` +
      `\ntetherd stderr (tail):\n${server.stderr.slice(-4000)}`;
    throw err;
  } finally {
    await context.close().catch(() => {});
  }
});
