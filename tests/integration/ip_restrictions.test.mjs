// IP restrictions per area against a real tetherd: login, host pages (REST and the viewer
// WebSocket), administration and the relay each refuse addresses their lists refuse with 403
// `forbidden` (the relay with FORBIDDEN) and an audit record; X-Forwarded-For is believed only
// from a trusted proxy and read from its right end, so a client cannot forge its way in; the
// guest page and health stay open; and no list can lock out the local `tether` command.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { login, request, run, setupAdmin, startTetherd, strongPassword, tempDir, tether } from '../lib/tetherd.mjs';
import { CONTROL_KIND, connectRelay, connectViewer, guestHello, parse } from '../lib/wire.mjs';

function startWith(toml) {
  const dir = tempDir();
  const file = path.join(dir, 'tether.toml');
  fs.writeFileSync(file, toml);
  return startTetherd({ dataDir: path.join(dir, 'data'), args: ['--config', file] });
}

const office = '198.51.100.7';  // inside the allowed range
const stranger = '203.0.113.5';
const via = (addr) => ({ 'x-forwarded-for': addr });
const loginBody = { username: 'admin', password: strongPassword };

async function auditRows(server) {
  const r = await run('sqlite3', [path.join(server.dataDir, 'tether.db'),
    "SELECT kind || '|' || source || '|' || detail FROM audit_log WHERE kind = 'ip.refused' ORDER BY id"]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split('\n').filter(Boolean);
}

describe('IP restrictions behind a trusted proxy', () => {
  let server;
  before(async () => {
    // The test connects from 127.0.0.1, which plays the trusted reverse proxy.
    server = await startWith(`
[security.ip]
trusted_proxies = ["127.0.0.1"]
[security.ip.login]
allow = ["198.51.100.0/24"]
[security.ip.host]
allow = ["198.51.100.0/24", "2001:db8::/32"]
block = ["198.51.100.66"]
[security.ip.admin]
block = ["0.0.0.0/0", "::/0"]
[security.ip.relay]
block = ["127.0.0.0/8"]
`);
    await setupAdmin(server);
  });
  after(async () => { await server.stop(); });

  test('login: only the allowed range, as named by the proxy', async () => {
    const direct = await request(server, 'POST', '/api/v1/auth/login', { body: loginBody });
    assert.equal(direct.status, 403, 'the proxy itself is not in the list');
    assert.equal(direct.json.error, 'forbidden');
    const outside = await request(server, 'POST', '/api/v1/auth/login', { body: loginBody, headers: via(stranger) });
    assert.equal(outside.status, 403);
    // A client that writes the allowed address into its own header: the proxy appends the real
    // one, and the rightmost untrusted entry counts.
    const forged = await request(server, 'POST', '/api/v1/auth/login', { body: loginBody, headers: via(`${office}, ${stranger}`) });
    assert.equal(forged.status, 403);
    const inside = await request(server, 'POST', '/api/v1/auth/login', { body: loginBody, headers: via(`${stranger}, ${office}`) });
    assert.equal(inside.status, 200, inside.body);
  });

  test('host pages: the REST API and the viewer WebSocket', async () => {
    const r = await request(server, 'POST', '/api/v1/auth/login', { body: loginBody, headers: via(office) });
    const cookie = r.headers['set-cookie'][0].split(';')[0];
    const headers = { cookie, 'x-csrf-token': r.json.csrf_token };
    const ok = await request(server, 'GET', '/api/v1/sessions', { headers: { ...headers, ...via(office) } });
    assert.equal(ok.status, 200, ok.body);
    const v6 = await request(server, 'GET', '/api/v1/sessions', { headers: { ...headers, ...via('2001:db8::42') } });
    assert.equal(v6.status, 200, v6.body);
    const blocked = await request(server, 'GET', '/api/v1/sessions', { headers: { ...headers, ...via('198.51.100.66') } });
    assert.equal(blocked.status, 403, 'blocked inside the allowed range');
    const direct = await request(server, 'GET', '/api/v1/sessions', { headers });
    assert.equal(direct.status, 403);
    const created = await request(server, 'POST', '/api/v1/sessions',
      { headers: { ...headers, ...via(office) }, body: { type: 'support', name: 'Desk' } });
    assert.equal(created.status, 201, created.body);
    await assert.rejects(connectViewer(server, created.json.session.id, { cookie }), (e) => e.status === 403);
  });

  test('administration is refused to everyone on the network', async () => {
    const r = await request(server, 'GET', '/api/v1/users', { headers: via(office) });
    assert.equal(r.status, 403);
    assert.equal(r.json.error, 'forbidden');
  });

  test('the guest page, its API and health stay open', async () => {
    assert.equal((await request(server, 'GET', '/healthz')).status, 200);
    const join = await request(server, 'POST', '/api/v1/guest/join', { body: { code: '000000' }, headers: via(stranger) });
    assert.notEqual(join.status, 403, join.body);
  });

  test('the relay closes a refused address at accept, before the TLS handshake', async () => {
    await assert.rejects(connectRelay(server), /before secure TLS connection was established|ECONNRESET/);
  });

  test('every refusal is audited, at most once a minute per area and address', async () => {
    for (let i = 0; i < 3; i++) await request(server, 'GET', '/api/v1/users', { headers: via('198.51.100.200') });
    const rows = await auditRows(server);
    assert.ok(rows.some((r) => r.startsWith('ip.refused|127.0.0.1|area=login POST /api/v1/auth/login')), rows.join('\n'));
    assert.ok(rows.some((r) => r.startsWith('ip.refused|127.0.0.1|area=relay')), rows.join('\n'));
    assert.equal(rows.filter((r) => r === 'ip.refused|198.51.100.200|area=admin GET /api/v1/users').length, 1, rows.join('\n'));
  });

  test('the local tether command is never subject to the lists', async () => {
    const status = await tether(server, ['status']);
    assert.equal(status.code, 0, status.stderr);
    const add = await tether(server, ['user', 'add', 'erin', '--password-stdin'], { input: `${strongPassword}\n` });
    assert.equal(add.code, 0, add.stderr);
  });
});

describe('X-Forwarded-For without trusted proxies', () => {
  let server;
  before(async () => {
    server = await startWith('[security.ip.login]\nallow = ["198.51.100.0/24"]\n');
    await setupAdmin(server);
  });
  after(async () => { await server.stop(); });

  test('the relay accepts when its lists allow', async () => {
    const peer = await connectRelay(server);
    peer.send(guestHello('000000'));
    const f = await peer.control(CONTROL_KIND.error);
    assert.equal(parse(parse(f.payload)[5][0])[1][0], 3, 'a wrong code, not a refused address');  // UNAUTHENTICATED
  });

  test('the header is the client\'s own claim and is ignored', async () => {
    const r = await request(server, 'POST', '/api/v1/auth/login', { body: loginBody, headers: via(office) });
    assert.equal(r.status, 403);
    await assert.rejects(login(server, 'admin', strongPassword));
  });
});
