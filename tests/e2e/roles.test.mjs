// Browser end-to-end test of the Roles page: an administrator creates a role, gives it entries
// (a permission, Allow or Deny, a session-group scope), saves, reloads and finds them, and the
// server's record matches; global permissions cannot be scoped; the page shows the server's
// refusal to delete the last administrators' role; a Host has no Roles link and is refused.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { assertPageRefused, assertUiBuilt, closeBrowserAndServer, launchChromium, loggedInPage } from '../lib/browser.mjs';
import { addUser, login, request, setupAdmin, startTetherd, strongPassword, tetherdBin } from '../lib/tetherd.mjs';

const STEP_TIMEOUT = 15000;
const ROLE = 'Connected guests helpdesk';
let server, browser;

before(async () => {
  assert.ok(fs.existsSync(tetherdBin), `server binary missing: ${tetherdBin} (build it first)`);
  assertUiBuilt();
  server = await startTetherd();
  await setupAdmin(server);
  await addUser(server, 'hank', 'Host');
  browser = await launchChromium();
});

after(() => closeBrowserAndServer(browser, server));

const loggedIn = (username) => loggedInPage(browser, server, username, { timeout: STEP_TIMEOUT });

// The role named `name` as the server keeps it, with group ids turned into group names.
async function serverRole(name) {
  const admin = await login(server, 'admin', strongPassword);
  const headers = { cookie: admin.cookie };
  const roles = await request(server, 'GET', '/api/v1/roles', { headers });
  assert.equal(roles.status, 200, roles.body);
  const groups = await request(server, 'GET', '/api/v1/session-groups', { headers });
  assert.equal(groups.status, 200, groups.body);
  const groupName = new Map(groups.json.groups.map((g) => [g.id, g.name]));
  const role = roles.json.roles.find((r) => r.name === name);
  return role && role.entries.map((e) => `${e.effect} ${e.permission} ${e.group_id === null ? '*' : groupName.get(e.group_id)}`);
}

test('an administrator builds a scoped role on the Roles page; it is kept and shown again after a reload', { timeout: 120000 }, async () => {
  const { context, page, problems } = await loggedIn('admin');
  try {
    await page.getByRole('link', { name: 'Roles' }).click();
    await page.waitForURL((u) => u.pathname === '/roles', { timeout: STEP_TIMEOUT });
    const list = page.getByRole('list', { name: 'Roles' });
    await list.getByRole('button', { name: 'Administrator' }).waitFor();
    await list.getByRole('button', { name: 'Host' }).waitFor();

    await page.getByLabel('New role name').fill(ROLE);
    await page.getByRole('button', { name: 'Create role' }).click();
    const editor = page.getByRole('region', { name: `Role ${ROLE}` });
    await editor.waitFor();

    // Two entries: view and join the sessions of "Guest connected"; never end a session.
    await editor.getByRole('button', { name: 'Add entry' }).click();
    await editor.getByRole('button', { name: 'Add entry' }).click();
    await editor.getByRole('button', { name: 'Add entry' }).click();
    const rows = editor.locator('table.role-entries tbody tr');
    await rows.nth(0).getByLabel('Permission').selectOption('ViewSessionGroup');
    await rows.nth(0).getByLabel('Scope').selectOption({ label: 'Guest connected' });
    await rows.nth(1).getByLabel('Permission').selectOption('JoinSession');
    await rows.nth(1).getByLabel('Scope').selectOption({ label: 'Guest connected' });
    await rows.nth(2).getByLabel('Permission').selectOption('EndSession');
    await rows.nth(2).getByLabel('Effect').selectOption('deny');
    // A global permission has no scope to pick.
    await rows.nth(2).getByLabel('Permission').selectOption('Administer');
    assert.equal(await rows.nth(2).getByLabel('Scope').isDisabled(), true);
    await rows.nth(2).getByLabel('Permission').selectOption('EndSession');
    assert.equal(await rows.nth(2).getByLabel('Scope').isDisabled(), false);
    await editor.getByRole('button', { name: 'Save' }).click();

    const expected = ['allow ViewSessionGroup Guest connected', 'allow JoinSession Guest connected', 'deny EndSession *'];
    for (let i = 0; i < 50 && JSON.stringify(await serverRole(ROLE)) !== JSON.stringify(expected); ++i) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(await serverRole(ROLE), expected);

    await page.reload();
    await list.getByRole('button', { name: ROLE }).click();
    await editor.waitFor();
    assert.equal(await rows.count(), 3);
    assert.equal(await rows.nth(1).getByLabel('Permission').inputValue(), 'JoinSession');
    assert.equal(await rows.nth(2).getByLabel('Effect').inputValue(), 'deny');
    assert.equal(await rows.nth(0).getByLabel('Scope').locator('option:checked').textContent(), 'Guest connected');

    // The administrators' role cannot go: the page shows the server's refusal.
    await list.getByRole('button', { name: 'Administrator' }).click();
    await page.getByRole('region', { name: 'Role Administrator' }).getByRole('button', { name: 'Delete role' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.textContent(), /Administer/);
    assert.ok((await serverRole('Administrator')).length > 0, 'the Administrator role is still there');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a Host sees no Roles link and the server refuses it the roles', { timeout: 60000 }, () =>
  assertPageRefused(browser, server, 'hank', { link: 'Roles', path: '/roles', timeout: STEP_TIMEOUT }));
