// Web hardening, attacked from outside against a real tetherd: session ids rotate at login,
// password change and two-factor enrolment; the exact security headers on every kind of
// answer; the viewer WebSocket's Origin check; size limits for every route class, chunked
// bodies and slow clients; WebSocket message size; and no endpoint tells whether a user exists.
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { addUser, login, request, run, startWithConfig, strongPassword, tether } from '../lib/tetherd.mjs';
import { supportSession } from '../lib/relay_session.mjs';
import { connectViewer } from '../lib/wire.mjs';

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";
const EXACT_HEADERS = {
  'content-security-policy': CSP,
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};
const MAX_BODY = 4096;
const withAuth = (a) => ({ cookie: a.cookie, 'x-csrf-token': a.csrf });
const cookieOf = (r) => (r.headers['set-cookie'] || [])[0]?.split(';')[0];

// Raw bytes over TLS. Resolves with {data, ms} when the server closes the connection; `drip`
// writes its pieces one at a time, `everyMs` apart, until the connection closes.
function rawExchange(server, first, { drip = [], everyMs = 300, timeoutMs = 20000 } = {}) {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    let data = '', timer, dripTimer;
    const sock = tls.connect({ host: '127.0.0.1', port: server.webPort, ca: server.ca, checkServerIdentity: () => undefined }, () => {
      sock.write(first);
      let i = 0;
      dripTimer = setInterval(() => { if (!sock.destroyed) sock.write(drip[i++ % drip.length]); }, drip.length ? everyMs : 1e9);
    });
    const done = () => { clearTimeout(timer); clearInterval(dripTimer); resolve({ data, ms: Date.now() - start }); };
    timer = setTimeout(() => { sock.destroy(); reject(new Error(`still open after ${timeoutMs} ms: ${data}`)); }, timeoutMs);
    sock.on('data', (d) => { data += d; });
    sock.on('close', done);
    sock.on('error', () => {});
  });
}

function assertExactHeaders(r, what) {
  for (const [name, value] of Object.entries(EXACT_HEADERS)) assert.equal(r.headers[name], value, `${what}: ${name}`);
}

