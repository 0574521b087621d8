// API tokens for automation: made by REST and by `tether token create`, used with
// `Authorization: Bearer` and no CSRF header, limited to their scope and to the owner's role,
// expiring, shown once and stored only as a hash, revoked by their owner, by an administrator
// and with the user (`tether user revoke`, disable, delete — the refusal after `user revoke` is
// measured). A request carrying both a cookie and a wrong Bearer token is refused, not served by
// the cookie; wrong tokens lock the address like failed logins.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { addUser, login, request, run, startWithConfig, strongPassword, tether } from '../lib/tetherd.mjs';

const withAuth = (a) => ({ cookie: a.cookie, 'x-csrf-token': a.csrf });
const bearer = (secret) => ({ authorization: `Bearer ${secret}` });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function makeToken(server, auth, body) {
  const r = await request(server, 'POST', '/api/v1/tokens', { headers: withAuth(auth), body });
  assert.equal(r.status, 201, r.body);
  return r.json;
}

async function auditKinds(server) {
  const r = await run('sqlite3', [path.join(server.dataDir, 'tether.db'), 'SELECT kind FROM audit_log']);
  return r.stdout.trim().split('\n');
}

// A WebSocket upgrade with the token: the HTTP status the server answers (101 when accepted).
function upgradeStatus(server, target, headers) {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port: server.webPort, path: target, ca: server.ca, checkServerIdentity: () => undefined,
      headers: {
        connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', origin: `https://127.0.0.1:${server.webPort}`,
        host: `127.0.0.1:${server.webPort}`, ...headers,
      },
    });
    req.on('upgrade', (res, socket) => { socket.destroy(); resolve(res.statusCode); });
    req.on('response', (res) => { res.resume(); resolve(res.statusCode); });
    req.on('error', reject);
    req.end();
  });
}

