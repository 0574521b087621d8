// Passwords: hashing parameters calibrated at set-up and kept in the database (hashes follow
// them at the next login), the shipped list of common passwords, changing one's own password,
// and the forced change after an administrator set a password — enforced on REST, on the
// viewer WebSocket and on host tokens for the relay.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { login, request, run, setupAdmin, startTetherd, strongPassword, tempDir, tether } from '../lib/tetherd.mjs';
import { connectViewer } from '../lib/wire.mjs';

const sql = async (server, query) => {
  const r = await run('sqlite3', [path.join(server.dataDir, 'tether.db'), query]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
};
const withAuth = (a) => ({ cookie: a.cookie, 'x-csrf-token': a.csrf });

describe('passwords', () => {
  let server;
  const dataDir = tempDir();
  before(async () => {
    server = await startTetherd({ dataDir });
    await setupAdmin(server);
    const add = await tether(server, ['user', 'add', 'bob', '--password-stdin'], { input: strongPassword + '\n' });
    assert.equal(add.code, 0, add.stderr);
  });
  after(async () => { await server.stop(); });

  test('set-up calibrates the Argon2id parameters once, stores them and hashes with them', async () => {
    assert.match(server.stdout + server.stderr, /calibrated password hashing: Argon2id, \d+ passes, \d+ MiB/);
    const ops = Number(await sql(server, "SELECT value FROM settings WHERE key = 'password_hash.ops'"));
    const mem = Number(await sql(server, "SELECT value FROM settings WHERE key = 'password_hash.mem_bytes'"));
    assert.ok(ops >= 2 && ops <= 10, `ops ${ops}`);
    assert.ok(mem >= 16 << 20 && mem <= 64 << 20, `mem ${mem}`);
    const hash = await sql(server, "SELECT password_hash FROM users WHERE username = 'bob'");
    assert.ok(hash.startsWith(`$argon2id$v=19$m=${mem / 1024},t=${ops},p=1$`), hash);
  });

  test('the most common passwords are refused, also when decorated to pass the rules', async () => {
    for (const pw of ['Password1234!', 'Qwerty123456!', '!!Iloveyou2024']) {
      const r = await tether(server, ['user', 'add', 'carol', '--password-stdin'], { input: pw + '\n' });
      assert.equal(r.code, 1, pw);
      assert.match(r.stderr, /most common passwords/, pw);
    }
  });

  test('a user changes their own password: the current one is checked, other sessions end', async () => {
    const first = await login(server, 'bob', strongPassword);
    const second = await login(server, 'bob', strongPassword);
    const wrong = await request(server, 'POST', '/api/v1/auth/password',
      { headers: withAuth(first), body: { current_password: 'Not-The-Password-1', new_password: 'Brand-New-Secret-42' } });
    assert.equal(wrong.status, 403);
    assert.equal(wrong.json.error, 'forbidden');
    const weak = await request(server, 'POST', '/api/v1/auth/password',
      { headers: withAuth(first), body: { current_password: strongPassword, new_password: 'Password1234!' } });
    assert.equal(weak.status, 400);
    const noCsrf = await request(server, 'POST', '/api/v1/auth/password',
      { headers: { cookie: first.cookie }, body: { current_password: strongPassword, new_password: 'Brand-New-Secret-42' } });
    assert.equal(noCsrf.status, 403);
    assert.equal(noCsrf.json.error, 'csrf');
    const ok = await request(server, 'POST', '/api/v1/auth/password',
      { headers: withAuth(first), body: { current_password: strongPassword, new_password: 'Brand-New-Secret-42' } });
    assert.equal(ok.status, 200, ok.body);
    const fresh = ok.headers['set-cookie'][0].split(';')[0];
    assert.notEqual(fresh, first.cookie);
    for (const old of [first.cookie, second.cookie]) {
      assert.equal((await request(server, 'GET', '/api/v1/me', { headers: { cookie: old } })).status, 401);
    }
    assert.equal((await request(server, 'GET', '/api/v1/me', { headers: { cookie: fresh } })).status, 200);
    const oldLogin = await request(server, 'POST', '/api/v1/auth/login', { body: { username: 'bob', password: strongPassword } });
    assert.equal(oldLogin.status, 401);
    await login(server, 'bob', 'Brand-New-Secret-42');
    const audit = await sql(server, "SELECT kind FROM audit_log WHERE actor = 'bob' AND kind LIKE 'password.%' ORDER BY id");
    assert.deepEqual(audit.split('\n'), ['password.change_failure.bad_password', 'password.changed']);
  });

  test('after an administrator sets a password, only the password change works until it is done', async () => {
    const reset = await tether(server, ['user', 'passwd', 'bob', '--password-stdin'], { input: 'Temporary-Pass-123\n' });
    assert.equal(reset.code, 0, reset.stderr);
    const bob = await login(server, 'bob', 'Temporary-Pass-123');
    assert.equal(bob.user.must_change_password, true);
    const admin = await login(server, 'admin', strongPassword);
    const meeting = await request(server, 'POST', '/api/v1/sessions',
      { headers: withAuth(admin), body: { type: 'meeting', name: 'Forced change' } });
    const id = meeting.json.session.id;
    const refused = [
      ['GET', '/api/v1/sessions', undefined], ['POST', '/api/v1/sessions', { type: 'meeting', name: 'x' }],
      ['GET', `/api/v1/sessions/${id}`, undefined], ['POST', `/api/v1/sessions/${id}/host-token`, {}],
      ['POST', `/api/v1/sessions/${id}/end`, {}], ['GET', '/api/v1/session-groups', undefined],
    ];
    for (const [method, target, body] of refused) {
      const r = await request(server, method, target, { headers: withAuth(bob), body });
      assert.equal(r.status, 403, `${method} ${target}`);
      assert.equal(r.json.error, 'password_change_required', `${method} ${target}`);
    }
    await assert.rejects(connectViewer(server, id, { cookie: bob.cookie }), (e) => e.status === 403);
    const me = await request(server, 'GET', '/api/v1/me', { headers: { cookie: bob.cookie } });
    assert.equal(me.status, 200);
    assert.equal(me.json.user.must_change_password, true);
    const same = await request(server, 'POST', '/api/v1/auth/password',
      { headers: withAuth(bob), body: { current_password: 'Temporary-Pass-123', new_password: 'Temporary-Pass-123' } });
    assert.equal(same.status, 400);
    const changed = await request(server, 'POST', '/api/v1/auth/password',
      { headers: withAuth(bob), body: { current_password: 'Temporary-Pass-123', new_password: 'Chosen-By-Bob-77' } });
    assert.equal(changed.status, 200, changed.body);
    assert.equal(changed.json.user.must_change_password, false);
    const after = { cookie: changed.headers['set-cookie'][0].split(';')[0], csrf: changed.json.csrf_token };
    assert.equal((await request(server, 'GET', '/api/v1/sessions', { headers: withAuth(after) })).status, 200);
    const permanent = await tether(server, ['user', 'passwd', 'bob', '--permanent', '--password-stdin'], { input: 'Kept-As-Set-9876\n' });
    assert.equal(permanent.code, 0, permanent.stderr);
    assert.equal((await login(server, 'bob', 'Kept-As-Set-9876')).user.must_change_password, false);
  });

  test('when the stored parameters change, a hash is replaced at the next successful login', async () => {
    await server.stop();
    const ops = Number(await sql(server, "SELECT value FROM settings WHERE key = 'password_hash.ops'"));
    await sql(server, `UPDATE settings SET value = '${ops + 1}' WHERE key = 'password_hash.ops'`);
    server = await startTetherd({ dataDir });
    assert.doesNotMatch(server.stdout + server.stderr, /calibrated password hashing/);
    const before = await sql(server, "SELECT password_hash FROM users WHERE username = 'bob'");
    assert.ok(before.includes(`,t=${ops},`), before);
    await login(server, 'bob', 'Kept-As-Set-9876');
    const afterLogin = await sql(server, "SELECT password_hash FROM users WHERE username = 'bob'");
    assert.ok(afterLogin.includes(`,t=${ops + 1},`), afterLogin);
    await login(server, 'bob', 'Kept-As-Set-9876');
  });
});
