// Every operation of the published OpenAPI document, called the way an attacker would: without
// a login, with a forged cookie, without the CSRF token, and from a foreign origin. The list of
// operations comes from the running server, so an endpoint added later is covered the day it
// is documented — and an operation that does not declare its security fails here.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { login, request, setupAdmin, startTetherd, strongPassword } from '../lib/tetherd.mjs';

const STATE_CHANGING = new Set(['post', 'put', 'patch', 'delete']);

// How an operation is protected, read from its `security` requirement.
function protection(op) {
  assert.ok(Array.isArray(op.security), 'declares its security');
  const schemes = op.security.flatMap((alternative) => Object.keys(alternative));
  if (schemes.length === 0) return 'public';
  return schemes.includes('csrf') ? 'csrf' : 'cookie';
}

describe('every documented operation', () => {
  let server, auth, other, ops, sessionId, groupId;

  before(async () => {
    server = await startTetherd();
    await setupAdmin(server);
    auth = await login(server, 'admin', strongPassword);
    other = await login(server, 'admin', strongPassword);  // a second session of the same user
    const headers = { cookie: auth.cookie, 'x-csrf-token': auth.csrf };
    const created = await request(server, 'POST', '/api/v1/sessions', { headers, body: { type: 'support', name: 'Target' } });
    assert.equal(created.status, 201, created.body);
    sessionId = created.json.session.id;
    const group = await request(server, 'POST', '/api/v1/session-groups',
      { headers, body: { name: 'Target group', filter: 'company = "Acme"' } });
    assert.equal(group.status, 201, group.body);
    groupId = group.json.group.id;
    const doc = (await request(server, 'GET', '/api/v1/openapi.json')).json;
    ops = [];
    for (const [template, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!['get', ...STATE_CHANGING].includes(method)) continue;
        // WebSocket upgrades answer 426 to plain HTTP; their login and Origin checks are
        // tested with real upgrades in pairing.test.mjs.
        if (op.responses?.['101']) continue;
        ops.push({ method: method.toUpperCase(), template, op, path: concretePath(template) });
      }
    }
  });
  after(async () => { await server.stop(); });

  // Real ids, so that a refusal cannot come from "not found" before the check.
  function concretePath(template) {
    return `/api/v1${template}`.replace(/\{([^}]+)\}/g, (_, name) => {
      if (template.startsWith('/session-groups/')) return String(groupId);
      if (name === 'id' && template.startsWith('/sessions/')) return encodeURIComponent(sessionId);
      return '1';
    });
  }

  const label = (o) => `${o.method} ${o.template}`;

  test('the document lists the operations this test relies on, each with its security', () => {
    const names = ops.map(label);
    for (const must of ['POST /sessions', 'PATCH /sessions/{id}', 'DELETE /sessions/{id}', 'POST /sessions/{id}/end',
      'POST /session-groups', 'POST /auth/logout', 'GET /me']) {
      assert.ok(names.includes(must), `${must} in ${names.join(', ')}`);
    }
    for (const o of ops) {
      assert.doesNotThrow(() => protection(o.op), label(o));
      // Anything that changes state without a login must be one of the few deliberate ones.
      if (STATE_CHANGING.has(o.method.toLowerCase()) && protection(o.op) === 'public') {
        assert.ok(['/auth/login', '/setup', '/guest/join'].includes(o.template), `${label(o)} changes state without a login`);
      }
    }
  });

  test('operations behind a login refuse no cookie and a forged cookie with 401', async () => {
    let checked = 0;
    for (const o of ops.filter((x) => protection(x.op) !== 'public')) {
      for (const cookie of [undefined, '__Host-tether_session=' + 'A'.repeat(43)]) {
        const headers = cookie ? { cookie, 'x-csrf-token': auth.csrf } : { 'x-csrf-token': auth.csrf };
        const r = await request(server, o.method, o.path, { headers, body: o.method === 'GET' ? undefined : {} });
        assert.equal(r.status, 401, `${label(o)} ${cookie ? 'forged cookie' : 'no cookie'}: ${r.status} ${r.body}`);
        assert.equal(r.json?.error, 'unauthenticated', label(o));
        checked++;
      }
    }
    assert.ok(checked >= 10, `only ${checked} requests made`);
  });

  test('operations behind a login refuse a forged Bearer token, even next to a valid cookie and CSRF token', async () => {
    // A request with an Authorization header is never cookie-authenticated. Operations a token
    // may not call at all (/auth, /setup, /tokens) answer 403 before looking at it.
    let checked = 0;
    for (const o of ops.filter((x) => protection(x.op) !== 'public')) {
      const bearer = o.op.security.some((alternative) => 'bearer' in alternative);
      for (const headers of [{ authorization: 'Bearer tth_' + 'A'.repeat(43) },
        { authorization: 'Bearer tth_' + 'A'.repeat(43), cookie: auth.cookie, 'x-csrf-token': auth.csrf }]) {
        const r = await request(server, o.method, o.path, { headers, body: o.method === 'GET' ? undefined : {} });
        const want = bearer ? [401, 'unauthenticated'] : [403, 'forbidden'];
        assert.deepEqual([r.status, r.json?.error], want, `${label(o)}: ${r.status} ${r.body}`);
        checked++;
      }
    }
    assert.ok(checked >= 10, `only ${checked} requests made`);
    assert.ok(ops.some((o) => o.template === '/tokens' && !o.op.security.some((a) => 'bearer' in a)),
      'token management does not accept tokens');
  });

  test('state-changing operations refuse a logged-in request without the CSRF token, with a wrong one or with another session\'s', async () => {
    let checked = 0;
    for (const o of ops.filter((x) => protection(x.op) === 'csrf')) {
      for (const token of [undefined, 'A'.repeat(43), other.csrf]) {
        const headers = token ? { cookie: auth.cookie, 'x-csrf-token': token } : { cookie: auth.cookie };
        const r = await request(server, o.method, o.path, { headers, body: {} });
        assert.equal(r.status, 403, `${label(o)} ${token ? 'wrong' : 'no'} token: ${r.status} ${r.body}`);
        assert.equal(r.json?.error, 'csrf', label(o));
        checked++;
      }
    }
    assert.ok(checked >= 10, `only ${checked} requests made`);
  });

  test('state-changing operations refuse a foreign Origin even with the right token', async () => {
    for (const o of ops.filter((x) => STATE_CHANGING.has(x.method.toLowerCase()))) {
      const r = await request(server, o.method, o.path, {
        headers: { cookie: auth.cookie, 'x-csrf-token': auth.csrf, origin: 'https://evil.example' }, body: {},
      });
      // Setup is gone once an administrator exists (every spelling: setup.test.mjs).
      const want = o.template === '/setup' ? 404 : 403;
      assert.equal(r.status, want, `${label(o)}: ${r.status} ${r.body}`);
    }
  });

  test('after all of that nothing changed and the administrator still works', async () => {
    const me = await request(server, 'GET', '/api/v1/me', { headers: { cookie: auth.cookie } });
    assert.equal(me.status, 200, 'the real session survived the forged ones');
    const s = await request(server, 'GET', `/api/v1/sessions/${encodeURIComponent(sessionId)}`, { headers: { cookie: auth.cookie } });
    assert.equal(s.status, 200);
    assert.equal(s.json.session.name, 'Target');
    assert.equal(s.json.session.ended_at, 0);
    const g = await request(server, 'GET', `/api/v1/session-groups/${groupId}`, { headers: { cookie: auth.cookie } });
    assert.equal(g.status, 200);
    assert.equal(g.json.group.name, 'Target group');
    const events = await request(server, 'GET', `/api/v1/sessions/${encodeURIComponent(sessionId)}/events`, { headers: { cookie: auth.cookie } });
    assert.deepEqual(events.json.events.map((e) => e.kind), ['created']);
  });
});
