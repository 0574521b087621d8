// The web server's basics: login and logout with a hardened cookie, CSRF and Origin checks,
// security headers on every response, size limits, health, metrics and the OpenAPI document.
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { login, request, setupAdmin, startTetherd, strongPassword, tether } from '../lib/tetherd.mjs';

const SECURITY_HEADERS = {
  'content-security-policy': /default-src 'self'.*script-src 'self'.*frame-ancestors 'none'/,
  'strict-transport-security': /max-age=\d{7,}/,
  'x-content-type-options': /^nosniff$/,
  'x-frame-options': /^DENY$/,
  'referrer-policy': /^no-referrer$/,
};

function assertSecurityHeaders(r, what) {
  for (const [name, re] of Object.entries(SECURITY_HEADERS)) {
    assert.match(r.headers[name] || '', re, `${what}: ${name}`);
  }
  assert.doesNotMatch(r.headers['content-security-policy'], /unsafe-inline|unsafe-eval/, what);
}

// Writes raw bytes on a TLS connection and returns everything the server sends until it closes.
function rawExchange(server, bytes) {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ host: '127.0.0.1', port: server.webPort, ca: server.ca, checkServerIdentity: () => undefined },
      () => sock.write(bytes));
    let data = '';
    sock.on('data', (d) => { data += d; });
    sock.on('end', () => resolve(data));
    sock.on('error', (e) => (data ? resolve(data) : reject(e)));
  });
}