async function oathtool(secret) {
  const r = await run('oathtool', ['--totp', '-b', secret]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

describe('web hardening', () => {
  let server, admin;
  before(async () => {
    server = await startWithConfig('[web]\nmax_body_bytes = 4096\nrequest_timeout_seconds = 2\nidle_timeout_seconds = 2\n' +
      '[security]\nlockout_failures = 3\nlockout_address_failures = 100000\n');
    for (const name of ['hank', 'dora', 'lockee', 'fresh', 'totpy', 'rotor']) await addUser(server, name);
    admin = await login(server, 'admin', strongPassword);
  });
  after(async () => { await server.stop(); });

  test('the cookie keeps its flags wherever it is set, and the session id changes at login and password change', async () => {
    const first = await login(server, 'rotor', strongPassword);
    const again = await request(server, 'POST', '/api/v1/auth/login',
      { headers: { cookie: first.cookie }, body: { username: 'rotor', password: strongPassword } });
    assert.equal(again.status, 200);
    const second = { cookie: cookieOf(again), csrf: again.json.csrf_token };
    assert.notEqual(second.cookie, first.cookie);
    assert.notEqual(second.csrf, first.csrf);
    assert.equal((await request(server, 'GET', '/api/v1/me', { headers: { cookie: first.cookie } })).status, 401);
    const changed = await request(server, 'POST', '/api/v1/auth/password',
      { headers: withAuth(second), body: { current_password: strongPassword, new_password: 'Rotated-Pass-77-x' } });
    assert.equal(changed.status, 200, changed.body);
    const third = { cookie: cookieOf(changed), csrf: changed.json.csrf_token };
    for (const set of [again.headers['set-cookie'][0], changed.headers['set-cookie'][0]]) {
      assert.match(set, /^__Host-tether_session=[A-Za-z0-9_-]{40,}; Path=\/; Secure; HttpOnly; SameSite=Strict$/);
    }
    assert.notEqual(third.cookie, second.cookie);
    assert.equal((await request(server, 'GET', '/api/v1/me', { headers: { cookie: second.cookie } })).status, 401);
    // The old CSRF token does not work with the new session.
    const stale = await request(server, 'POST', '/api/v1/sessions',
      { headers: { cookie: third.cookie, 'x-csrf-token': second.csrf }, body: { type: 'support', name: 'x' } });
    assert.deepEqual([stale.status, stale.json.error], [403, 'csrf']);
    const out = await request(server, 'POST', '/api/v1/auth/logout', { headers: withAuth(third) });
    assert.match(out.headers['set-cookie'][0], /^__Host-tether_session=; Path=\/; Secure; HttpOnly; SameSite=Strict; Max-Age=0$/);
  });

  test('turning two-factor on issues a new session id and ends the old one', async () => {
    const before = await login(server, 'totpy', strongPassword);
    const e = await request(server, 'POST', '/api/v1/auth/totp/enrol', { headers: withAuth(before), body: {} });
    assert.equal(e.status, 200, e.body);
    const ok = await request(server, 'POST', '/api/v1/auth/totp/confirm',
      { headers: withAuth(before), body: { code: await oathtool(e.json.secret) } });
    assert.equal(ok.status, 200, ok.body);
    assert.equal(ok.json.recovery_codes.length, 10);
    const fresh = cookieOf(ok);
    assert.ok(fresh && fresh !== before.cookie, 'a new cookie is set');
    assert.match(ok.headers['set-cookie'][0], /; Path=\/; Secure; HttpOnly; SameSite=Strict$/);
    assert.ok(ok.json.csrf_token && ok.json.csrf_token !== before.csrf, 'a new CSRF token is answered');
    assert.equal((await request(server, 'GET', '/api/v1/me', { headers: { cookie: before.cookie } })).status, 401);
    const me = await request(server, 'GET', '/api/v1/me', { headers: { cookie: fresh } });
    assert.equal(me.status, 200);
    assert.equal(me.json.user.two_factor_enabled, true);
  });

  test('every kind of answer carries exactly the strict policy headers', async () => {
    const index = await request(server, 'GET', '/');
    const asset = index.body.match(/\/assets\/[^"']+\.js/)?.[0];
    assert.ok(asset, 'the page loads its script from /assets');
    // The policy allows no inline code, so the page must not have any.
    assert.doesNotMatch(index.body, /<script(?![^>]*\ssrc=)[^>]*>/i);
    assert.doesNotMatch(index.body, /\son[a-z]+\s*=|javascript:/i);
    const cases = [
      ['GET', '/'], ['GET', '/login'], ['HEAD', '/'], ['GET', asset], ['GET', '/setup'], ['GET', '/api/v1/openapi.json'],
      ['GET', '/api/v1/me'], ['GET', '/api/v1/sessions', { headers: { cookie: admin.cookie } }], ['GET', '/healthz'],
      ['GET', '/does-not-exist'], ['GET', '/a/../b'], ['DELETE', '/healthz'], ['POST', '/api/v1/auth/login', { body: '[' }],
      ['GET', '/api/v1/sessions/x/connect'],
    ];
    for (const [method, target, opts] of cases) {
      const r = await request(server, method, target, opts);
      assertExactHeaders(r, `${method} ${target} (${r.status})`);
      assert.equal(r.headers['access-control-allow-origin'], undefined, `${method} ${target}: no CORS`);
    }
    for (const raw of [`POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: ${MAX_BODY + 1}\r\n\r\n`,
      'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n', `GET / HTTP/1.1\r\nX: ${'a'.repeat(17000)}\r\n\r\n`]) {
      const { data } = await rawExchange(server, raw);
      assert.match(data, /^HTTP\/1\.1 4\d\d/);
      const lines = data.split('\r\n').map((l) => l.replace(/^[^:]+/, (n) => n.toLowerCase()));
      for (const [name, value] of Object.entries(EXACT_HEADERS)) assert.ok(lines.includes(`${name}: ${value}`), `${data.slice(0, 12)}: ${name}`);
    }
  });

  test('the viewer WebSocket refuses every origin but its own before the upgrade', async () => {
    const session = await supportSession(server, admin, 'Origin target');
    const own = `https://127.0.0.1:${server.webPort}`;
    const refused = [null, 'null', 'https://evil.example', `${own}.evil.example`, `https://127.0.0.1:${server.webPort}@evil.example`,
      `https://127.0.0.1:${server.webPort + 1}`, `http://127.0.0.1:${server.webPort}`, 'https://127.0.0.1', `${own}/`,
      `wss://127.0.0.1:${server.webPort}`, `https://localhost:${server.webPort}`, `${own}, https://evil.example`];
    for (const origin of refused) {
      await assert.rejects(connectViewer(server, session.id, { cookie: admin.cookie, origin }),
        (e) => e.status === 403 && /^HTTP\/1\.1 403 /.test(e.head),
        `origin ${origin}`);
    }
    const viewer = await connectViewer(server, session.id, { cookie: admin.cookie, origin: own });
    viewer.close();
    // The same lookalikes are refused on a state change with the right cookie and CSRF token.
    for (const origin of refused.filter(Boolean)) {
      const r = await request(server, 'POST', '/api/v1/sessions',
        { headers: { ...withAuth(admin), origin }, body: { type: 'support', name: 'cross' } });
      assert.equal(r.status, 403, `origin ${origin}`);
    }
    const list = await request(server, 'GET', '/api/v1/sessions?type=support', { headers: { cookie: admin.cookie } });
    assert.ok(!list.json.sessions.some((s) => s.name === 'cross'), 'nothing was created');
  });

  test('a WebSocket message over the limit closes the viewer', async () => {
    const session = await supportSession(server, admin, 'Big message');
    const viewer = await connectViewer(server, session.id, { cookie: admin.cookie });
    viewer.send(Buffer.alloc(4 * 1024 * 1024, 0x41));
    await viewer.waitClosed(5000);
  });

  test('every state-changing operation refuses a body over web.max_body_bytes before any other check', async () => {
    const doc = (await request(server, 'GET', '/api/v1/openapi.json')).json;
    let checked = 0;
    for (const [template, item] of Object.entries(doc.paths)) {
      for (const method of Object.keys(item).filter((m) => ['post', 'put', 'patch', 'delete'].includes(m))) {
        const path = `/api/v1${template}`.replace(/\{[^}]+\}/g, 'x1');
        const r = await request(server, method.toUpperCase(), path, { headers: withAuth(admin), body: 'x'.repeat(MAX_BODY + 1) });
        assert.equal(r.status, 413, `${method} ${template}: ${r.status} ${r.body}`);
        checked++;
      }
    }
    assert.ok(checked >= 15, `only ${checked}`);
    // Per-endpoint limits below the global one: sign-in 16 KiB is above 4096 here, so check the
    // two-factor one (4 KiB) answers 413 just over it with a valid JSON body.
    const big = JSON.stringify({ code: '1'.repeat(MAX_BODY) });
    const r = await request(server, 'POST', '/api/v1/auth/totp/confirm', { headers: withAuth(admin), body: big });
    assert.equal(r.status, 413);
  });

  test('headers over 16 KiB are refused with 431 on every route class and on the upgrade', async () => {
    const filler = { 'x-filler': 'a'.repeat(17 * 1024) };
    for (const [method, target] of [['GET', '/'], ['GET', '/assets/x.js'], ['GET', '/api/v1/me'], ['POST', '/api/v1/auth/login'],
      ['POST', '/api/v1/sessions'], ['GET', '/healthz']]) {
      const r = await request(server, method, target, { headers: { ...filler, cookie: admin.cookie } });
      assert.equal(r.status, 431, `${method} ${target}`);
    }
    const bigCookie = await request(server, 'GET', '/api/v1/me', { headers: { cookie: Array.from({ length: 400 }, (_, i) => `c${i}=${'v'.repeat(40)}`).join('; ') } });
    assert.equal(bigCookie.status, 431);
    const { data } = await rawExchange(server, 'GET /api/v1/sessions/x/connect HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n' +
      `Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nX: ${'a'.repeat(17000)}\r\n\r\n`);
    assert.match(data, /^HTTP\/1\.1 431/);
  });

  test('chunked bodies: parsed when small, refused with 413 once they pass the limit', async () => {
    const json = JSON.stringify({ username: 'nobody', password: 'Wrong-Password-00' });
    const small = await rawExchange(server, 'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      `Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n${json.length.toString(16)}\r\n${json}\r\n0\r\n\r\n`);
    assert.match(small.data, /^HTTP\/1\.1 401/);
    const chunk = `400\r\n${'a'.repeat(0x400)}\r\n`;
    const big = await rawExchange(server, 'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      `Transfer-Encoding: chunked\r\n\r\n${chunk.repeat(5)}`, { drip: [chunk] });
    assert.match(big.data, /^HTTP\/1\.1 413/);
    // A chunk size line that does not end, or a huge declared chunk, is not accepted either.
    const huge = await rawExchange(server, 'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' +
      'fffffffffffffffff\r\n');
    assert.match(huge.data, /^HTTP\/1\.1 4(00|13)/);
  });

  test('slow clients are cut off: headers by web.idle_timeout_seconds, bodies by web.request_timeout_seconds', async () => {
    // Slowloris: one header line every 300 ms never finishes the request.
    const headers = await rawExchange(server, 'GET /healthz HTTP/1.1\r\nHost: x\r\n', { drip: ['X-a: b\r\n'] });
    assert.ok(headers.ms >= 1500 && headers.ms < 6000, `headers closed after ${headers.ms} ms`);
    assert.doesNotMatch(headers.data, /^HTTP\/1\.1 200/);
    // A body dribbled one byte at a time.
    const body = await rawExchange(server, 'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      'Content-Length: 1000\r\n\r\n{', { drip: [' '] });
    assert.ok(body.ms >= 1500 && body.ms < 6000, `body closed after ${body.ms} ms`);
    assert.equal(body.data, '');
    // An idle connection that sends nothing at all.
    const idle = await rawExchange(server, '');
    assert.ok(idle.ms < 6000, `idle closed after ${idle.ms} ms`);
    // The server still answers.
    assert.equal((await request(server, 'GET', '/healthz')).status, 200);
  });

  test('login: unknown, wrong password, disabled, locked and must-change users get one answer', async () => {
    await tether(server, ['user', 'disable', 'dora']);
    for (let i = 0; i < 3; ++i) await request(server, 'POST', '/api/v1/auth/login', { body: { username: 'lockee', password: 'Wrong-Password-00' } });
    const reset = await tether(server, ['user', 'passwd', 'fresh', '--password-stdin'], { input: 'Admin-Set-Pass-42\n' });
    assert.equal(reset.code, 0, reset.stderr);
    const attempts = [
      ['no-such-user', 'Wrong-Password-00'], ['hank', 'Wrong-Password-00'], ['dora', strongPassword], ['dora', 'Wrong-Password-00'],
      ['lockee', strongPassword], ['lockee', 'Wrong-Password-00'], ['fresh', 'Wrong-Password-00'], ['totpy', 'Wrong-Password-00'],
      ['HANK ', 'Wrong-Password-00'], ['', ''], ['x'.repeat(300), 'y'],
    ];
    const answers = new Map();
    for (const [username, password] of attempts) {
      for (const otp of [undefined, '123456']) {
        const r = await request(server, 'POST', '/api/v1/auth/login', { body: { username, password, ...(otp ? { otp } : {}) } });
        const key = `${r.status} ${r.body} cookie=${Boolean(r.headers['set-cookie'])}`;
        answers.set(key, [...(answers.get(key) || []), `${username.slice(0, 12)}/${otp ? 'otp' : '-'}`]);
      }
    }
    assert.equal(answers.size, 1, JSON.stringify([...answers]));
    assert.match([...answers.keys()][0], /^401 .*"invalid_credentials".* cookie=false$/);
    await tether(server, ['user', 'enable', 'dora']);
  });

  test('API token errors do not say whether a token existed, was revoked or is malformed', async () => {
    const made = await request(server, 'POST', '/api/v1/tokens', { headers: withAuth(admin), body: { name: 'gone', scope: ['ViewSessionGroup'], expires_days: 1 } });
    assert.equal(made.status, 201, made.body);
    const revoke = await request(server, 'DELETE', `/api/v1/tokens/${made.json.token.id}`, { headers: withAuth(admin) });
    assert.equal(revoke.status, 204, revoke.body);
    const answers = new Set();
    for (const auth of [`Bearer ${made.json.secret}`, `Bearer tth_${'A'.repeat(43)}`, 'Bearer tth_short', 'Bearer x', 'Basic YTpi', 'Bearer',
      `bearer ${made.json.secret}`]) {
      const r = await request(server, 'GET', '/api/v1/sessions', { headers: { authorization: auth } });
      answers.add(`${r.status} ${r.body}`);
    }
    assert.equal(answers.size, 1, [...answers].join('\n'));
    assert.match([...answers][0], /^401 /);
  });

  test('a non-administrator cannot tell existing users from missing ones', async () => {
    const hank = await login(server, 'hank', strongPassword);
    const answers = new Set();
    for (const name of ['admin', 'lockee', 'no-such-user', 'ADMIN']) {
      const r = await request(server, 'POST', `/api/v1/users/${name}/unlock`, { headers: withAuth(hank), body: {} });
      answers.add(`${r.status} ${r.body}`);
    }
    assert.equal(answers.size, 1, [...answers].join('\n'));
    assert.match([...answers][0], /^403 /);
    // There is no password reset over the web: every spelling is an ordinary 404.
    const notFound = new Set();
    for (const path of ['/api/v1/auth/reset', '/api/v1/auth/password/reset', '/api/v1/users/admin/password', '/api/v1/users/no-such-user/password',
      '/api/v1/nothing']) {
      const r = await request(server, 'POST', path, { body: { username: 'admin' } });
      notFound.add(`${r.status} ${r.body}`);
    }
    assert.equal(notFound.size, 1, [...notFound].join('\n'));
    assert.match([...notFound][0], /^404 /);
    // A method a user path does not take is refused the same way for a user who exists and one who does not.
    const wrongMethod = new Set();
    for (const name of ['admin', 'no-such-user']) {
      const r = await request(server, 'POST', `/api/v1/users/${name}`, { body: { username: 'admin' } });
      wrongMethod.add(`${r.status} ${r.body}`);
    }
    assert.equal(wrongMethod.size, 1, [...wrongMethod].join('\n'));
  });

  test('a wrong current password changes nothing and counts toward the lock', async () => {
    const hank = await login(server, 'hank', strongPassword);
    const answers = new Set();
    for (let i = 0; i < 4; ++i) {
      const r = await request(server, 'POST', '/api/v1/auth/password',
        { headers: withAuth(hank), body: { current_password: i === 3 ? strongPassword : 'Wrong-Password-00', new_password: 'Another-Pass-99-y' } });
      answers.add(`${r.status} ${r.body}`);
    }
    // The fourth try had the right password but the account was locked by then: the same answer.
    assert.equal(answers.size, 1, [...answers].join('\n'));
    assert.equal((await request(server, 'GET', '/api/v1/me', { headers: { cookie: hank.cookie } })).status, 200);
    await tether(server, ['user', 'unlock', 'hank']);
    assert.equal((await login(server, 'hank', strongPassword)).user.username, 'hank');
  });
});
