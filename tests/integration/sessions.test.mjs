// The session model and the control panel's API against the real tetherd: editing, notes,
// deletion and the timeline; session groups; the filter language (valid and invalid, with the
// position of the error); keyset paging with cursors over a few hundred sessions; search; and
// SQL-injection-looking filters and searches treated as data.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { login, request, setupAdmin, startTetherd, strongPassword, tether } from '../lib/tetherd.mjs';

describe('sessions and session groups', () => {
  let server;
  let admin;
  let host;
  const as = (who) => ({ cookie: who.cookie, 'x-csrf-token': who.csrf });
  const get = (who, path) => request(server, 'GET', path, { headers: { cookie: who.cookie } });
  const send = (who, method, path, body) => request(server, method, path, { headers: as(who), body });
  const create = async (who, body) => {
    const r = await send(who, 'POST', '/api/v1/sessions', body);
    assert.equal(r.status, 201, r.body);
    return r.json.session;
  };
  const groupId = async (name) => (await get(admin, '/api/v1/session-groups')).json.groups.find((g) => g.name === name).id;
  const list = async (who, query) => {
    const r = await get(who, `/api/v1/sessions?${new URLSearchParams(query)}`);
    assert.equal(r.status, 200, r.body);
    return r.json;
  };

  before(async () => {
    server = await startTetherd();
    await setupAdmin(server);
    const add = await tether(server, ['user', 'add', 'hank', '--role', 'Host', '--password-stdin'], { input: strongPassword + '\n' });
    assert.equal(add.code, 0, add.stderr);
    admin = await login(server, 'admin', strongPassword);
    host = await login(server, 'hank', strongPassword);
  });
  after(async () => { await server.stop(); });

  test('PATCH renames and sets custom properties, each change an event on the timeline', async () => {
    const s = await create(host, { type: 'support', name: 'Printer' });
    assert.deepEqual(s.properties, {});
    assert.deepEqual(s.guest, { machine: '', os: '', user: '', address: '', agent_version: '', online: false, last_seen: 0 });
    let r = await send(host, 'PATCH', `/api/v1/sessions/${s.id}`,
      { name: 'Printer on floor 2', properties: { company: 'Acme', site: 'Berlin' } });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.session.name, 'Printer on floor 2');
    assert.deepEqual(r.json.session.properties, { company: 'Acme', site: 'Berlin' });
    r = await send(host, 'PATCH', `/api/v1/sessions/${s.id}`, { properties: { site: '' } });
    assert.deepEqual(r.json.session.properties, { company: 'Acme' });
    assert.deepEqual((await get(admin, `/api/v1/sessions/${s.id}`)).json.session.properties, { company: 'Acme' });

    const note = await send(admin, 'POST', `/api/v1/sessions/${s.id}/notes`, { text: 'Called back.\nFixed the tray.' });
    assert.equal(note.status, 201, note.body);
    assert.equal(note.json.event.kind, 'note');
    const events = (await get(host, `/api/v1/sessions/${s.id}/events`)).json;
    assert.deepEqual(events.events.map((e) => [e.kind, e.actor]),
      [['created', 'hank'], ['edited', 'hank'], ['edited', 'hank'], ['note', 'admin']]);
    assert.equal(events.events[1].detail, 'name="Printer on floor 2", company="Acme", site="Berlin"');
    assert.equal(events.events[3].detail, 'Called back.\nFixed the tray.');
    assert.equal(events.more, false);
    // Paging the timeline.
    const first = (await get(host, `/api/v1/sessions/${s.id}/events?limit=2`)).json;
    assert.equal(first.events.length, 2);
    assert.equal(first.more, true);
    const rest = (await get(host, `/api/v1/sessions/${s.id}/events?after=${first.events[1].id}`)).json;
    assert.deepEqual(rest.events.map((e) => e.kind), ['edited', 'note']);
  });

  test('edits are validated and need a login and the CSRF token', async () => {
    const s = await create(host, { type: 'support', name: 'Validate me' });
    const path = `/api/v1/sessions/${s.id}`;
    const bad = [
      [{ name: '' }, /name/], [{ name: 'x'.repeat(129) }, /name/], [{ name: 'tab\there' }, /name/],
      [{ name: 5 }, /name must be a string/], [{ properties: { colour: 'red' } }, /unknown property/],
      [{ properties: { company: 'x'.repeat(129) } }, /company/], [{ properties: { company: 7 } }, /strings/],
      [{ properties: 'Acme' }, /object/], [{ owner: 'me' }, /unknown field/], [[], /JSON object/],
    ];
    for (const [body, message] of bad) {
      const r = await send(host, 'PATCH', path, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.json.error, 'validation');
      assert.match(r.json.message, message, JSON.stringify(body));
    }
    assert.equal((await send(host, 'POST', `${path}/notes`, { text: '' })).status, 400);
    assert.equal((await send(host, 'POST', `${path}/notes`, { text: 'n'.repeat(2001) })).status, 400);
    assert.equal((await send(host, 'POST', `${path}/notes`, {})).status, 400);
    assert.equal((await request(server, 'PATCH', path, { headers: { cookie: host.cookie }, body: { name: 'x' } })).json.error, 'csrf');
    assert.equal((await request(server, 'PATCH', path, { body: { name: 'x' } })).status, 401);
    assert.equal((await request(server, 'DELETE', path, { headers: { cookie: host.cookie } })).json.error, 'csrf');
    assert.equal((await send(host, 'PATCH', '/api/v1/sessions/nope', { name: 'x' })).status, 404);
    assert.equal((await send(host, 'POST', '/api/v1/sessions/nope/notes', { text: 'x' })).status, 404);
    assert.equal((await get(host, '/api/v1/sessions/nope/events')).status, 404);
    assert.equal((await get(host, `${path}/events?limit=0`)).status, 400);
    assert.equal((await get(host, `${path}/events?after=-1`)).status, 400);
    assert.equal((await get(admin, path)).json.session.name, 'Validate me');
  });

  test('DELETE removes a session and its events; the audit log keeps a record', async () => {
    // The default Host role creates support sessions only and deletes none.
    assert.equal((await send(host, 'POST', '/api/v1/sessions', { type: 'meeting', name: 'Weekly' })).status, 403);
    const s = await create(admin, { type: 'meeting', name: 'Weekly' });
    assert.equal((await send(host, 'DELETE', `/api/v1/sessions/${s.id}`)).status, 403);
    const r = await send(admin, 'DELETE', `/api/v1/sessions/${s.id}`);
    assert.equal(r.status, 204, r.body);
    assert.equal((await get(host, `/api/v1/sessions/${s.id}`)).status, 404);
    assert.equal((await get(host, `/api/v1/sessions/${s.id}/events`)).status, 404);
    assert.equal((await send(admin, 'DELETE', `/api/v1/sessions/${s.id}`)).status, 404);
    const status = JSON.parse((await tether(server, ['--json', 'status'])).stdout);
    assert.ok(status.users >= 2);
  });

  test('the default groups exist; only administrators manage groups', async () => {
    const r = await get(host, '/api/v1/session-groups');
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(r.json.groups.map((g) => [g.name, g.filter, g.subgroup_by, g.session_type]), [
      ['All sessions', '', '', ''],
      ['My sessions', 'created_by = me', '', ''],
      ['By company', '', 'company', ''],
      ['By OS', '', 'os', ''],
      ['Guest connected', 'online', '', ''],
      ['Offline for 30 days', 'NOT online AND last_seen < 30d ago AND created_at < 30d ago', '', 'access'],
    ]);
    assert.equal((await get(host, '/api/v1/session-groups?type=support')).json.groups.length, 5);
    assert.equal((await get(host, '/api/v1/session-groups?type=desktop')).status, 400);

    const forbidden = await send(host, 'POST', '/api/v1/session-groups', { name: 'Mine', filter: 'online' });
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.json.error, 'forbidden');

    const made = await send(admin, 'POST', '/api/v1/session-groups', { name: 'VIP', filter: 'tag = vip', subgroup_by: 'Company' });
    assert.equal(made.status, 201, made.body);
    assert.equal(made.headers.location, `/api/v1/session-groups/${made.json.group.id}`);
    assert.equal(made.json.group.subgroup_by, 'company');
    const id = made.json.group.id;
    assert.equal((await send(admin, 'POST', '/api/v1/session-groups', { name: 'vip', filter: '' })).status, 409);
    const renamed = await send(admin, 'PATCH', `/api/v1/session-groups/${id}`, { name: 'VIPs', session_type: 'access' });
    assert.equal(renamed.status, 200, renamed.body);
    assert.equal(renamed.json.group.filter, 'tag = vip');
    assert.equal((await get(host, `/api/v1/session-groups/${id}`)).json.group.name, 'VIPs');
    for (const body of [{ name: '' }, { subgroup_by: 'online' }, { session_type: 'desktop' }, { position: -1 },
      { position: 'first' }, { colour: 'red' }, { filter: 5 }]) {
      const bad = await send(admin, 'PATCH', `/api/v1/session-groups/${id}`, body);
      assert.equal(bad.status, 400, JSON.stringify(body));
    }
    assert.equal((await send(host, 'DELETE', `/api/v1/session-groups/${id}`)).status, 403);
    assert.equal((await send(admin, 'DELETE', `/api/v1/session-groups/${id}`)).status, 204);
    assert.equal((await get(admin, `/api/v1/session-groups/${id}`)).status, 404);
    assert.equal((await get(admin, '/api/v1/session-groups/abc')).status, 404);
  });

  test('a bad filter is a 400 validation error with its position, in the list and in groups', async () => {
    const cases = [
      ['compnay = acme', 1, /unknown field 'compnay'/],
      ['company =', 10, /expected a value after '='/],
      ['last_seen < 30d', 16, /needs 'ago'/],
      ['(online', 1, /never closed/],
      ['online ~ yes', 8, /does not apply/],
      ['name = "unterminated', 8, /unterminated string/],
      ['café = 1', 1, /unknown field 'café'/],
      ['x'.repeat(2049), 1, /longer than 2048/],
    ];
    for (const [filter, position, message] of cases) {
      const r = await get(host, `/api/v1/sessions?filter=${encodeURIComponent(filter)}`);
      assert.equal(r.status, 400, filter);
      assert.equal(r.json.error, 'validation');
      assert.equal(r.json.parameter, 'filter');
      assert.equal(r.json.position, position, `${filter}: ${r.json.message}`);
      assert.match(r.json.message, message);
      assert.match(r.json.message, new RegExp(`^filter: at position ${position}: `));
    }
    const g = await send(admin, 'POST', '/api/v1/session-groups', { name: 'Broken', filter: 'tag = vip AND' });
    assert.equal(g.status, 400);
    assert.equal(g.json.position, 14);
    for (const query of ['cursor=bogus', 'limit=0', 'limit=1001', 'type=desktop', 'group=abc', 'ended=maybe',
      `q=${'q'.repeat(129)}`, 'subgroup=x']) {
      const r = await get(host, `/api/v1/sessions?${query}`);
      assert.equal(r.status, 400, query);
      assert.equal(r.json.error, 'validation', query);
    }
    assert.equal((await get(host, '/api/v1/sessions?group=99999')).status, 404);
  });

  test('the OpenAPI document describes the session list, edits and groups', async () => {
    const doc = (await request(server, 'GET', '/api/v1/openapi.json')).json;
    const params = doc.paths['/sessions'].get.parameters.map((p) => p.name);
    assert.deepEqual(params, ['type', 'ended', 'group', 'subgroup', 'filter', 'q', 'limit', 'cursor']);
    assert.ok(doc.paths['/sessions'].get.responses['200'].content['application/json'].schema.properties.next_cursor);
    for (const [path, methods] of Object.entries({
      '/sessions/{id}': ['get', 'patch', 'delete'], '/sessions/{id}/notes': ['post'], '/sessions/{id}/events': ['get'],
      '/session-groups': ['get', 'post'], '/session-groups/{id}': ['get', 'patch', 'delete'],
      '/session-groups/{id}/subgroups': ['get'],
    })) {
      for (const m of methods) assert.ok(doc.paths[path]?.[m], `${m} ${path}`);
    }
    for (const schema of ['SessionGroup', 'GuestInfo', 'SessionProperties', 'FilterError']) {
      assert.ok(doc.components.schemas[schema], schema);
    }
    assert.ok(doc.components.schemas.Session.properties.guest);
  });

  describe('with a few hundred sessions', () => {
    const made = [];
    before(async () => {
      // 300 sessions through the REST API, across types, companies and owners. Hosts may create
      // every type here.
      for (const p of ['CreateMeetingSession', 'BuildAccessInstaller']) {
        const g = await tether(server, ['role', 'grant', 'Host', p]);
        assert.equal(g.code, 0, g.stderr);
      }
      const companies = ['Acme', 'Globex', 'Initech', ''];
      for (let i = 0; i < 300; i++) {
        const type = ['support', 'access', 'meeting'][i % 3];
        const who = i % 2 ? host : admin;
        const s = await create(who, { type, name: `Machine ${String(i).padStart(3, '0')}` });
        if (companies[i % 4]) {
          const r = await send(admin, 'PATCH', `/api/v1/sessions/${s.id}`, { properties: { company: companies[i % 4], tag: i % 10 === 0 ? 'vip' : '' } });
          assert.equal(r.status, 200, r.body);
        }
        made.push({ ...s, company: companies[i % 4], owner: who === host ? 'hank' : 'admin', vip: i % 10 === 0 && companies[i % 4] !== '' });
      }
    });

    test('cursors page through every session once, newest first', async () => {
      const seen = [];
      let cursor = null;
      let pages = 0;
      do {
        const page = await list(host, { type: 'access', limit: '17', ...(cursor ? { cursor } : {}) });
        assert.ok(page.sessions.length <= 17);
        seen.push(...page.sessions.map((s) => s.id));
        cursor = page.next_cursor;
        pages += 1;
      } while (cursor);
      // Newest first; sessions of the same second by id, descending (byte order).
      const access = made.filter((s) => s.type === 'access')
        .sort((a, b) => (b.created_at - a.created_at) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
        .map((s) => s.id);
      assert.deepEqual(seen, access);
      assert.equal(pages, Math.ceil(access.length / 17));
      assert.equal(new Set(seen).size, seen.length);
    });

    test('groups, sub-groups with counts, filters and search', async () => {
      const mine = await list(host, { group: String(await groupId('My sessions')), limit: '1000' });
      assert.ok(mine.sessions.length >= 150);
      assert.ok(mine.sessions.every((s) => s.created_by === 'hank'));

      const byCompany = await groupId('By company');
      const subs = await get(host, `/api/v1/session-groups/${byCompany}/subgroups?type=support`);
      assert.equal(subs.status, 200, subs.body);
      assert.equal(subs.json.field, 'company');
      const support = (await list(host, { type: 'support', limit: '1000' })).sessions;
      const companyOf = (s) => s.properties.company ?? '';
      const expected = ['', 'Acme', 'Globex', 'Initech'].map((value) => ({ value, count: support.filter((s) => companyOf(s) === value).length }));
      assert.deepEqual(subs.json.subgroups, expected.filter((e) => e.count > 0));
      assert.equal(subs.json.truncated, false);
      const acme = await list(host, { type: 'support', group: String(byCompany), subgroup: 'ACME', limit: '1000' });
      assert.equal(acme.sessions.length, support.filter((s) => companyOf(s) === 'Acme').length);
      assert.ok(acme.sessions.length >= 25);
      const none = await list(host, { type: 'support', group: String(byCompany), subgroup: '', limit: '1000' });
      assert.ok(none.sessions.every((s) => !s.properties.company));

      const vip = await list(host, { filter: 'tag = vip AND company != Initech', limit: '1000' });
      assert.equal(vip.sessions.length, made.filter((s) => s.vip && s.company !== 'Initech').length);
      const search = await list(host, { q: 'machine 12', limit: '1000' });
      assert.deepEqual(search.sessions.map((s) => s.name).sort(),
        made.filter((s) => s.name.toLowerCase().includes('machine 12')).map((s) => s.name).sort());
      const code = made.find((s) => s.type === 'support').code;
      assert.deepEqual((await list(host, { q: code })).sessions.map((s) => s.code), [code]);
    });

    test('ending a session hides it unless ended sessions are asked for', async () => {
      const s = made.find((x) => x.type === 'support');
      assert.equal((await send(host, 'POST', `/api/v1/sessions/${s.id}/end`)).status, 204);
      const open = await list(host, { q: s.code });
      assert.equal(open.sessions.length, 0);
      const all = await list(host, { q: s.code, ended: 'true' });
      assert.equal(all.sessions.length, 1);
      assert.ok(all.sessions[0].ended_at > 0);
      assert.equal((await list(host, { q: s.code, ended: 'true', filter: 'ended' })).sessions.length, 1);
    });

    test('SQL-injection-looking filters and searches are data', async () => {
      const before = (await list(admin, { ended: 'true', limit: '1000' })).sessions.length;
      const filters = [
        `name = "x' OR '1'='1"`,
        `name = "'; DROP TABLE sessions; --"`,
        `company ~ "%' UNION SELECT id, type, name FROM users --"`,
        `name ~ "\\" OR 1=1 --"`,
        `company = 'Acme'' OR ''1''=''1'`,
      ];
      for (const filter of filters) {
        const r = await get(admin, `/api/v1/sessions?filter=${encodeURIComponent(filter)}&ended=true`);
        if (r.status === 400) {
          assert.equal(r.json.error, 'validation', filter);
          assert.ok(r.json.position >= 1, filter);
        } else {
          assert.equal(r.status, 200, `${filter}: ${r.body}`);
          assert.deepEqual(r.json.sessions, [], filter);
        }
      }
      for (const q of [`' OR 1=1 --`, `%`, `_`, `"); DELETE FROM sessions; --`, `Machine 0' OR 'a'='a`]) {
        const r = await list(admin, { q, ended: 'true', limit: '1000' });
        assert.deepEqual(r.sessions, [], q);
      }
      // A wildcard-looking name is found literally, and only it.
      const odd = await create(admin, { type: 'support', name: '100%_done' });
      assert.deepEqual((await list(admin, { q: '%_' })).sessions.map((s) => s.id), [odd.id]);
      const groupFilter = await send(admin, 'POST', '/api/v1/session-groups',
        { name: "Robert'); DROP TABLE session_groups;--", filter: `name = "'); DROP TABLE sessions; --"` });
      assert.equal(groupFilter.status, 201, groupFilter.body);
      assert.equal((await list(admin, { group: String(groupFilter.json.group.id) })).sessions.length, 0);
      // Nothing was dropped, nothing was added.
      assert.equal((await list(admin, { ended: 'true', limit: '1000' })).sessions.length, before + 1);
      assert.equal((await get(admin, '/api/v1/session-groups')).json.groups.length, 7);
      const integrity = await tether(server, ['--json', 'status']);
      assert.equal(integrity.code, 0);
    });
  });
});
