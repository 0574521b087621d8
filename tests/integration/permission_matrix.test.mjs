// The permission matrix: every operation of the published OpenAPI document and every relay
// action, mapped to the permission it needs, then called by users that lack exactly that
// permission — once because their role has every other permission, once because a Deny takes it
// back — with valid CSRF tokens and real target objects. Each call must be refused and leave its
// target as it was; the same call by a user holding every permission must succeed. Group-scoped
// permissions are also checked inside and outside the group they are allowed on, and every call
// is made again with an API token whose scope lacks the permission. An operation the document
// gains without an entry here fails the test.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addUser, login, request, setupAdmin, startTetherd, strongPassword } from '../lib/tetherd.mjs';
import crypto from 'node:crypto';
import {
  CONTROL, CONTROL_KIND, allowEveryHost, connectRelay, consentGranted, field, frame, guestHello, msg, parse,
} from '../lib/wire.mjs';
import { buildInstaller, identityProof, rawPublicKey } from '../lib/access.mjs';
import { joinViewer, metric } from '../lib/relay_session.mjs';

const FILE = 4;  // the relay's file channel
const DROPPED = 'tether_relay_dropped_not_permitted_total';
// Reserved names: no operation or relay action uses them yet.
const RESERVED = ['ManageSharedToolbox', 'RunCommandOutsideSession', 'TransferSession'];

