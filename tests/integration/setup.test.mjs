// First-run setup: needs the console token, runs once, and is gone afterwards for every
// spelling of its page and API route (the lesson of setup wizards reachable by path variants).
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { request, startTetherd, strongPassword, tether } from '../lib/tetherd.mjs';

async function users(server) {
  const r = await tether(server, ['--json', 'user', 'list']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout).users.map((u) => `${u.username}:${u.role}`);
}

// Sends a raw request line, for targets an HTTP client library would refuse or normalise.
function rawRequest(server, requestLine, body = '') {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ host: '127.0.0.1', port: server.webPort, ca: server.ca, checkServerIdentity: () => undefined }, () => {
      sock.write(`${requestLine}\r\nHost: 127.0.0.1:${server.webPort}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    });
    let data = '';
    sock.on('data', (d) => { data += d; });
    sock.on('end', () => resolve(Number(data.split(' ')[1])));
    sock.on('error', reject);
  });
}

const PAGE_SPELLINGS = [
  '/setup', '/setup/', '/SETUP', '/Setup', '/setup%2f', '/setup%2F', '/%73etup', '/set%75p', '/%53ETUP',
  '/setup;', '/setup;jsessionid=1', '/setup;/', '/./setup', '//setup', '/x/../setup', '/%2e/setup',
  '/%2e%2e/setup', '/setup/.', '/setup/..', '/setup%00', '/setup%20', '/setup.', '/setup?token=x',
  '/assets/../setup', '/setup#frag', '/setup\\', '/%5csetup', '/setup/index.html',
];
const API_SPELLINGS = [
  '/api/v1/setup', '/api/v1/setup/', '/api/v1/SETUP', '/api/v1/Setup', '/API/V1/SETUP', '/api/v1/setup%2f',
  '/api/v1/%73etup', '/api%2fv1%2fsetup', '/api/v1/setup;', '/api/v1/setup;a=b', '/api//v1/setup',
  '/api/v1//setup', '/api/v1/./setup', '/api/v1/x/../setup', '/api/v1/sessions/../setup', '/api/v2/../v1/setup',
  '/api/v1/setup%00', '/api/v1/setup.', '/api/v1/setup?x=1', '/api/v1/%2e/setup', '/./api/v1/setup',
  '/api/v1/setup/.', '/api/v1/setup..;/', '/api/v1/setup%3b', '/api/v1/setu%70',
];

describe('first-run setup', () => {
  let server;
  before(async () => { server = await startTetherd(); });
  after(async () => { await server.stop(); });

  test('the console prints a one-time setup link with a long random token', () => {
    assert.ok(server.setupUrl, server.stdout);
    assert.match(server.setupToken, /^[A-Za-z0-9_-]{40,}$/);
  });

  test('before setup: the page exists, a wrong token and a weak password are refused', async () => {
    const page = await request(server, 'GET', '/setup?token=' + server.setupToken);
    assert.ok([200, 503].includes(page.status));  // 503 only when the UI was not built
    const wrong = await request(server, 'POST', '/api/v1/setup',
      { body: { token: 'x'.repeat(43), username: 'admin', password: strongPassword } });
    assert.equal(wrong.status, 403);
    assert.equal(wrong.json.error, 'invalid_token');
    const weak = await request(server, 'POST', '/api/v1/setup',
      { body: { token: server.setupToken, username: 'admin', password: 'password123' } });
    assert.equal(weak.status, 400);
    assert.equal(weak.json.error, 'validation');
    assert.match(weak.json.message, /12 characters/);
    assert.deepEqual(await users(server), []);
  });

  test('setup with the token creates the first administrator', async () => {
    const r = await request(server, 'POST', '/api/v1/setup',
      { body: { token: server.setupToken, username: 'admin', password: strongPassword } });
    assert.equal(r.status, 201, r.body);
    assert.equal(r.json.user.role, 'Administrator');
    assert.equal(r.json.user.password_hash, undefined);
    assert.deepEqual(await users(server), ['admin:Administrator']);
  });

  test('afterwards every spelling of the page and the API answers 404 and changes nothing', async () => {
    const attack = { token: server.setupToken, username: 'mallory', password: strongPassword };
    const failures = [];
    for (const target of [...PAGE_SPELLINGS, ...API_SPELLINGS]) {
      for (const method of ['GET', 'POST', 'PUT']) {
        const status = await rawRequest(server, `${method} ${target} HTTP/1.1`, JSON.stringify(attack));
        if (status !== 404 && status !== 400) failures.push(`${method} ${target} -> ${status}`);
        if (status === 400 && target.includes('#') === false && target.includes('\\') === false) {
          failures.push(`${method} ${target} -> 400 (expected 404)`);
        }
      }
    }
    // Absolute-form and asterisk targets.
    for (const target of [`https://127.0.0.1:${server.webPort}/api/v1/setup`, '*', 'setup', '/api/v1/setup HTTP/1.1\r\nX: y']) {
      const status = await rawRequest(server, `POST ${target} HTTP/1.1`, JSON.stringify(attack));
      if (status !== 404 && status !== 400) failures.push(`POST ${target} -> ${status}`);
    }
    assert.deepEqual(failures, []);
    assert.deepEqual(await users(server), ['admin:Administrator']);
  });

  test('a restart issues no new setup link and setup stays gone', async () => {
    await server.stop();
    server = await startTetherd({ dataDir: server.dataDir });
    assert.equal(server.setupUrl, null);
    const r = await request(server, 'POST', '/api/v1/setup',
      { body: { token: 'anything', username: 'mallory', password: strongPassword } });
    assert.equal(r.status, 404);
    const local = await tether(server, ['setup', '--username', 'mallory', '--password-stdin'], { input: strongPassword + '\n' });
    assert.equal(local.code, 1);
    assert.deepEqual(await users(server), ['admin:Administrator']);
  });
});

describe('headless setup through the local socket', () => {
  test('tether setup creates the administrator and the web link stops working', async () => {
    const server = await startTetherd();
    try {
      const r = await tether(server, ['setup', '--username', 'root-admin', '--password-stdin'], { input: strongPassword + '\n' });
      assert.equal(r.code, 0, r.stderr);
      const web = await request(server, 'POST', '/api/v1/setup',
        { body: { token: server.setupToken, username: 'mallory', password: strongPassword } });
      assert.equal(web.status, 404);
      assert.deepEqual(await users(server), ['root-admin:Administrator']);
    } finally {
      await server.stop();
    }
  });
});