describe('web server', () => {
  let server;
  before(async () => {
    server = await startTetherd();
    await setupAdmin(server);
    const add = await tether(server, ['user', 'add', 'bob', '--role', 'Host', '--password-stdin'], { input: strongPassword + '\n' });
    assert.equal(add.code, 0, add.stderr);
  });
  after(async () => { await server.stop(); });

  test('login sets a __Host- cookie that is HttpOnly, Secure and SameSite=Strict', async () => {
    const r = await request(server, 'POST', '/api/v1/auth/login', { body: { username: 'admin', password: strongPassword } });
    assert.equal(r.status, 200, r.body);
    const cookie = r.headers['set-cookie'][0];
    assert.match(cookie, /^__Host-tether_session=[A-Za-z0-9_-]{40,};/);
    for (const flag of ['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/']) assert.ok(cookie.includes(flag), flag);
    assert.doesNotMatch(cookie, /Domain=/i);
    assert.match(r.json.csrf_token, /^[A-Za-z0-9_-]{40,}$/);
    assert.equal(r.json.user.username, 'admin');
  });

  test('unknown user, wrong password and a disabled user get the same answer', async () => {
    await tether(server, ['user', 'disable', 'bob']);
    const answers = [];
    for (const [username, password] of [['nobody', strongPassword], ['admin', 'Wrong-Password-9'], ['bob', strongPassword]]) {
      const r = await request(server, 'POST', '/api/v1/auth/login', { body: { username, password } });
      answers.push(`${r.status} ${r.body}`);
    }
    await tether(server, ['user', 'enable', 'bob']);
    assert.equal(new Set(answers).size, 1, answers.join('\n'));
    assert.match(answers[0], /^401 .*invalid_credentials/);
  });

  test('state changes need the CSRF token; the cookie alone is not enough', async () => {
    const s = await login(server, 'admin', strongPassword);
    const body = { type: 'support', name: 'Printer' };
    const noToken = await request(server, 'POST', '/api/v1/sessions', { headers: { cookie: s.cookie }, body });
    assert.equal(noToken.status, 403);
    assert.equal(noToken.json.error, 'csrf');
    const wrongToken = await request(server, 'POST', '/api/v1/sessions',
      { headers: { cookie: s.cookie, 'x-csrf-token': 'A'.repeat(43) }, body });
    assert.equal(wrongToken.status, 403);
    const ok = await request(server, 'POST', '/api/v1/sessions', { headers: { cookie: s.cookie, 'x-csrf-token': s.csrf }, body });
    assert.equal(ok.status, 201, ok.body);
    assert.match(ok.json.session.code, /^\d{6}$/);
    const list = await request(server, 'GET', '/api/v1/sessions?type=support', { headers: { cookie: s.cookie } });
    assert.ok(list.json.sessions.some((x) => x.id === ok.json.session.id));
    const events = await request(server, 'GET', `/api/v1/sessions/${ok.json.session.id}/events`, { headers: { cookie: s.cookie } });
    assert.deepEqual(events.json.events.map((e) => [e.kind, e.actor]), [['created', 'admin']]);
    const logoutNoToken = await request(server, 'POST', '/api/v1/auth/logout', { headers: { cookie: s.cookie } });
    assert.equal(logoutNoToken.status, 403);
  });

  test('cross-origin state changes and form-encoded bodies are refused', async () => {
    const s = await login(server, 'admin', strongPassword);
    const evil = await request(server, 'POST', '/api/v1/sessions', {
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, origin: 'https://evil.example' },
      body: { type: 'support', name: 'x' },
    });
    assert.equal(evil.status, 403);
    const form = await request(server, 'POST', '/api/v1/auth/login', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=admin&password=x',
    });
    assert.equal(form.status, 403);
    const same = await request(server, 'POST', '/api/v1/auth/login', {
      headers: { origin: `https://127.0.0.1:${server.webPort}` }, body: { username: 'admin', password: strongPassword },
    });
    assert.equal(same.status, 200);
  });

  test('logout ends the session; a new login rotates the cookie and ends the old one', async () => {
    const a = await login(server, 'admin', strongPassword);
    const rotated = await request(server, 'POST', '/api/v1/auth/login',
      { headers: { cookie: a.cookie }, body: { username: 'admin', password: strongPassword } });
    const b = rotated.headers['set-cookie'][0].split(';')[0];
    assert.notEqual(a.cookie, b);
    assert.equal((await request(server, 'GET', '/api/v1/me', { headers: { cookie: a.cookie } })).status, 401);
    const me = await request(server, 'GET', '/api/v1/me', { headers: { cookie: b } });
    assert.equal(me.status, 200);
    const out = await request(server, 'POST', '/api/v1/auth/logout', { headers: { cookie: b, 'x-csrf-token': me.json.csrf_token } });
    assert.equal(out.status, 204);
    assert.match(out.headers['set-cookie'][0], /Max-Age=0/);
    assert.equal((await request(server, 'GET', '/api/v1/me', { headers: { cookie: b } })).status, 401);
  });

  test('a password change and disabling a user end their web sessions', async () => {
    const bob = await login(server, 'bob', strongPassword);
    const pw = await tether(server, ['user', 'passwd', 'bob', '--password-stdin'], { input: 'Another-Strong-Pass-8\n' });
    assert.equal(pw.code, 0, pw.stderr);
    assert.equal((await request(server, 'GET', '/api/v1/me', { headers: { cookie: bob.cookie } })).status, 401);
    const bob2 = await login(server, 'bob', 'Another-Strong-Pass-8');
    await tether(server, ['user', 'disable', 'bob']);
    assert.equal((await request(server, 'GET', '/api/v1/me', { headers: { cookie: bob2.cookie } })).status, 401);
  });

  test('every kind of response carries the security headers', async () => {
    const s = await login(server, 'admin', strongPassword);
    const cases = [
      ['GET', '/healthz', {}], ['GET', '/api/v1/me', {}], ['GET', '/nope', {}], ['GET', '/', {}],
      ['GET', '/api/v1/me', { headers: { cookie: s.cookie } }], ['DELETE', '/healthz', {}],
      ['POST', '/api/v1/auth/login', { body: '{' }],
    ];
    for (const [method, target, opts] of cases) {
      const r = await request(server, method, target, opts);
      assertSecurityHeaders(r, `${method} ${target} (${r.status})`);
    }
  });

  test('oversized bodies and headers are refused with 413 and 431', async () => {
    // A 2 MiB body is refused from its Content-Length alone, before the server reads it.
    const big = await rawExchange(server, 'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n' +
      'Content-Type: application/json\r\nContent-Length: 2097152\r\n\r\n{');
    assert.match(big, /^HTTP\/1\.1 413/);
    assert.match(big, /content-security-policy: default-src 'self'/i);
    const mid = await request(server, 'POST', '/api/v1/auth/login', { body: JSON.stringify({ username: 'x'.repeat(100 * 1024), password: 'y' }) });
    assert.equal(mid.status, 413);
    const headers = await request(server, 'GET', '/healthz', { headers: { 'x-filler': 'a'.repeat(20000) } });
    assert.equal(headers.status, 431);
  });

  test('malformed HTTP gets 400 and the connection closes', async () => {
    const reply = await rawExchange(server, 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n');
    assert.match(reply, /^HTTP\/1\.1 400/);
  });

  test('healthz reports all three services; metrics and OpenAPI are served', async () => {
    const h = await request(server, 'GET', '/healthz');
    assert.equal(h.status, 200);
    assert.deepEqual(h.json.services, { web: true, relay: true, manager: true });
    const m = await request(server, 'GET', '/metrics');
    assert.equal(m.status, 200);
    assert.match(m.headers['content-type'], /^text\/plain; version=0\.0\.4/);
    for (const name of ['tether_http_requests_total', 'tether_logins_succeeded_total', 'tether_logins_failed_total',
      'tether_sessions_open', 'tether_web_connections_total', 'tether_relay_connections_total{transport="tls"}',
      'tether_relay_connections_total{transport="websocket"}', 'tether_relay_connections_active{transport="websocket"}',
      'tether_relay_frames_total{direction="to_host"}', 'tether_relay_frames_total{direction="to_guest"}',
      'tether_relay_bytes_received_total']) {
      assert.ok(m.body.split('\n').some((l) => new RegExp('^(\\S+) \\d+$').exec(l)?.[1] === name), name);
    }
    assert.match(m.body, /^tether_logins_failed_total [1-9]\d*$/m);
    const o = await request(server, 'GET', '/api/v1/openapi.json');
    assert.equal(o.json.openapi, '3.1.0');
    for (const p of ['/auth/login', '/auth/logout', '/me', '/sessions', '/sessions/{id}', '/setup']) assert.ok(o.json.paths[p], p);
  });
});