// Operation -> what it needs. `perm` entries name the target they act on (made fresh by the
// administrator), the request, and the refusal a user without the permission gets.
//   public: no login; login: any logged-in user; own: acts on the caller's own objects only.
const S = (t) => `/api/v1/sessions/${t.id}`;
const OPERATIONS = {
  'GET /openapi.json': { need: 'public' },
  'POST /auth/login': { need: 'public' },
  'POST /setup': { need: 'public' },
  'POST /guest/join': { need: 'public' },
  'GET /guest/signing-key': { need: 'public' },
  'GET /me': { need: 'login' },
  'POST /auth/logout': { need: 'own' },
  'POST /auth/password': { need: 'own' },
  'POST /auth/totp/enrol': { need: 'own' },
  'POST /auth/totp/confirm': { need: 'own' },
  'POST /auth/totp/disable': { need: 'own' },
  // Every user's tokens, and a token made for another user, need Administer.
  'GET /tokens': { need: 'own', cases: [{ perm: 'Administer', target: 'token', call: () => ['GET', '/api/v1/tokens?all=true'] }] },
  'POST /tokens': { need: 'own', cases: [{ perm: 'Administer', target: 'token', ok: 201,
    call: (t) => ['POST', '/api/v1/tokens', { user: 'admin', name: t.name, scope: ['ViewSessionGroup'], expires_days: 1 }] }] },
  'DELETE /tokens/{id}': { need: 'own', cases: [{ perm: 'Administer', target: 'token', refused: 404, ok: 204,
    call: (t) => ['DELETE', `/api/v1/tokens/${t.id}`] }] },
  'GET /sessions/{id}/connect': { need: 'relay' },  // the viewer WebSocket: relay actions below
  'GET /sessions': { cases: [{ perm: 'ViewSessionGroup', call: () => ['GET', '/api/v1/sessions'] }] },
  'POST /sessions': { cases: [
    { perm: 'CreateSupportSession', target: 'count', ok: 201, call: (t) => ['POST', '/api/v1/sessions', { type: 'support', name: t.name }] },
    { perm: 'CreateMeetingSession', target: 'count', ok: 201, call: (t) => ['POST', '/api/v1/sessions', { type: 'meeting', name: t.name }] },
    { perm: 'BuildAccessInstaller', target: 'count', ok: 201, call: (t) => ['POST', '/api/v1/sessions', { type: 'access', name: t.name }] },
  ] },
  'GET /sessions/{id}': { cases: [{ perm: 'ViewSessionGroup', target: 'session', call: (t) => ['GET', S(t)] }] },
  'PATCH /sessions/{id}': { cases: [{ perm: 'EditSession', target: 'session', call: (t) => ['PATCH', S(t), { name: 'Changed' }] }] },
  'DELETE /sessions/{id}': { cases: [{ perm: 'DeleteSession', target: 'session', ok: 204, call: (t) => ['DELETE', S(t)] }] },
  'POST /sessions/{id}/end': { cases: [{ perm: 'EndSession', target: 'session', ok: 204, call: (t) => ['POST', `${S(t)}/end`, {}] }] },
  'GET /sessions/{id}/events': { cases: [{ perm: 'ViewSessionGroup', target: 'session', call: (t) => ['GET', `${S(t)}/events`] }] },
  'POST /sessions/{id}/host-token': { cases: [{ perm: 'JoinSession', target: 'session', ok: 201, call: (t) => ['POST', `${S(t)}/host-token`, {}] }] },
  'POST /sessions/{id}/notes': { cases: [{ perm: 'AddNoteToSession', target: 'session', ok: 201, call: (t) => ['POST', `${S(t)}/notes`, { text: 'note' }] }] },
  // No screenshot exists without a guest's video: allowed is "no such thumbnail" (404), refused
  // is 403 — and without ViewSessionGroup the session itself is hidden (404, see docs).
  'GET /sessions/{id}/thumbnail': { cases: [
    { perm: 'ViewSessionGuestScreenshot', target: 'session', ok: 404, call: (t) => ['GET', `${S(t)}/thumbnail`] },
  ] },
  'GET /session-groups': { cases: [{ perm: 'ViewSessionGroup', call: () => ['GET', '/api/v1/session-groups'] }] },
  'POST /session-groups': { cases: [{ perm: 'ManageSessionGroups', target: 'count', ok: 201,
    call: (t) => ['POST', '/api/v1/session-groups', { name: t.name, filter: 'company = "Nobody"' }] }] },
  'GET /session-groups/{id}': { cases: [{ perm: 'ViewSessionGroup', target: 'group', call: (t) => ['GET', `/api/v1/session-groups/${t.id}`] }] },
  'PATCH /session-groups/{id}': { cases: [{ perm: 'ManageSessionGroups', target: 'group',
    call: (t) => ['PATCH', `/api/v1/session-groups/${t.id}`, { name: `${t.name} changed` }] }] },
  'DELETE /session-groups/{id}': { cases: [{ perm: 'ManageSessionGroups', target: 'group', ok: 204, call: (t) => ['DELETE', `/api/v1/session-groups/${t.id}`] }] },
  'GET /session-groups/{id}/subgroups': { cases: [{ perm: 'ViewSessionGroup', target: 'group', call: (t) => ['GET', `/api/v1/session-groups/${t.id}/subgroups`] }] },
  'GET /roles': { cases: [{ perm: 'Administer', call: () => ['GET', '/api/v1/roles'] }] },
  'POST /roles': { cases: [{ perm: 'Administer', target: 'count', ok: 201, call: (t) => ['POST', '/api/v1/roles', { name: t.name, entries: [] }] }] },
  'GET /roles/{id}': { cases: [{ perm: 'Administer', target: 'role', call: (t) => ['GET', `/api/v1/roles/${t.id}`] }] },
  'PATCH /roles/{id}': { cases: [{ perm: 'Administer', target: 'role',
    call: (t) => ['PATCH', `/api/v1/roles/${t.id}`, { entries: [{ permission: 'Administer', effect: 'allow' }] }] }] },
  'DELETE /roles/{id}': { cases: [{ perm: 'Administer', target: 'role', ok: 204, call: (t) => ['DELETE', `/api/v1/roles/${t.id}`] }] },
  'GET /users': { cases: [{ perm: 'Administer', call: () => ['GET', '/api/v1/users'] }] },
  'PATCH /users/{name}': { cases: [{ perm: 'Administer', target: 'user', call: (t) => ['PATCH', `/api/v1/users/${t.name}`, { role: 'Everything' }] }] },
  'POST /users/{name}/unlock': { cases: [{ perm: 'Administer', target: 'user', ok: 204, call: (t) => ['POST', `/api/v1/users/${t.name}/unlock`, {}] }] },
  'GET /settings/security': { cases: [{ perm: 'Administer', call: () => ['GET', '/api/v1/settings/security'] }] },
  'PATCH /settings/security': { cases: [{ perm: 'Administer', target: 'settings', call: () => ['PATCH', '/api/v1/settings/security', { settings: { 'security.lockout_failures': 7 } }] }] },
  'GET /access/installers': { cases: [{ perm: 'BuildAccessInstaller', call: () => ['GET', '/api/v1/access/installers'] }] },
  'POST /access/installers': { cases: [{ perm: 'BuildAccessInstaller', target: 'count', ok: 201,
    call: (t) => ['POST', '/api/v1/access/installers', { name: t.name }] }] },
};

