// Browser end-to-end test of the API tokens page: a user makes a token with a scope and an
// expiry, sees the secret once in a dialog, the list shows only its hint, the secret works as a
// Bearer token within its scope, and revoking it in the page stops it — the owner's and, for an
// administrator, anyone's. An administrator makes a token for another user ("For user"): the
// secret is shown once, the token acts as that user, and the list names its owner.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertUiBuilt } from '../lib/browser.mjs';
import { launchBrowser, logInPage } from '../lib/e2e_browser.mjs';
import { addUser, request, setupAdmin, startTetherd, strongPassword } from '../lib/tetherd.mjs';

let server;
const cleanups = [];
const problems = [];

before(async () => {
  assertUiBuilt();
  server = await startTetherd();
  await setupAdmin(server);
  await addUser(server, 'hazel');
  await addUser(server, 'bob');
});

after(async () => {
  for (const c of cleanups.reverse()) await c();
  await server?.stop();
});

test('make a token in the panel, see it once, use it, revoke it', { timeout: 120000 }, async () => {
  const { page } = await launchBrowser(cleanups, problems);
  await logInPage(page, server.baseUrl, 'hazel', strongPassword);
  await page.getByRole('link', { name: 'API tokens' }).click();
  await page.waitForURL((u) => u.pathname === '/tokens');

  await page.getByLabel('Name').fill('nightly report');
  await page.getByLabel('Expires after').selectOption('7');
  await page.getByRole('checkbox', { name: 'ViewSessionGroup' }).check();
  await page.getByRole('button', { name: 'Create token' }).click();

  const dialog = page.getByRole('dialog', { name: 'Your new API token' });
  const secret = await dialog.getByLabel('Token secret').inputValue();
  assert.match(secret, /^tth_[A-Za-z0-9_-]{43}$/);
  await dialog.getByRole('button', { name: 'Done' }).click();
  await dialog.waitFor({ state: 'detached' });
  const row = page.locator('table.tokens tbody tr', { hasText: 'nightly report' });
  await row.waitFor();
  assert.match(await row.innerText(), new RegExp(`tth_\\.\\.\\.${secret.slice(-4).replace(/[-]/g, '\\-')}`));
  assert.match(await row.innerText(), /ViewSessionGroup/);
  assert.ok(!(await page.content()).includes(secret), 'the secret is gone from the page once closed');
  await page.reload();
  await row.waitFor();
  assert.ok(!(await page.content()).includes(secret), 'and never comes back');

  const bearer = { authorization: `Bearer ${secret}` };
  assert.equal((await request(server, 'GET', '/api/v1/sessions', { headers: bearer })).status, 200);
  const refused = await request(server, 'POST', '/api/v1/sessions', { headers: bearer, body: { type: 'support', name: 'x' } });
  assert.equal(refused.status, 403, 'CreateSupportSession is outside the chosen scope');

  // An empty scope is refused before anything is sent.
  await page.getByLabel('Name').fill('nothing');
  await page.getByRole('button', { name: 'Create token' }).click();
  await page.getByRole('alert').filter({ hasText: 'at least one permission' }).waitFor();

  page.once('dialog', (d) => d.accept());
  await row.getByRole('button', { name: 'Revoke' }).click();
  await row.waitFor({ state: 'detached' });
  assert.equal((await request(server, 'GET', '/api/v1/sessions', { headers: bearer })).status, 401);

  // An administrator finds another user's token and revokes it.
  await page.getByLabel('Name').fill('second');
  await page.getByRole('checkbox', { name: 'ViewSessionGroup' }).check();
  await page.getByRole('button', { name: 'Create token' }).click();
  const second = await dialog.getByLabel('Token secret').inputValue();
  await dialog.getByRole('button', { name: 'Done' }).click();
  assert.equal((await request(server, 'GET', '/api/v1/me', { headers: { authorization: `Bearer ${second}` } })).status, 200);
  await logInPage(page, server.baseUrl, 'admin', strongPassword);
  await page.goto(new URL('/tokens', server.baseUrl).href);
  await page.getByRole('heading', { name: "Every user's tokens" }).waitFor();
  const theirs = page.locator('table.tokens tbody tr', { hasText: 'second' });
  assert.equal(await theirs.locator('td.owner').innerText(), 'hazel');
  page.once('dialog', (d) => d.accept());
  await theirs.getByRole('button', { name: 'Revoke' }).click();
  await theirs.waitFor({ state: 'detached' });
  assert.equal((await request(server, 'GET', '/api/v1/me', { headers: { authorization: `Bearer ${second}` } })).status, 401);
  assert.deepEqual(problems, []);
});

test('an administrator makes a token for another user on the page', { timeout: 120000 }, async () => {
  const { page } = await launchBrowser(cleanups, problems);
  await logInPage(page, server.baseUrl, 'admin', strongPassword);
  await page.goto(new URL('/tokens', server.baseUrl).href);
  await page.getByLabel('For user').selectOption('bob');
  await page.getByLabel('Name').fill('bob backup');
  await page.getByRole('checkbox', { name: 'ViewSessionGroup' }).check();
  await page.getByRole('button', { name: 'Create token' }).click();

  const dialog = page.getByRole('dialog', { name: 'New API token for bob' });
  const secret = await dialog.getByLabel('Token secret').inputValue();
  assert.match(secret, /^tth_[A-Za-z0-9_-]{43}$/);
  await dialog.getByRole('button', { name: 'Done' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.ok(!(await page.content()).includes(secret), 'the secret is shown once');

  const me = await request(server, 'GET', '/api/v1/me', { headers: { authorization: `Bearer ${secret}` } });
  assert.equal(me.status, 200, me.body);
  assert.equal(me.json.user.username, 'bob', 'the token acts as bob');
  assert.equal(me.json.user.administer, false);
  const row = page.locator('table.tokens tbody tr', { hasText: 'bob backup' });
  await row.waitFor();
  assert.equal(await row.locator('td.owner').innerText(), 'bob');

  // bob himself sees his own tokens only, with no owner choice and no owner column.
  await logInPage(page, server.baseUrl, 'bob', strongPassword);
  await page.goto(new URL('/tokens', server.baseUrl).href);
  await page.getByRole('heading', { name: 'Your tokens' }).waitFor();
  await page.locator('table.tokens tbody tr', { hasText: 'bob backup' }).waitFor();
  assert.equal(await page.getByLabel('For user').count(), 0);
  assert.equal(await page.locator('td.owner').count(), 0);
  assert.deepEqual(problems, []);
});
