// Lockout: failed logins are limited per account and per source address; a locked account gets
// the same answer, after the same work, as an unknown user and a wrong password (the timing is
// measured here: an answer given without the Argon2id run would be about 100 times faster);
// an administrator can unlock; the audit log tells the kinds of failure apart.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { addUser, login, request, run, startWithConfig, strongPassword, tether } from '../lib/tetherd.mjs';

const withAuth = (a) => ({ cookie: a.cookie, 'x-csrf-token': a.csrf });

async function timedLogin(server, username, password) {
  const start = process.hrtime.bigint();
  const r = await request(server, 'POST', '/api/v1/auth/login', { body: { username, password } });
  return { r, ms: Number(process.hrtime.bigint() - start) / 1e6 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function auditKinds(server) {
  const r = await run('sqlite3', [path.join(server.dataDir, 'tether.db'), 'SELECT kind FROM audit_log']);
  return r.stdout.trim().split('\n');
}

describe('lockout per account', () => {
  let server;
  before(async () => {
    server = await startWithConfig('[security]\nlockout_failures = 3\nlockout_address_failures = 100000\n' +
      'lockout_window_minutes = 15\nlockout_minutes = 15\n');
    for (let i = 0; i < 8; ++i) await addUser(server, `user${i}`);
    await addUser(server, 'victim');
    await addUser(server, 'carol');
  });
  after(async () => { await server.stop(); });

  test('unknown user, wrong password and locked account: same answer, same time', async () => {
    const samples = { unknown: [], wrong: [], locked: [] };
    const bodies = new Set();
    for (let i = 0; i < 3; ++i) await timedLogin(server, 'victim', 'Wrong-Password-00');  // locks it
    for (let round = 0; round < 2; ++round) {
      for (let i = 0; i < 8; ++i) {
        const u = await timedLogin(server, `nobody-${round}-${i}`, 'Wrong-Password-00');
        const w = await timedLogin(server, `user${i}`, 'Wrong-Password-00');
        // The locked account is refused even with its right password.
        const l = await timedLogin(server, 'victim', i % 2 ? strongPassword : 'Wrong-Password-00');
        for (const [kind, { r, ms }] of [['unknown', u], ['wrong', w], ['locked', l]]) {
          assert.equal(r.status, 401, kind);
          bodies.add(r.body);
          samples[kind].push(ms);
        }
      }
    }
    assert.equal(bodies.size, 1, [...bodies].join(' | '));
    const medians = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
    const ratio = Math.max(...Object.values(medians)) / Math.min(...Object.values(medians));
    console.log(`login medians (ms): ${JSON.stringify(medians)}; max/min ${ratio.toFixed(2)}`);
    // Equal work gives a ratio near 1; skipping the hash for any one kind gives ~100.
    assert.ok(ratio < 3, `medians ${JSON.stringify(medians)}`);
    const kinds = await auditKinds(server);
    for (const k of ['login.failure.unknown_user', 'login.failure.bad_password', 'login.failure.locked']) {
      assert.ok(kinds.includes(k), k);
    }
  });

  test('a success resets the count; the lock holds until an administrator lifts it', async () => {
    await timedLogin(server, 'carol', 'Wrong-Password-00');
    await timedLogin(server, 'carol', 'Wrong-Password-00');
    await login(server, 'carol', strongPassword);  // two failures, then a success: count cleared
    for (let i = 0; i < 2; ++i) await timedLogin(server, 'CAROL', 'Wrong-Password-00');
    assert.equal((await timedLogin(server, 'carol', strongPassword)).r.status, 200);
    for (let i = 0; i < 3; ++i) await timedLogin(server, 'Carol', 'Wrong-Password-00');  // names match ignoring case
    assert.equal((await timedLogin(server, 'carol', strongPassword)).r.status, 401);
    const unlock = await tether(server, ['user', 'unlock', 'carol']);
    assert.equal(unlock.code, 0, unlock.stderr);
    assert.equal((await timedLogin(server, 'carol', strongPassword)).r.status, 200);
  });

  test('unlock over REST needs an administrator', async () => {
    for (let i = 0; i < 3; ++i) await timedLogin(server, 'carol', 'Wrong-Password-00');
    const host = await login(server, 'user0', strongPassword);
    const refused = await request(server, 'POST', '/api/v1/users/carol/unlock', { headers: withAuth(host), body: {} });
    assert.equal(refused.status, 403);
    assert.equal((await timedLogin(server, 'carol', strongPassword)).r.status, 401);
    const admin = await login(server, 'admin', strongPassword);
    const noCsrf = await request(server, 'POST', '/api/v1/users/carol/unlock', { headers: { cookie: admin.cookie }, body: {} });
    assert.equal(noCsrf.status, 403);
    const missing = await request(server, 'POST', '/api/v1/users/nobody/unlock', { headers: withAuth(admin), body: {} });
    assert.equal(missing.status, 404);
    const ok = await request(server, 'POST', '/api/v1/users/carol/unlock', { headers: withAuth(admin), body: {} });
    assert.equal(ok.status, 204);
    assert.equal((await timedLogin(server, 'carol', strongPassword)).r.status, 200);
    assert.ok((await auditKinds(server)).includes('user.unlocked'));
  });
});

describe('lockout per source address', () => {
  let server;
  before(async () => {
    server = await startWithConfig('[security]\nlockout_failures = 100\nlockout_address_failures = 4\n');
  });
  after(async () => { await server.stop(); });

  test('failures spread over many names lock the address, for every account', async () => {
    for (let i = 0; i < 4; ++i) {
      assert.equal((await timedLogin(server, `spray${i}`, 'Wrong-Password-00')).r.status, 401);
    }
    const blocked = await timedLogin(server, 'admin', strongPassword);
    assert.equal(blocked.r.status, 401);
    assert.equal(blocked.r.json.error, 'invalid_credentials');
    const unlock = await tether(server, ['unlock-address', '127.0.0.1']);
    assert.equal(unlock.code, 0, unlock.stderr);
    assert.equal((await timedLogin(server, 'admin', strongPassword)).r.status, 200);
    const kinds = await auditKinds(server);
    assert.ok(kinds.includes('address.unlocked'));
    assert.ok(kinds.includes('login.failure.locked'));
  });
});