// Relay actions -> permission (session_hub.cc / web_app.cc): joining as a viewer needs
// JoinSession, a host's EndSession control needs EndSession, its file frames TransferFiles.
const RELAY_ACTIONS = { 'viewer join': 'JoinSession', 'EndSession control': 'EndSession', 'file frame': 'TransferFiles' };
// Joining an access session without the guest's consent needs HostSessionWithoutConsent;
// viewing, input, clipboard and monitor choice follow the viewer grant (and its view-only state).
RELAY_ACTIONS['access join without consent'] = 'HostSessionWithoutConsent';
const ELSEWHERE = [];

describe('permission matrix', () => {
  let server, admin, everything, permissions, groupA;
  const users = {};  // variant -> login
  const tokens = {};  // permission -> API token of the all-permission user, scoped without it
  const guests = [];
  let serial = 0;
  const headersOf = (who) => ({ cookie: who.cookie, 'x-csrf-token': who.csrf });
  const call = (who, [method, path, body]) => request(server, method, path, { headers: headersOf(who), body });
  const callWithToken = (secret, [method, path, body]) =>
    request(server, method, path, { headers: { authorization: `Bearer ${secret}` }, body });
  const asAdmin = async (method, path, body, want) => {
    const r = await call(admin, [method, path, body]);
    if (want) assert.equal(r.status, want, `${method} ${path}: ${r.body}`);
    return r;
  };

  async function session(company) {
    const s = (await asAdmin('POST', '/api/v1/sessions', { type: 'support', name: `Target ${++serial}` }, 201)).json.session;
    await asAdmin('PATCH', `/api/v1/sessions/${s.id}`, { properties: { company } }, 200);
    return s;
  }
  // A fresh target of `kind`, and a function that reads back what a refused call must not change.
  async function target(kind, company = 'Acme') {
    const name = `matrix ${kind} ${++serial}`;
    switch (kind) {
      case 'session': {
        const s = await session(company);
        const read = async () => [(await asAdmin('GET', S(s), undefined, 200)).json, (await asAdmin('GET', `${S(s)}/events`, undefined, 200)).json];
        return { id: s.id, name, read };
      }
      case 'group': {
        const g = (await asAdmin('POST', '/api/v1/session-groups', { name, filter: 'company = "Nobody"', subgroup_by: 'company' }, 201)).json.group;
        return { id: g.id, name, read: async () => (await asAdmin('GET', `/api/v1/session-groups/${g.id}`)).json };
      }
      case 'role': {
        const r = (await asAdmin('POST', '/api/v1/roles', { name, entries: [] }, 201)).json.role;
        return { id: r.id, name, read: async () => (await asAdmin('GET', `/api/v1/roles/${r.id}`)).json };
      }
      case 'token': {
        const t = (await asAdmin('POST', '/api/v1/tokens', { name, scope: ['ViewSessionGroup'], expires_days: 1 }, 201)).json.token;
        return { id: t.id, name, read: async () => (await asAdmin('GET', '/api/v1/tokens')).json.tokens.map((x) => x.id).sort() };
      }
      case 'user':
        return { name: 'victim', read: async () => (await asAdmin('GET', '/api/v1/users')).json.users.find((u) => u.name === 'victim') };
      case 'settings':
        return { name, read: async () => (await asAdmin('GET', '/api/v1/settings/security')).json };
      case 'count': {  // a create call: nothing named `name` may appear anywhere
        const read = async () => JSON.stringify(await Promise.all(['/api/v1/sessions?limit=1000', '/api/v1/session-groups',
          '/api/v1/roles', '/api/v1/access/installers'].map(async (p) => (await asAdmin('GET', p)).body))).includes(name);
        return { name, read };
      }
      default:
        return { name, read: async () => null };
    }
  }

  const makeRole = async (name, entries) => (await asAdmin('POST', '/api/v1/roles', { name, entries }, 201)).json.role;
  const makeUser = async (name, role) => {
    await addUser(server, name, role);
    return login(server, name, strongPassword);
  };

  before(async () => {
    server = await startTetherd();
    await setupAdmin(server);
    admin = await login(server, 'admin', strongPassword);
    permissions = (await asAdmin('GET', '/api/v1/roles', undefined, 200)).json.permissions;
    const all = permissions.map((p) => ({ permission: p.name, effect: 'allow' }));
    groupA = (await asAdmin('POST', '/api/v1/session-groups', { name: 'Group A', filter: 'company = "Acme"' }, 201)).json.group;
    await makeRole('Everything', all);
    everything = await makeUser('all', 'Everything');
    await addUser(server, 'victim', 'Host');
    const full = await call(everything, ['POST', '/api/v1/tokens', { name: 'everything', scope: all.map((e) => e.permission), expires_days: 1 }]);
    assert.equal(full.status, 201, full.body);
    tokens.everything = full.json.secret;
    for (const p of permissions) {
      if (RESERVED.includes(p.name)) continue;
      const others = all.filter((e) => e.permission !== p.name);
      await makeRole(`No ${p.name}`, others);
      await makeRole(`Denied ${p.name}`, [...all, { permission: p.name, effect: 'deny' }]);
      const scope = all.map((e) => e.permission).filter((x) => x !== p.name);
      const token = await call(everything, ['POST', '/api/v1/tokens', { name: `no ${p.name}`, scope, expires_days: 1 }]);
      assert.equal(token.status, 201, token.body);
      tokens[p.name] = token.json.secret;
      users[`no ${p.name}`] = await makeUser(`no-${p.name}`, `No ${p.name}`);
      users[`denied ${p.name}`] = await makeUser(`denied-${p.name}`, `Denied ${p.name}`);
      if (!p.global) {
        await makeRole(`${p.name} in A`, [...others, { permission: p.name, effect: 'allow', group_id: groupA.id }]);
        users[`${p.name} in A`] = await makeUser(`a-${p.name}`, `${p.name} in A`);
      }
    }
  });
  after(async () => {
    for (const g of guests) g.close();
    await server.stop();
  });

  test('every documented operation and every listed permission has an entry, and every entry exists', async () => {
    const doc = (await request(server, 'GET', '/api/v1/openapi.json')).json;
    const documented = Object.entries(doc.paths).flatMap(([t, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${t}`));
    for (const op of documented) assert.ok(OPERATIONS[op], `${op} is missing from the permission matrix`);
    for (const op of Object.keys(OPERATIONS)) assert.ok(documented.includes(op), `${op} is not in the OpenAPI document`);
    const covered = new Set([...Object.values(OPERATIONS).flatMap((o) => (o.cases ?? []).map((c) => c.perm)),
      ...Object.values(RELAY_ACTIONS), ...ELSEWHERE, ...RESERVED]);
    for (const p of permissions) assert.ok(covered.has(p.name), `${p.name} guards no operation in the matrix`);
    for (const p of covered) assert.ok(permissions.some((x) => x.name === p), `${p} is not a permission of the server`);
  });

  test('every operation is refused without its permission (missing, denied or outside a token\'s scope) and changes nothing; allowed with it', async () => {
    let refused = 0;
    for (const [op, entry] of Object.entries(OPERATIONS)) {
      for (const c of entry.cases ?? []) {
        const t = await target(c.target);
        const before = await t.read();
        for (const variant of [`no ${c.perm}`, `denied ${c.perm}`]) {
          const r = await call(users[variant], c.call(t));
          const want = c.refused ?? 403;
          assert.equal(r.status, want, `${op} as "${variant}": ${r.status} ${r.body}`);
          assert.equal(r.json?.error, want === 403 ? 'forbidden' : 'not_found', `${op} as "${variant}"`);
          assert.deepEqual(await t.read(), before, `${op} as "${variant}" changed its target`);
          refused++;
        }
        if (c.target !== 'token') {  // token management never accepts tokens (route_matrix.test.mjs)
          const r = await callWithToken(tokens[c.perm], c.call(t));
          assert.deepEqual([r.status, r.json?.error], [403, 'forbidden'], `${op} with a token scoped without ${c.perm}: ${r.body}`);
          assert.deepEqual(await t.read(), before, `${op} with a token scoped without ${c.perm} changed its target`);
          refused++;
          const allowed = await callWithToken(tokens.everything, c.call(await target(c.target)));
          assert.equal(allowed.status, c.ok ?? 200, `${op} with a token of every permission: ${allowed.status} ${allowed.body}`);
        }
        const ok = await call(everything, c.call(t));
        assert.equal(ok.status, c.ok ?? 200, `${op} with every permission: ${ok.status} ${ok.body}`);
      }
    }
    assert.ok(refused >= 90, `only ${refused} refusals checked`);
  });

  test('without ViewSessionGroup the session is hidden from every session operation', async () => {
    const t = await target('session');
    for (const variant of ['no ViewSessionGroup', 'denied ViewSessionGroup']) {
      const who = users[variant];
      assert.equal((await call(who, ['GET', S(t)])).status, 403, variant);
      assert.equal((await call(who, ['GET', `${S(t)}/thumbnail`])).status, 404, variant);
      assert.deepEqual((await call(who, ['GET', '/api/v1/sessions'])).status, 403, variant);
    }
  });

  test('a group-scoped permission is refused outside its group and allowed inside', async () => {
    let checked = 0;
    for (const [op, entry] of Object.entries(OPERATIONS)) {
      for (const c of entry.cases ?? []) {
        if (c.target !== 'session' || permissions.find((p) => p.name === c.perm).global) continue;
        const who = users[`${c.perm} in A`];
        const outside = await target('session', 'Globex');
        const before = await outside.read();
        const r = await call(who, c.call(outside));
        assert.equal(r.status, c.perm === 'ViewSessionGroup' && op.endsWith('thumbnail') ? 404 : 403, `${op} outside A: ${r.body}`);
        assert.deepEqual(await outside.read(), before, `${op} outside A changed the session`);
        const inside = await target('session', 'Acme');
        const ok = await call(who, c.call(inside));
        assert.equal(ok.status, c.ok ?? 200, `${op} inside A: ${ok.status} ${ok.body}`);
        checked++;
      }
    }
    assert.ok(checked >= 7, `only ${checked} scoped operations checked`);
  });

  // A raw guest that allows every host, in a fresh session of group A.
  async function guestSession() {
    const t = await target('session');
    const s = (await asAdmin('GET', S(t), undefined, 200)).json.session;
    const guest = allowEveryHost(await connectRelay(server));
    guests.push(guest);
    guest.send(guestHello(s.code));
    await guest.control(CONTROL_KIND.welcome);
    return { t, guest };
  }
  const ended = async (t) => (await t.read())[0].session.ended_at !== 0;

  test('relay: the viewer WebSocket needs JoinSession', async () => {
    const { t } = await guestSession();
    for (const variant of ['no JoinSession', 'denied JoinSession', 'JoinSession in A']) {
      const id = variant.endsWith('in A') ? (await target('session', 'Globex')).id : t.id;
      await assert.rejects(joinViewer(server, id, users[variant]), (e) => e.status === 403, variant);
    }
    const v = await joinViewer(server, t.id, users['JoinSession in A']);
    v.close();
  });

  test('relay: a host without EndSession cannot end the session; its EndSession is dropped and counted', async () => {
    const endSession = frame(CONTROL, field(6, []));
    for (const variant of ['no EndSession', 'denied EndSession', 'EndSession in A']) {
      const { t } = await guestSession();
      const host = await joinViewer(server, t.id, users[variant]);
      await consentGranted(host);
      const before = await metric(server, DROPPED);
      host.send(endSession);
      if (variant.endsWith('in A')) {  // allowed inside its group
        for (let i = 0; i < 50 && !(await ended(t)); i++) await new Promise((r) => setTimeout(r, 50));
        assert.ok(await ended(t), `${variant}: the session did not end`);
      } else {
        for (let i = 0; i < 50 && (await metric(server, DROPPED)) === before; i++) await new Promise((r) => setTimeout(r, 50));
        assert.equal(await metric(server, DROPPED), before + 1, variant);
        assert.equal(await ended(t), false, `${variant} ended the session`);
      }
      host.close();
    }
  });

  // An access agent speaking the wire protocol itself: enrols a fresh key with the installer's
  // token; resolves the agent's connection and its session id.
  async function accessAgent(company) {
    const made = await buildInstaller(server, admin, { name: `Access ${++serial}`, properties: { company } });
    assert.equal(made.status, 201, made.body);
    const token = JSON.parse(Buffer.from(JSON.parse(made.body).payload, 'base64')).join_token;
    const { privateKey } = crypto.generateKeyPairSync('ed25519');
    const agent = await connectRelay(server);
    guests.push(agent);
    agent.send(frame(CONTROL, field(1, msg(field(1, 1), field(3, 1), field(10, rawPublicKey(privateKey)),
      field(11, identityProof(privateKey, agent.channelBinding())), field(12, token)))));
    await agent.control(CONTROL_KIND.welcome);
    const info = parse(parse((await agent.control(CONTROL_KIND.session_info)).payload)[11][0]);
    return { agent, id: info[1][0].toString('utf8') };
  }

  test('relay: joining an access session without a consent question needs HostSessionWithoutConsent', async () => {
    const inside = await accessAgent('Acme');
    const outside = await accessAgent('Globex');
    const cases = [['no HostSessionWithoutConsent', inside, true], ['denied HostSessionWithoutConsent', inside, true],
      ['HostSessionWithoutConsent in A', outside, true], ['HostSessionWithoutConsent in A', inside, false], ['all', inside, false]];
    for (const [variant, { agent, id }, asked] of cases) {
      const question = agent.next((f) => f.channel === CONTROL && f.payload[0] >> 3 === CONTROL_KIND.consent_request, 1500)
        .then(() => true, () => false);
      const host = await joinViewer(server, id, variant === 'all' ? everything : users[variant]);
      assert.equal(await question, asked, `${variant} on the ${id === inside.id ? 'inside' : 'outside'} session`);
      host.close();
    }
  });

  test('relay: a host without TransferFiles has its file frames dropped; with it they reach the guest', async () => {
    const file = frame(FILE, Buffer.from([0x0a, 0x03, 0x61, 0x62, 0x63]));
    for (const variant of ['no TransferFiles', 'denied TransferFiles', 'all']) {
      const { t, guest } = await guestSession();
      const host = await joinViewer(server, t.id, variant === 'all' ? everything : users[variant]);
      await consentGranted(host);
      const before = await metric(server, DROPPED);
      const arrived = guest.next((f) => f.channel === FILE, 1500).then(() => true, () => false);
      host.send(file);
      if (variant === 'all') {
        assert.ok(await arrived, 'the allowed file frame did not reach the guest');
      } else {
        assert.equal(await arrived, false, `${variant}: a file frame reached the guest`);
        assert.equal(await metric(server, DROPPED), before + 1, variant);
      }
      host.close();
    }
  });
});
