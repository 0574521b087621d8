// Two-factor authentication (TOTP, RFC 6238) against a real authenticator: oathtool computes the
// codes. Enrolment with a server-drawn QR code, confirmation, the one-step window, replay of a
// used code refused, single-use recovery codes, secrets sealed at rest and never shown again,
// the policy enforced on the server, and an administrator's reset.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { login, request, run, setupAdmin, startTetherd, strongPassword, tempDir, tether } from '../lib/tetherd.mjs';

const withAuth = (a) => ({ cookie: a.cookie, 'x-csrf-token': a.csrf });
const cookieOf = (r) => r.headers['set-cookie'][0].split(';')[0];

// The code of the current step, or of the step `offsetSteps` away, from oathtool.
async function oathtool(secret, offsetSteps = 0) {
  const now = Math.floor(Date.now() / 1000) + offsetSteps * 30;
  const r = await run('oathtool', ['--totp', '-b', `--now=@${now}`, secret]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

async function sql(server, query) {
  const r = await run('sqlite3', [path.join(server.dataDir, 'tether.db'), query]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

const loginWith = (server, body) => request(server, 'POST', '/api/v1/auth/login', { body });

describe('two-factor authentication', () => {
  let server;
  let secret;
  let recovery;
  before(async () => {
    const dir = tempDir();
    const config = path.join(dir, 'tetherd.toml');
    // Failed codes count towards lockout; this test makes more than five on purpose.
    fs.writeFileSync(config, '[security]\ntwo_factor = "administrators"\nlockout_failures = 100\nlockout_address_failures = 1000\n');
    server = await startTetherd({ dataDir: path.join(dir, 'data'), args: ['--config', config] });
    await setupAdmin(server);
    const add = await tether(server, ['user', 'add', 'bob', '--password-stdin'], { input: strongPassword + '\n' });
    assert.equal(add.code, 0, add.stderr);
  });
  after(async () => { await server.stop(); });

  test('the policy holds an administrator without two-factor to enrolment; others are free', async () => {
    const admin = await login(server, 'admin', strongPassword);
    assert.equal(admin.user.two_factor_required, true);
    assert.equal(admin.user.two_factor_enabled, false);
    const list = await request(server, 'GET', '/api/v1/sessions', { headers: withAuth(admin) });
    assert.equal(list.status, 403);
    assert.equal(list.json.error, 'two_factor_required');
    const create = await request(server, 'POST', '/api/v1/sessions', { headers: withAuth(admin), body: { type: 'meeting', name: 'x' } });
    assert.equal(create.status, 403);
    const bob = await login(server, 'bob', strongPassword);
    assert.equal(bob.user.two_factor_required, false);
    assert.equal((await request(server, 'GET', '/api/v1/sessions', { headers: withAuth(bob) })).status, 200);
  });

  test('enrolment: a QR code drawn by the server, a first code from the app turns it on', async () => {
    const admin = await login(server, 'admin', strongPassword);
    const e = await request(server, 'POST', '/api/v1/auth/totp/enrol', { headers: withAuth(admin), body: {} });
    assert.equal(e.status, 200, e.body);
    secret = e.json.secret;
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.equal(e.json.uri, `otpauth://totp/Tether:admin?secret=${secret}&issuer=Tether&algorithm=SHA1&digits=6&period=30`);
    assert.match(e.json.qr_svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 \d+ \d+"/);
    const wrongCode = String((Number(await oathtool(secret)) + 1) % 1000000).padStart(6, '0');
    const wrong = await request(server, 'POST', '/api/v1/auth/totp/confirm', { headers: withAuth(admin), body: { code: wrongCode } });
    assert.equal(wrong.status, 400);
    const ok = await request(server, 'POST', '/api/v1/auth/totp/confirm', { headers: withAuth(admin), body: { code: await oathtool(secret) } });
    assert.equal(ok.status, 200, ok.body);
    recovery = ok.json.recovery_codes;
    assert.equal(recovery.length, 10);
    assert.equal(new Set(recovery).size, 10);
    for (const c of recovery) assert.match(c, /^[a-z2-9]{5}-[a-z2-9]{5}$/);
    // The session id changes: the one used for enrolment has ended (web_hardening.test.mjs).
    const rotated = { cookie: ok.headers['set-cookie'][0].split(';')[0], csrf: ok.json.csrf_token };
    assert.equal((await request(server, 'GET', '/api/v1/me', { headers: { cookie: admin.cookie } })).status, 401);
    // Never shown again: a second enrolment is refused while it is on.
    const again = await request(server, 'POST', '/api/v1/auth/totp/enrol', { headers: withAuth(rotated), body: {} });
    assert.equal(again.status, 409);
    const me = await request(server, 'GET', '/api/v1/me', { headers: { cookie: rotated.cookie } });
    assert.equal(me.json.user.two_factor_enabled, true);
    assert.ok(!me.body.includes(secret));
  });

  test('the secret and the recovery codes are not stored or logged in the clear', async () => {
    const row = await sql(server, "SELECT totp_secret || '|' || recovery_codes FROM users WHERE username = 'admin'");
    assert.ok(!row.includes(secret));
    assert.match(row.split('|')[0], /^[A-Za-z0-9+/]{40,}={0,2}$/);  // sealed: nonce, MAC and ciphertext
    for (const c of recovery) assert.ok(!row.includes(c) && !row.includes(c.replace('-', '')));
    assert.equal(row.split('|')[1].split(',').length, 10);
    const logs = server.stdout + server.stderr;
    assert.ok(!logs.includes(secret));
    for (const c of recovery) assert.ok(!logs.includes(c));
  });

  test('login needs a code; a used step and older ones are refused (replay)', async () => {
    const noCode = await loginWith(server, { username: 'admin', password: strongPassword });
    assert.equal(noCode.status, 401);
    assert.equal(noCode.json.error, 'otp_required');
    const badPassword = await loginWith(server, { username: 'admin', password: 'Wrong-Password-99', otp: await oathtool(secret, 1) });
    assert.equal(badPassword.json.error, 'invalid_credentials');
    // The next step's code is inside the window (and later than the step used to confirm).
    const next = await oathtool(secret, 1);
    const ok = await loginWith(server, { username: 'admin', password: strongPassword, otp: next });
    assert.equal(ok.status, 200, ok.body);
    const replay = await loginWith(server, { username: 'admin', password: strongPassword, otp: next });
    assert.equal(replay.status, 401);
    assert.equal(replay.json.error, 'invalid_otp');
    const older = await loginWith(server, { username: 'admin', password: strongPassword, otp: await oathtool(secret, 0) });
    assert.equal(older.json.error, 'invalid_otp');
    const far = await loginWith(server, { username: 'admin', password: strongPassword, otp: await oathtool(secret, 3) });
    assert.equal(far.json.error, 'invalid_otp');
    const auth = { cookie: cookieOf(ok), csrf: ok.json.csrf_token };
    assert.equal((await request(server, 'GET', '/api/v1/sessions', { headers: withAuth(auth) })).status, 200);
  });

  test('a recovery code logs in once', async () => {
    const first = await loginWith(server, { username: 'admin', password: strongPassword, otp: recovery[0].toUpperCase() });
    assert.equal(first.status, 200, first.body);
    const second = await loginWith(server, { username: 'admin', password: strongPassword, otp: recovery[0] });
    assert.equal(second.json.error, 'invalid_otp');
    const left = await sql(server, "SELECT recovery_codes FROM users WHERE username = 'admin'");
    assert.equal(left.split(',').length, 9);
    const kinds = (await sql(server, "SELECT kind FROM audit_log WHERE actor = 'admin'")).split('\n');
    for (const k of ['two_factor.enabled', 'login.failure.otp_missing', 'login.failure.bad_otp', 'login.recovery_code_used']) {
      assert.ok(kinds.includes(k), k);
    }
  });

  test('turning it off needs the password; an administrator can reset it', async () => {
    const r = await loginWith(server, { username: 'admin', password: strongPassword, otp: recovery[1] });
    const admin = { cookie: cookieOf(r), csrf: r.json.csrf_token };
    const wrong = await request(server, 'POST', '/api/v1/auth/totp/disable', { headers: withAuth(admin), body: { password: 'Not-It-At-All-1' } });
    assert.equal(wrong.status, 403);
    const reset = await tether(server, ['user', 'reset-2fa', 'admin']);
    assert.equal(reset.code, 0, reset.stderr);
    const plain = await login(server, 'admin', strongPassword);
    assert.equal(plain.user.two_factor_enabled, false);
    // The policy applies again.
    assert.equal((await request(server, 'GET', '/api/v1/sessions', { headers: withAuth(plain) })).json.error, 'two_factor_required');
  });

  test('an unknown policy value stops start-up with the setting named', async () => {
    const dir = tempDir();
    const config = path.join(dir, 'bad.toml');
    fs.writeFileSync(config, '[security]\ntwo_factor = "sometimes"\n');
    await assert.rejects(startTetherd({ dataDir: path.join(dir, 'data'), args: ['--config', config] }),
      /security\.two_factor: must be off, administrators or everyone/);
  });
});
