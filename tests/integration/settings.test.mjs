// The security settings on the administration page (GET/PATCH /api/v1/settings/security and
// `tether settings`): a change takes effect at once without a restart, is validated like the
// configuration file (never weaker than the file allows), needs Administer, is audited, and is
// kept in the database across restarts over the file's values.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { login, request, run, setupAdmin, startTetherd, strongPassword, tempDir, tether } from '../lib/tetherd.mjs';

const withAuth = (a) => ({ cookie: a.cookie, 'x-csrf-token': a.csrf });
const TOML = '[security]\nlockout_window_minutes = 20\nlockout_address_failures = 100000\n';

async function addUser(server, name, role = 'Host') {
  const r = await tether(server, ['user', 'add', name, '--role', role, '--password-stdin'], { input: strongPassword + '\n' });
  assert.equal(r.code, 0, r.stderr);
}

const tryLogin = (server, username, password) =>
  request(server, 'POST', '/api/v1/auth/login', { body: { username, password } });

describe('security settings', () => {
  let server, admin, dir, config;
  before(async () => {
    dir = tempDir();
    config = path.join(dir, 'tetherd.toml');
    fs.writeFileSync(config, TOML);
    server = await startTetherd({ dataDir: path.join(dir, 'data'), args: ['--config', config] });
    await setupAdmin(server);
    for (const u of ['bob', 'carol', 'dave']) await addUser(server, u);
    admin = await login(server, 'admin', strongPassword);
  });
  after(async () => { await server?.stop(); });

  const get = async (auth = admin) => request(server, 'GET', '/api/v1/settings/security', { headers: withAuth(auth) });
  const patch = (settings, auth = admin) =>
    request(server, 'PATCH', '/api/v1/settings/security', { headers: withAuth(auth), body: { settings } });
  const setting = (r, key) => r.json.settings.find((s) => s.key === key);

  test('every setting with its value, default and source', async () => {
    const r = await get();
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(setting(r, 'security.lockout_failures'),
      { key: 'security.lockout_failures', value: 5, file: 5, default: 5, source: 'default', changeable: true });
    assert.deepEqual(setting(r, 'security.lockout_window_minutes'),
      { key: 'security.lockout_window_minutes', value: 20, file: 20, default: 15, source: 'file', changeable: true });
    assert.equal(setting(r, 'security.password_allow_shorter_than_12').changeable, false);
    assert.equal(setting(r, 'security.consent.prompt_timeout_seconds').value, 60);
  });

  test('a lower lockout threshold applies to the next logins, without a restart', async () => {
    // With the default of 5, two failures do not lock.
    for (let i = 0; i < 2; ++i) assert.equal((await tryLogin(server, 'carol', 'Wrong-Password-00')).status, 401);
    assert.equal((await tryLogin(server, 'carol', strongPassword)).status, 200);

    const r = await patch({ 'security.lockout_failures': 2 });
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(setting(r, 'security.lockout_failures'),
      { key: 'security.lockout_failures', value: 2, file: 5, default: 5, source: 'page', changeable: true });

    for (let i = 0; i < 2; ++i) assert.equal((await tryLogin(server, 'bob', 'Wrong-Password-00')).status, 401);
    assert.equal((await tryLogin(server, 'bob', strongPassword)).status, 401, 'locked after 2 failures');
    assert.equal((await tryLogin(server, 'dave', strongPassword)).status, 200, 'others are not');
  });

  test('the page cannot make the password policy weaker than the file allows', async () => {
    const short = await patch({ 'security.password_min_length': 10 });
    assert.equal(short.status, 400, short.body);
    assert.equal(short.json.error, 'validation');
    assert.match(short.json.message, /^security\.password_min_length: must be at least 12/);
    const override = await patch({ 'security.password_allow_shorter_than_12': true, 'security.password_min_length': 8 });
    assert.equal(override.status, 400, override.body);
    assert.match(override.json.message, /^security\.password_allow_shorter_than_12: is set in the configuration file only/);
    for (const [settings, key] of [[{ 'security.lockout_failures': 0 }, 'security.lockout_failures'],
      [{ 'security.two_factor': 'sometimes' }, 'security.two_factor'],
      [{ 'security.consent.grant_lifetime_seconds': '1h' }, 'security.consent.grant_lifetime_seconds'],
      [{ 'security.no_such_thing': 1 }, 'security.no_such_thing']]) {
      const r = await patch(settings);
      assert.equal(r.status, 400, r.body);
      assert.ok(r.json.message.startsWith(`${key}: `), r.json.message);
    }
    // Nothing of a refused change was applied.
    assert.equal(setting(await get(), 'security.password_min_length').value, 12);
    // A stronger policy is fine, and applies to the next password set.
    assert.equal((await patch({ 'security.password_min_length': 30 })).status, 200);
    const weak = await tether(server, ['user', 'add', 'erin', '--role', 'Host', '--password-stdin'], { input: strongPassword + '\n' });
    assert.equal(weak.code, 1, 'a 23-character password is now too short');
    assert.match(weak.stderr, /30/);
    assert.equal((await patch({ 'security.password_min_length': null })).status, 200);
  });

  test('a user without Administer is refused, and so is a request without the CSRF token', async () => {
    const dave = await login(server, 'dave', strongPassword);
    assert.equal((await get(dave)).status, 403);
    const r = await patch({ 'security.lockout_failures': 1000 }, dave);
    assert.equal(r.status, 403, r.body);
    const noCsrf = await request(server, 'PATCH', '/api/v1/settings/security',
      { headers: { cookie: admin.cookie }, body: { settings: { 'security.lockout_failures': 1000 } } });
    assert.equal(noCsrf.status, 403, noCsrf.body);
    assert.equal(setting(await get(), 'security.lockout_failures').value, 2);
  });

  test('every change is an audit record: who, which setting, old and new value', async () => {
    const db = path.join(server.dataDir, 'tether.db');
    const r = await run('sqlite3', [db, "SELECT actor || '|' || detail FROM audit_log WHERE kind = 'settings.changed'"]);
    const rows = r.stdout.trim().split('\n');
    assert.ok(rows.includes('admin|security.lockout_failures: 5 -> 2'), rows.join('\n'));
    assert.ok(rows.includes('admin|security.password_min_length: 12 -> 30'), rows.join('\n'));
  });

  test('tether settings show and set, through the local socket', async () => {
    const show = await tether(server, ['settings', 'show']);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /security\.lockout_failures\s+2\s+page/);
    const set = await tether(server, ['settings', 'set', 'security.consent.grant_lifetime_seconds', '600']);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(setting(await get(), 'security.consent.grant_lifetime_seconds').value, 600);
    const bad = await tether(server, ['settings', 'set', 'security.lockout_minutes', 'soon']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /security\.lockout_minutes/);
  });

  test('the page\'s values are kept across a restart, over the file\'s', async () => {
    await server.stop();
    server = await startTetherd({ dataDir: path.join(dir, 'data'), args: ['--config', config] });
    admin = await login(server, 'admin', strongPassword);
    const r = await get();
    assert.equal(setting(r, 'security.lockout_failures').value, 2);
    assert.equal(setting(r, 'security.lockout_failures').source, 'page');
    assert.equal(setting(r, 'security.consent.grant_lifetime_seconds').value, 600);
    assert.equal(setting(r, 'security.lockout_window_minutes').source, 'file');
  });
});
