// Roles against the real tetherd: the recipes of docs/security.md ("Restricting a host to one
// machine" and "... to one company") performed step by step with the `tether` command and the
// REST API, then checked from the restricted host's side — the session list, REST and the
// viewer WebSocket — everywhere refused outside the scope. And the last-administrator rule on
// REST and the command.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { login, request, setupAdmin, startTetherd, strongPassword, tether } from '../lib/tetherd.mjs';
import { CONTROL, CONTROL_KIND, connectRelay, connectViewer, field, frame, guestHello, msg } from '../lib/wire.mjs';
import { supportSession } from '../lib/relay_session.mjs';

describe('roles', () => {
  let server, admin;
  const guests = [];
  const as = (who) => ({ cookie: who.cookie, 'x-csrf-token': who.csrf });
  const get = (who, path) => request(server, 'GET', path, { headers: { cookie: who.cookie } });
  const send = (who, method, path, body) => request(server, method, path, { headers: as(who), body });
  const cli = async (...args) => {
    const r = await tether(server, args);
    assert.equal(r.code, 0, `tether ${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  const addUser = async (name, role) => {
    const r = await tether(server, ['user', 'add', name, '--role', role, '--password-stdin'], { input: strongPassword + '\n' });
    assert.equal(r.code, 0, r.stderr);
    return login(server, name, strongPassword);
  };
  const visible = async (who) => {
    const r = await get(who, '/api/v1/sessions?limit=1000');
    assert.equal(r.status, 200, r.body);
    return r.json.sessions.map((s) => s.name).sort();
  };
  // Everything a host does to one session, with the status each answer had.
  const attempts = async (who, id) => {
    const out = {
      get: (await get(who, `/api/v1/sessions/${id}`)).status,
      events: (await get(who, `/api/v1/sessions/${id}/events`)).status,
      patch: (await send(who, 'PATCH', `/api/v1/sessions/${id}`, { name: 'renamed' })).status,
      note: (await send(who, 'POST', `/api/v1/sessions/${id}/notes`, { text: 'hi' })).status,
      token: (await send(who, 'POST', `/api/v1/sessions/${id}/host-token`, {})).status,
    };
    try {
      const v = await connectViewer(server, id, { cookie: who.cookie });
      v.close();
      out.viewer = 101;
    } catch (e) {
      out.viewer = e.status;
    }
    return out;
  };
  // A raw guest in a new support session that reports `machine`.
  const machineSession = async (name, machine) => {
    const s = await supportSession(server, admin, name);
    const guest = await connectRelay(server);
    guests.push(guest);
    guest.send(guestHello(s.code));
    await guest.control(CONTROL_KIND.welcome);
    guest.send(frame(CONTROL, field(16, msg(field(1, machine), field(2, 'Debian GNU/Linux 12')))));
    for (let i = 0; i < 100; i++) {
      if ((await get(admin, `/api/v1/sessions/${s.id}`)).json.session.guest?.machine === machine) return s;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the guest of ${name} never reported ${machine}`);
  };

  before(async () => {
    server = await startTetherd();
    await setupAdmin(server);
    admin = await login(server, 'admin', strongPassword);
  });
  after(async () => {
    for (const g of guests) g.close();
    await server.stop();
  });

  test('recipe: restrict a host to one machine', async () => {
    const mine = await machineSession('Front desk', 'ws-042');
    const other = await machineSession('Accounts', 'ws-777');
    // 1. A session group for the machine.
    const g = await send(admin, 'POST', '/api/v1/session-groups', { name: 'Machine ws-042', filter: 'machine = "ws-042"' });
    assert.equal(g.status, 201, g.body);
    // 2. A role that sees, joins and ends that group's sessions only.
    await cli('role', 'create', 'ws-042 support', '--description', 'Front desk machine only');
    for (const p of ['ViewSessionGroup', 'JoinSession', 'EndSession', 'AddNoteToSession']) {
      await cli('role', 'grant', 'ws-042 support', p, '--group', 'Machine ws-042');
    }
    // 3. The host gets the role.
    await addUser('carol', 'Host');
    await cli('user', 'set-role', 'carol', 'ws-042 support');
    const carol = await login(server, 'carol', strongPassword);

    assert.deepEqual(await visible(carol), ['Front desk']);
    assert.deepEqual(await attempts(carol, other.id), { get: 403, events: 403, patch: 403, note: 403, token: 403, viewer: 403 });
    const own = await attempts(carol, mine.id);
    assert.deepEqual(own, { get: 200, events: 200, patch: 403, note: 201, token: 201, viewer: 101 });
    // Not an administrator: roles and users stay out of reach.
    assert.equal((await get(carol, '/api/v1/roles')).status, 403);
    assert.equal((await send(carol, 'PATCH', '/api/v1/users/carol', { role: 'Administrator' })).status, 403);
  });

  test('recipe: restrict a host to one company', async () => {
    const made = {};
    for (const [name, company] of [['Acme 1', 'Acme'], ['Acme 2', 'acme'], ['Globex 1', 'Globex'], ['None', '']]) {
      made[name] = await supportSession(server, admin, name);
      const r = await send(admin, 'PATCH', `/api/v1/sessions/${made[name].id}`, { properties: { company } });
      assert.equal(r.status, 200, r.body);
    }
    // 1. A session group for the company.
    const g = await send(admin, 'POST', '/api/v1/session-groups', { name: 'Company Acme', filter: 'company = "Acme"' });
    assert.equal(g.status, 201, g.body);
    // 2. The role, through the REST API this time.
    const entries = ['ViewSessionGroup', 'JoinSession', 'EditSession', 'EndSession', 'AddNoteToSession']
      .map((permission) => ({ permission, effect: 'allow', group_id: g.json.group.id }));
    const role = await send(admin, 'POST', '/api/v1/roles', { name: 'Acme support', entries });
    assert.equal(role.status, 201, role.body);
    // 3. The host gets the role.
    await addUser('dave', 'Host');
    const set = await send(admin, 'PATCH', '/api/v1/users/dave', { role: 'Acme support' });
    assert.equal(set.status, 200, set.body);
    assert.equal(set.json.user.role, 'Acme support');
    const dave = await login(server, 'dave', strongPassword);

    assert.deepEqual(await visible(dave), ['Acme 1', 'Acme 2']);
    for (const name of ['Globex 1', 'None', 'Front desk']) {
      const id = made[name]?.id ?? (await get(admin, '/api/v1/sessions?q=Front')).json.sessions[0].id;
      assert.deepEqual(await attempts(dave, id), { get: 403, events: 403, patch: 403, note: 403, token: 403, viewer: 403 }, name);
    }
    assert.deepEqual(await attempts(dave, made['Acme 2'].id), { get: 200, events: 200, patch: 200, note: 201, token: 201, viewer: 101 });
    // A Deny wins: the same company minus one tag.
    const deny = await send(admin, 'POST', '/api/v1/session-groups', { name: 'VIP', filter: 'tag = "vip"' });
    await send(admin, 'PATCH', `/api/v1/sessions/${made['Acme 1'].id}`, { properties: { tag: 'vip' } });
    const patched = await send(admin, 'PATCH', `/api/v1/roles/${role.json.role.id}`,
      { entries: [...entries, { permission: 'ViewSessionGroup', effect: 'deny', group_id: deny.json.group.id }] });
    assert.equal(patched.status, 200, patched.body);
    assert.deepEqual(await visible(dave), ['renamed']);  // "Acme 2", renamed by dave above
    assert.equal((await get(dave, `/api/v1/sessions/${made['Acme 1'].id}`)).status, 403);
    // A group a role uses cannot be deleted (its Deny would stop denying).
    assert.equal((await send(admin, 'DELETE', `/api/v1/session-groups/${deny.json.group.id}`)).status, 409);
  });

  test('the last administrator cannot be removed, disabled or stripped', async () => {
    const r = await send(admin, 'PATCH', '/api/v1/users/admin', { role: 'Host' });
    assert.equal(r.status, 409, r.body);
    assert.equal(r.json.error, 'last_administrator');
    for (const args of [['user', 'disable', 'admin'], ['user', 'delete', 'admin'], ['user', 'set-role', 'admin', 'Host'],
      ['role', 'revoke', 'Administrator', 'Administer'], ['role', 'deny', 'Administrator', 'Administer']]) {
      const c = await tether(server, args);
      assert.equal(c.code, 1, args.join(' '));
      assert.match(c.stderr, /last_administrator/, args.join(' '));
    }
    const roles = (await get(admin, '/api/v1/roles')).json;
    const adminRole = roles.roles.find((x) => x.name === 'Administrator');
    assert.ok(roles.permissions.some((p) => p.name === 'HostSessionWithoutConsent' && !p.global));
    const strip = await send(admin, 'PATCH', `/api/v1/roles/${adminRole.id}`, { entries: [] });
    assert.equal(strip.status, 409, strip.body);
    assert.equal((await send(admin, 'DELETE', `/api/v1/roles/${adminRole.id}`)).status, 409);
    // A second administrator makes it possible.
    await addUser('erin', 'Administrator');
    assert.equal((await send(admin, 'PATCH', '/api/v1/users/admin', { role: 'Host' })).status, 200);
    const erin = await login(server, 'erin', strongPassword);
    assert.equal((await send(erin, 'PATCH', '/api/v1/users/admin', { role: 'Administrator' })).status, 200);
    admin = await login(server, 'admin', strongPassword);  // a role change ended the web session
    // Scoping a global permission is refused with a clear error.
    const bad = await send(admin, 'POST', '/api/v1/roles', { name: 'Bad', entries: [{ permission: 'Administer', effect: 'allow', group_id: 1 }] });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error, 'validation');
  });
});