describe('API tokens', () => {
  let server, admin, hazel;
  before(async () => {
    // Tokens of a few seconds only with this test setting; the production floor is an hour.
    server = await startWithConfig('[security]\nlockout_address_failures = 100000\napi_token_min_seconds = 2\n');
    await addUser(server, 'hazel');
    await addUser(server, 'ivan');
    await addUser(server, 'june');
    admin = await login(server, 'admin', strongPassword);
    hazel = await login(server, 'hazel', strongPassword);
  });
  after(async () => { await server.stop(); });

  test('made by REST: secret shown once, never listed, not in the database file', async () => {
    const made = await makeToken(server, hazel, { name: 'ci', scope: ['ViewSessionGroup', 'CreateSupportSession'], expires_days: 30 });
    assert.match(made.secret, /^tth_[A-Za-z0-9_-]{43}$/);
    assert.equal(made.token.user, 'hazel');
    assert.deepEqual(made.token.scope, ['ViewSessionGroup', 'CreateSupportSession']);
    assert.equal(made.token.hint, 'tth_...' + made.secret.slice(-4));
    const days = (made.token.expires_at - made.token.created_at) / 86400;
    assert.equal(days, 30);
    const list = await request(server, 'GET', '/api/v1/tokens', { headers: { cookie: hazel.cookie } });
    assert.equal(list.status, 200);
    assert.equal(list.json.tokens.length, 1);
    assert.ok(!list.body.includes(made.secret.slice(4)), 'the list never shows the secret');
    assert.ok(list.json.permissions.includes('JoinSession'));
    const cli = await tether(server, ['token', 'list', '--json']);
    assert.ok(!cli.stdout.includes(made.secret.slice(4)));
    for (const f of fs.readdirSync(server.dataDir).filter((n) => n.startsWith('tether.db'))) {
      const bytes = fs.readFileSync(path.join(server.dataDir, f));
      assert.ok(!bytes.includes(made.secret), `${f} holds the secret`);
      assert.ok(!bytes.includes(made.secret.slice(4)), `${f} holds the secret's random part`);
    }
  });

  test('used with Bearer and no CSRF header; scope and role both limit it', async () => {
    const made = await makeToken(server, hazel, { name: 'ops', scope: ['ViewSessionGroup', 'CreateSupportSession', 'Administer'], expires_days: 1 });
    const list = await request(server, 'GET', '/api/v1/sessions', { headers: bearer(made.secret) });
    assert.equal(list.status, 200, list.body);
    const created = await request(server, 'POST', '/api/v1/sessions',
      { headers: bearer(made.secret), body: { type: 'support', name: 'From a script' } });
    assert.equal(created.status, 201, created.body);
    assert.equal(created.json.session.created_by, 'hazel');
    const end = await request(server, 'POST', `/api/v1/sessions/${encodeURIComponent(created.json.session.id)}/end`,
      { headers: bearer(made.secret), body: {} });
    assert.equal(end.status, 403, 'EndSession is outside the scope');
    assert.equal(end.json.error, 'forbidden');
    assert.match(end.json.message, /EndSession/);
    // Administer is in the scope but not in the Host role.
    const settings = await request(server, 'GET', '/api/v1/settings/security', { headers: bearer(made.secret) });
    assert.equal(settings.status, 403);
    const me = await request(server, 'GET', '/api/v1/me', { headers: bearer(made.secret) });
    assert.equal(me.status, 200);
    assert.equal(me.json.user.username, 'hazel');
    const listed = (await request(server, 'GET', '/api/v1/tokens', { headers: { cookie: hazel.cookie } })).json.tokens
      .find((t) => t.id === made.token.id);
    assert.equal(listed.last_used_from, '127.0.0.1');
    assert.ok(listed.last_used_at > 0);
    const kinds = await auditKinds(server);
    assert.ok(kinds.includes('token.created') && kinds.includes('token.used_new_address'), kinds.join(','));
  });

  test('a token cannot make tokens, sign in, change the password or enrol two-factor', async () => {
    const made = await makeToken(server, admin, { name: 'all', scope: ['Administer', 'ViewSessionGroup'], expires_days: 1 });
    const attempts = [
      ['POST', '/api/v1/tokens', { name: 'x', scope: ['Administer'], expires_days: 1 }],
      ['GET', '/api/v1/tokens'],
      ['DELETE', `/api/v1/tokens/${made.token.id}`],
      ['POST', '/api/v1/auth/password', { current_password: strongPassword, new_password: 'Another-Horse-8-Battery' }],
      ['POST', '/api/v1/auth/totp/enrol', {}],
      ['POST', '/api/v1/auth/logout', {}],
      ['POST', '/api/v1/auth/login', { username: 'admin', password: strongPassword }],
    ];
    for (const [method, target, body] of attempts) {
      const r = await request(server, method, target, { headers: bearer(made.secret), body });
      assert.equal(r.status, 403, `${method} ${target}: ${r.status} ${r.body}`);
      assert.equal(r.json.error, 'forbidden');
    }
    const still = await request(server, 'GET', '/api/v1/sessions', { headers: bearer(made.secret) });
    assert.equal(still.status, 200, 'the token still works and was not revoked');
  });

  test('a cookie with a wrong Bearer token is refused, not served by the cookie', async () => {
    const wrong = 'tth_' + 'B'.repeat(43);
    for (const headers of [{ ...withAuth(admin), ...bearer(wrong) }, { cookie: admin.cookie, authorization: 'Basic YWRtaW46eA==' },
      { cookie: admin.cookie, authorization: 'Bearer' }]) {
      const r = await request(server, 'POST', '/api/v1/sessions', { headers, body: { type: 'support', name: 'Smuggled' } });
      assert.equal(r.status, 401, `${JSON.stringify(headers.authorization)}: ${r.status} ${r.body}`);
      const g = await request(server, 'GET', '/api/v1/sessions', { headers });
      assert.equal(g.status, 401);
    }
    // A cookie without CSRF does not become valid through a Bearer token of someone else either:
    // the token alone decides, with its own (smaller) rights.
    const made = await makeToken(server, hazel, { name: 'view', scope: ['ViewSessionGroup'], expires_days: 1 });
    const r = await request(server, 'POST', '/api/v1/session-groups',
      { headers: { cookie: admin.cookie, ...bearer(made.secret) }, body: { name: 'Sneaky' } });
    assert.equal(r.status, 403, r.body);
    const sessions = (await request(server, 'GET', '/api/v1/sessions', { headers: { cookie: admin.cookie } })).json.sessions;
    assert.ok(!sessions.some((s) => s.name === 'Smuggled'));
  });

  test('made by the CLI; revoked by the CLI, by the owner and by an administrator', async () => {
    const made = await tether(server, ['token', 'create', '--user', 'ivan', '--name', 'backup', '--scope',
      'ViewSessionGroup,EndSession', '--expires-days', '7']);
    assert.equal(made.code, 0, made.stderr);
    const secret = made.stdout.trim();
    assert.match(secret, /^tth_[A-Za-z0-9_-]{43}$/);
    assert.match(made.stderr, /shown only once/);
    const listed = JSON.parse((await tether(server, ['--json', 'token', 'list', '--user', 'ivan'])).stdout).tokens;
    assert.equal(listed.length, 1);
    assert.deepEqual(listed[0].scope, ['ViewSessionGroup', 'EndSession']);
    assert.equal((await request(server, 'GET', '/api/v1/sessions', { headers: bearer(secret) })).status, 200);
    assert.equal((await tether(server, ['token', 'revoke', listed[0].id])).code, 0);
    assert.equal((await request(server, 'GET', '/api/v1/sessions', { headers: bearer(secret) })).status, 401);
    for (const bad of [['--scope', '', '--expires-days', '7'], ['--scope', 'Nope', '--expires-days', '7'],
      ['--scope', 'EndSession', '--expires-days', '366']]) {
      const r = await tether(server, ['token', 'create', '--user', 'ivan', '--name', 'bad', ...bad]);
      assert.notEqual(r.code, 0, bad.join(' '));
    }

    // The owner revokes over REST; another Host cannot see or revoke it; an administrator can.
    const own = await makeToken(server, hazel, { name: 'mine', scope: ['ViewSessionGroup'], expires_days: 1 });
    const june = await login(server, 'june', strongPassword);
    assert.equal((await request(server, 'DELETE', `/api/v1/tokens/${own.token.id}`, { headers: withAuth(june) })).status, 404);
    assert.equal((await request(server, 'GET', '/api/v1/tokens?user=hazel', { headers: { cookie: june.cookie } })).status, 403);
    const adminView = await request(server, 'GET', '/api/v1/tokens?user=hazel', { headers: { cookie: admin.cookie } });
    assert.ok(adminView.json.tokens.some((t) => t.id === own.token.id));
    assert.equal((await request(server, 'DELETE', `/api/v1/tokens/${own.token.id}`, { headers: withAuth(hazel) })).status, 204);
    assert.equal((await request(server, 'GET', '/api/v1/me', { headers: bearer(own.secret) })).status, 401);
    const other = await makeToken(server, hazel, { name: 'theirs', scope: ['ViewSessionGroup'], expires_days: 1 });
    assert.equal((await request(server, 'DELETE', `/api/v1/tokens/${other.token.id}`, { headers: withAuth(admin) })).status, 204);
    assert.equal((await request(server, 'GET', '/api/v1/me', { headers: bearer(other.secret) })).status, 401);
    assert.ok((await auditKinds(server)).includes('token.revoked'));
  });

  test("administrators make tokens for others and list every user's; others cannot", async () => {
    const forJune = await makeToken(server, admin, { user: 'june', name: 'for june', scope: ['ViewSessionGroup'], expires_days: 1 });
    assert.equal(forJune.token.user, 'june');
    const me = await request(server, 'GET', '/api/v1/me', { headers: bearer(forJune.secret) });
    assert.equal(me.json.user.username, 'june');
    assert.equal(me.json.user.administer, false);
    assert.equal((await request(server, 'GET', '/api/v1/me', { headers: { cookie: admin.cookie } })).json.user.administer, true);
    const all = await request(server, 'GET', '/api/v1/tokens?all=true', { headers: { cookie: admin.cookie } });
    assert.equal(all.status, 200, all.body);
    const owners = new Set(all.json.tokens.map((t) => t.user));
    assert.ok(owners.has('june') && owners.has('hazel') && owners.has('admin'), [...owners].join(','));
    assert.ok(all.json.tokens.some((t) => t.id === forJune.token.id));
    // A Host neither lists everyone's nor makes a token for someone else.
    const refused = await request(server, 'GET', '/api/v1/tokens?all=true', { headers: { cookie: hazel.cookie } });
    assert.equal(refused.status, 403, refused.body);
    const other = await request(server, 'POST', '/api/v1/tokens',
      { headers: withAuth(hazel), body: { user: 'june', name: 'sneaky', scope: ['ViewSessionGroup'], expires_days: 1 } });
    assert.equal(other.status, 403, other.body);
    assert.ok(!(await request(server, 'GET', '/api/v1/tokens?all=true', { headers: { cookie: admin.cookie } }))
      .json.tokens.some((t) => t.name === 'sneaky'));
    for (const q of ['all=yes', 'all=true&user=june']) {
      assert.equal((await request(server, 'GET', `/api/v1/tokens?${q}`, { headers: { cookie: admin.cookie } })).status, 400, q);
    }
  });

  test('a user who must change their password cannot use a token until they have', async () => {
    const reset = await tether(server, ['user', 'passwd', 'june', '--password-stdin'], { input: 'Temporary-Horse-7-Battery\n' });
    assert.equal(reset.code, 0, reset.stderr);
    const made = await tether(server, ['token', 'create', '--user', 'june', '--name', 'early', '--scope', 'ViewSessionGroup',
      '--expires-days', '1']);
    assert.equal(made.code, 0, made.stderr);
    const r = await request(server, 'GET', '/api/v1/sessions', { headers: bearer(made.stdout.trim()) });
    assert.equal(r.status, 403, r.body);
    assert.equal(r.json.error, 'password_change_required');
  });

  test('expiry is required and bounded, and an expired token is refused', async () => {
    for (const body of [{ name: 'x', scope: ['ViewSessionGroup'] }, { name: 'x', scope: ['ViewSessionGroup'], expires_days: 366 },
      { name: 'x', scope: [], expires_days: 1 }, { name: 'x', scope: ['ViewSessionGroup'], expires_seconds: 1 }]) {
      const r = await request(server, 'POST', '/api/v1/tokens', { headers: withAuth(hazel), body });
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.body}`);
    }
    const made = await makeToken(server, hazel, { name: 'short', scope: ['ViewSessionGroup'], expires_seconds: 2 });
    assert.equal((await request(server, 'GET', '/api/v1/sessions', { headers: bearer(made.secret) })).status, 200);
    await sleep(2100);
    const r = await request(server, 'GET', '/api/v1/sessions', { headers: bearer(made.secret) });
    assert.equal(r.status, 401, r.body);
  });

  test('the viewer WebSocket needs JoinSession in the scope', async () => {
    const s = await request(server, 'POST', '/api/v1/sessions', { headers: withAuth(hazel), body: { type: 'support', name: 'Watch' } });
    const target = `/api/v1/sessions/${encodeURIComponent(s.json.session.id)}/connect`;
    const view = await makeToken(server, hazel, { name: 'view', scope: ['ViewSessionGroup'], expires_days: 1 });
    const join = await makeToken(server, hazel, { name: 'join', scope: ['JoinSession'], expires_days: 1 });
    assert.equal(await upgradeStatus(server, target, bearer(view.secret)), 403);
    assert.equal(await upgradeStatus(server, target, bearer('tth_' + 'C'.repeat(43))), 401);
    assert.equal(await upgradeStatus(server, target, bearer(join.secret)), 101);
  });

  test('user revoke, disable and delete end the tokens; the refusal after revoke is measured', async () => {
    const spans = [];
    for (let i = 0; i < 3; ++i) {
      const made = await makeToken(server, admin, { user: 'ivan', name: `r${i}`, scope: ['ViewSessionGroup'], expires_days: 1 });
      assert.equal((await request(server, 'GET', '/api/v1/sessions', { headers: bearer(made.secret) })).status, 200);
      const start = process.hrtime.bigint();
      const r = await tether(server, ['user', 'revoke', 'ivan']);
      assert.equal(r.code, 0, r.stderr);
      const next = await request(server, 'GET', '/api/v1/sessions', { headers: bearer(made.secret) });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      assert.equal(next.status, 401, 'the next Bearer request after tether user revoke');
      spans.push(ms);
    }
    const worst = Math.max(...spans);
    console.log(`tether user revoke -> next Bearer request refused: ${spans.map((x) => x.toFixed(1)).join(', ')} ms (worst ${worst.toFixed(1)} ms)`);
    assert.ok(worst < 1000, `refused within one second (worst ${worst} ms)`);

    const d = await makeToken(server, admin, { user: 'ivan', name: 'd', scope: ['ViewSessionGroup'], expires_days: 1 });
    assert.equal((await tether(server, ['user', 'disable', 'ivan'])).code, 0);
    assert.equal((await request(server, 'GET', '/api/v1/sessions', { headers: bearer(d.secret) })).status, 401);
    assert.equal((await tether(server, ['user', 'enable', 'ivan'])).code, 0);
    assert.equal((await request(server, 'GET', '/api/v1/sessions', { headers: bearer(d.secret) })).status, 401,
      'enabling again does not bring the token back');
    const e = await makeToken(server, admin, { user: 'ivan', name: 'e', scope: ['ViewSessionGroup'], expires_days: 1 });
    assert.equal((await tether(server, ['user', 'delete', 'ivan'])).code, 0);
    assert.equal((await request(server, 'GET', '/api/v1/sessions', { headers: bearer(e.secret) })).status, 401);
    assert.equal(JSON.parse((await tether(server, ['--json', 'token', 'list'])).stdout).tokens.filter((t) => t.user === 'ivan').length, 0);
  });
});

describe('API tokens and the api IP area', () => {
  let server;
  before(async () => { server = await startWithConfig('[security.ip.api]\nblock = ["127.0.0.0/8"]\n'); });
  after(async () => { await server.stop(); });

  test('a token from a refused address is refused, however the scheme is spelt; the panel still works', async () => {
    const made = await tether(server, ['token', 'create', '--user', 'admin', '--name', 'blocked', '--scope', 'ViewSessionGroup',
      '--expires-days', '1']);
    const secret = made.stdout.trim();
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const r = await request(server, 'GET', '/api/v1/sessions', { headers: { authorization: `${scheme} ${secret}` } });
      assert.equal(r.status, 403, `${scheme}: ${r.body}`);
    }
    const admin = await login(server, 'admin', strongPassword);
    assert.equal((await request(server, 'GET', '/api/v1/sessions', { headers: { cookie: admin.cookie } })).status, 200);
  });
});

describe('API tokens and the production bounds', () => {
  let server;
  before(async () => { server = await startWithConfig('[security]\nlockout_address_failures = 3\n'); });
  after(async () => { await server.stop(); });

  test('a lifetime under an hour is refused by default', async () => {
    const admin = await login(server, 'admin', strongPassword);
    const r = await request(server, 'POST', '/api/v1/tokens',
      { headers: withAuth(admin), body: { name: 'x', scope: ['ViewSessionGroup'], expires_seconds: 60 } });
    assert.equal(r.status, 400, r.body);
  });

  test('wrong tokens lock the address like failed logins', async () => {
    const made = await tether(server, ['token', 'create', '--user', 'admin', '--name', 'good', '--scope', 'ViewSessionGroup',
      '--expires-days', '1']);
    const secret = made.stdout.trim();
    for (let i = 0; i < 3; ++i) {
      const r = await request(server, 'GET', '/api/v1/sessions', { headers: bearer('tth_' + String(i).repeat(43)) });
      assert.equal(r.status, 401);
    }
    const locked = await request(server, 'GET', '/api/v1/sessions', { headers: bearer(secret) });
    assert.equal(locked.status, 401, 'the right token is refused from a locked address');
    const loginNow = await request(server, 'POST', '/api/v1/auth/login', { body: { username: 'admin', password: strongPassword } });
    assert.equal(loginNow.status, 401, 'and so is a login');
    assert.ok((await auditKinds(server)).includes('token.failure'));
    assert.equal((await tether(server, ['unlock-address', '127.0.0.1'])).code, 0);
    assert.equal((await request(server, 'GET', '/api/v1/sessions', { headers: bearer(secret) })).status, 200);
  });
});
