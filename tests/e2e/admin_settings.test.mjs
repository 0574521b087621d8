// Browser end-to-end test of the administration page: an administrator opens it from the
// control panel, changes a security setting, reloads and sees the new value, marked as changed
// on the page; a Host has no link to it and the server refuses it the settings.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { assertPageRefused, assertUiBuilt, closeBrowserAndServer, launchChromium, loggedInPage } from '../lib/browser.mjs';
import { request, setupAdmin, startTetherd, strongPassword, tether, tetherdBin } from '../lib/tetherd.mjs';

const STEP_TIMEOUT = 15000;
let server, browser;

before(async () => {
  assert.ok(fs.existsSync(tetherdBin), `server binary missing: ${tetherdBin} (build it first)`);
  assertUiBuilt();
  server = await startTetherd();
  await setupAdmin(server);
  const add = await tether(server, ['user', 'add', 'hank', '--role', 'Host', '--password-stdin'], { input: `${strongPassword}\n` });
  assert.equal(add.code, 0, add.stderr);
  browser = await launchChromium();
});

after(() => closeBrowserAndServer(browser, server));

const loggedIn = (username) => loggedInPage(browser, server, username, { timeout: STEP_TIMEOUT });

test('an administrator changes a setting on the administration page; it is there after a reload', { timeout: 120000 }, async () => {
  const { context, page, problems } = await loggedIn('admin');
  try {
    await page.getByRole('link', { name: 'Administration' }).click();
    await page.waitForURL((u) => u.pathname === '/admin', { timeout: STEP_TIMEOUT });
    const row = page.locator('tr[data-key="security.lockout_failures"]');
    assert.equal(await row.getByTestId('value').textContent(), '5 failures');
    assert.equal(await row.getByTestId('source').textContent(), 'built-in default');

    await row.getByLabel('Failed logins that lock an account').fill('7');
    await row.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'saved' }).waitFor();

    // A value the server refuses: its message names the setting.
    const min = page.locator('tr[data-key="security.password_min_length"]');
    await min.getByLabel('Minimum password length').fill('9');
    await min.getByRole('button', { name: 'Save' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.textContent(), /security\.password_min_length: must be at least 12/);

    await page.reload();
    await row.getByTestId('value').waitFor();
    assert.equal(await row.getByTestId('value').textContent(), '7 failures');
    assert.equal(await row.getByTestId('source').textContent(), 'changed on this page');
    assert.equal(await min.getByTestId('value').textContent(), '12 characters');

    // Reset: back to the file's value.
    await row.getByRole('button', { name: 'Reset' }).click();
    await page.waitForFunction(() => document.querySelector('tr[data-key="security.lockout_failures"] [data-testid=value]')
      ?.textContent === '5 failures');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('an IP list edited on the page; a change that would lock the administrator out asks first', { timeout: 120000 }, async () => {
  const { context, page, problems } = await loggedIn('admin');
  try {
    await page.goto(new URL('/admin', server.baseUrl).href);
    const row = page.locator('tr[data-key="security.ip.admin.block"]');
    const box = row.getByLabel('Administration: blocked');
    assert.equal(await row.getByTestId('value').textContent(), 'none');
    await box.fill('203.0.113.5\n198.51.100.0/24');
    await row.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'saved' }).waitFor();
    assert.equal(await row.getByTestId('value').textContent(), '203.0.113.5/32, 198.51.100.0/24');
    assert.equal(await row.getByTestId('source').textContent(), 'changed on this page');

    // This browser comes from 127.0.0.1: blocking it asks first, and Cancel changes nothing.
    await box.fill('203.0.113.5\n127.0.0.1');
    await row.getByRole('button', { name: 'Save' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Lock-out warning' });
    await dialog.waitFor();
    assert.match(await dialog.textContent(), /127\.0\.0\.1 would be refused in the admin area/);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.reload();
    await row.getByTestId('value').waitFor();
    assert.equal(await row.getByTestId('value').textContent(), '203.0.113.5/32, 198.51.100.0/24', 'unchanged');

    // Save anyway: applied, and the next request from this address is refused; the local
    // command is the way back.
    await box.fill('127.0.0.1');
    await row.getByRole('button', { name: 'Save' }).click();
    await dialog.getByRole('button', { name: 'Save anyway' }).click();
    await page.getByRole('status').filter({ hasText: 'saved' }).waitFor();
    assert.equal((await request(server, 'GET', '/api/v1/users')).status, 403);
    const reset = await tether(server, ['settings', 'reset', 'security.ip.admin.block']);
    assert.equal(reset.code, 0, reset.stderr);
    await page.reload();
    await row.getByTestId('value').waitFor();
    assert.equal(await row.getByTestId('value').textContent(), 'none');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a Host sees no Administration link and the server refuses it the settings', { timeout: 60000 }, () =>
  assertPageRefused(browser, server, 'hank', { link: 'Administration', path: '/admin', timeout: STEP_TIMEOUT }));
