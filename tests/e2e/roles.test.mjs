// Browser end-to-end test of the Roles page: an administrator creates a role, gives it entries
// (a permission, Allow or Deny, a session-group scope), saves, reloads and finds them, and the
// server's record matches; global permissions cannot be scoped; the page shows the server's
// refusal to delete the last administrators' role; a Host has no Roles link and is refused; the
// panel offers links and forms by the permissions the role grants, not by the role's name.
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

test('the panel offers what the role grants, whatever its name', { timeout: 90000 }, async () => {
  // A deputy administrator's role has another name but allows Administer: the panel links to the
  // administration pages. A Host may not make meetings or session groups: no forms for them.
  const admin = await login(server, 'admin', strongPassword);
  const headers = { cookie: admin.cookie, 'x-csrf-token': admin.csrf };
  const entries = ['Administer', 'ViewSessionGroup', 'CreateSupportSession', 'CreateMeetingSession', 'ManageSessionGroups']
    .map((permission) => ({ permission, effect: 'allow', group_id: null }));
  const role = await request(server, 'POST', '/api/v1/roles', { headers, body: { name: 'Deputy', entries } });
  assert.equal(role.status, 201, role.body);
  await addUser(server, 'dora', 'Deputy');

  const deputy = await loggedIn('dora');
  try {
    const { page } = deputy;
    await page.getByRole('link', { name: 'Administration' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Roles' }).count(), 1);
    assert.equal(await page.getByRole('button', { name: 'New group' }).count(), 1);
    await page.getByRole('tab', { name: 'Meeting' }).click();
    await page.getByRole('button', { name: 'Create meeting' }).waitFor();
  } finally {
    await deputy.context.close();
  }

  const host = await loggedIn('hank');
  try {
    const { page } = host;
    await page.getByRole('button', { name: 'Create session' }).waitFor();  // support sessions: yes
    assert.equal(await page.getByRole('button', { name: 'New group' }).count(), 0);
    await page.getByRole('tab', { name: 'Meeting' }).click();
    await page.getByRole('region', { name: 'Meeting sessions' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Create meeting' }).count(), 0, 'no meeting form for a Host');
  } finally {
    await host.context.close();
  }
});
