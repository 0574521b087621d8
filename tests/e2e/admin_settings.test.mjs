// Browser end-to-end test of the administration page: an administrator opens it from the
// control panel, changes a security setting, reloads and sees the new value, marked as changed
// on the page; a Host has no link to it and the server refuses it the settings.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { assertPageRefused, assertUiBuilt, closeBrowserAndServer, launchChromium, loggedInPage } from '../lib/browser.mjs';
import { setupAdmin, startTetherd, strongPassword, tether, tetherdBin } from '../lib/tetherd.mjs';

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

test('a Host sees no Administration link and the server refuses it the settings', { timeout: 60000 }, () =>
  assertPageRefused(browser, server, 'hank', { link: 'Administration', path: '/admin', timeout: STEP_TIMEOUT }));
