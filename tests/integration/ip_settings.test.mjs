// The IP restrictions changed on the administration page (PATCH /api/v1/settings/security,
// keys security.ip.*) against a real tetherd: each list takes effect on the next request or
// relay connection without a restart; X-Forwarded-For is believed once the page names a trusted
// proxy; a change that would refuse the administrator making it is refused (409
// would_lock_out) unless confirmed; `tether settings reset` on the local socket is the way back.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { addUser, login, request, run, startWithConfig, strongPassword, tether } from '../lib/tetherd.mjs';
import { CONTROL_KIND, connectRelay, guestHello, parse } from '../lib/wire.mjs';

const withAuth = (a) => ({ cookie: a.cookie, 'x-csrf-token': a.csrf });
const via = (addr) => ({ 'x-forwarded-for': addr });
const office = '198.51.100.7';
const stranger = '203.0.113.5';
const loginBody = { username: 'admin', password: strongPassword };

async function auditRows(server, kind) {
  const r = await run('sqlite3', [path.join(server.dataDir, 'tether.db'),
    `SELECT actor || '|' || detail FROM audit_log WHERE kind = '${kind}' ORDER BY id`]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split('\n').filter(Boolean);
}

// A relay connection from 127.0.0.1: admitted when a guest hello gets the wrong-code answer.
async function relayAdmits(server) {
  let peer;
  try {
    peer = await connectRelay(server);
  } catch {
    return false;
  }
  try {
    peer.send(guestHello('000000'));
    const f = await peer.control(CONTROL_KIND.error);
    assert.equal(parse(parse(f.payload)[5][0])[1][0], 3, 'a wrong code, not a refused address');  // UNAUTHENTICATED
    return true;
  } catch {
    return false;
  } finally {
    peer.close?.();
  }
}

describe('IP restrictions changed on the administration page', () => {
  let server, admin, bob;
  before(async () => {
    server = await startWithConfig('[security]\nlockout_address_failures = 100000\n');
    await addUser(server, 'bob');
    admin = await login(server, 'admin', strongPassword);
    bob = await login(server, 'bob', strongPassword);
  });
  after(async () => { await server?.stop(); });

  const get = (extra = {}) => request(server, 'GET', '/api/v1/settings/security', { headers: { ...withAuth(admin), ...extra } });
  const patch = (settings, { auth = admin, confirm, headers = {} } = {}) =>
    request(server, 'PATCH', '/api/v1/settings/security', {
      headers: { ...withAuth(auth), ...headers },
      body: confirm === undefined ? { settings } : { settings, confirm_lockout: confirm },
    });
  const setting = (r, key) => r.json.settings.find((s) => s.key === key);

  test('each list is a setting; a bad entry is named and nothing changes', async () => {
    const r = await get();
    assert.equal(r.status, 200, r.body);
    for (const area of ['login', 'host', 'admin', 'api', 'relay']) {
      for (const list of ['allow', 'block']) {
        assert.deepEqual(setting(r, `security.ip.${area}.${list}`),
          { key: `security.ip.${area}.${list}`, value: [], file: [], default: [], source: 'default', changeable: true });
      }
    }
    assert.deepEqual(setting(r, 'security.ip.trusted_proxies').value, []);
    const bad = await patch({ 'security.ip.host.block': [stranger], 'security.ip.login.allow': ['192.0.2.1', '10.0.0.0/33'] });
    assert.equal(bad.status, 400, bad.body);
    assert.match(bad.json.message, /^security\.ip\.login\.allow\[1\]: /);
    const many = await patch({ 'security.ip.api.block': Array.from({ length: 1001 }, (_, i) => `10.0.${i >> 8}.${i & 255}`) });
    assert.equal(many.status, 400, many.body);
    assert.equal(many.json.message, 'security.ip.api.block: at most 1000 entries');
    assert.deepEqual(setting(await get(), 'security.ip.host.block').value, [], 'all or nothing');
  });

  test('a user without Administer cannot change them', async () => {
    const r = await patch({ 'security.ip.relay.block': ['127.0.0.1'] }, { auth: bob });
    assert.equal(r.status, 403, r.body);
    assert.deepEqual(setting(await get(), 'security.ip.relay.block').value, []);
  });

  test('X-Forwarded-For counts only once the page names a trusted proxy', async () => {
    const set = await patch({ 'security.ip.login.block': [stranger] });
    assert.equal(set.status, 200, set.body);
    const ignored = await request(server, 'POST', '/api/v1/auth/login', { body: loginBody, headers: via(stranger) });
    assert.equal(ignored.status, 200, 'without trusted proxies the header is the client\'s own claim');
    const proxies = await patch({ 'security.ip.trusted_proxies': ['127.0.0.1'] });
    assert.equal(proxies.status, 200, proxies.body);
    const refused = await request(server, 'POST', '/api/v1/auth/login', { body: loginBody, headers: via(stranger) });
    assert.equal(refused.status, 403, refused.body);
    assert.equal(refused.json.error, 'forbidden');
    const office_login = await request(server, 'POST', '/api/v1/auth/login', { body: loginBody, headers: via(office) });
    assert.equal(office_login.status, 200, office_login.body);
  });

  test('host, admin and api block-lists refuse the next request, from their own area', async () => {
    const made = await request(server, 'POST', '/api/v1/tokens',
      { headers: withAuth(admin), body: { name: 'ci', scope: ['ViewSessionGroup'], expires_days: 1 } });
    assert.equal(made.status, 201, made.body);
    const bearer = { authorization: `Bearer ${made.json.secret}` };
    const sessions = (headers) => request(server, 'GET', '/api/v1/sessions', { headers });
    const users = (headers) => request(server, 'GET', '/api/v1/users', { headers });
    assert.equal((await sessions({ ...withAuth(admin), ...via(stranger) })).status, 200);
    assert.equal((await users({ ...withAuth(admin), ...via(stranger) })).status, 200);
    assert.equal((await sessions({ ...bearer, ...via(stranger) })).status, 200);

    const r = await patch({ 'security.ip.host.block': [stranger], 'security.ip.admin.block': [stranger],
      'security.ip.api.block': [stranger] });
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(setting(r, 'security.ip.admin.block'),
      { key: 'security.ip.admin.block', value: [`${stranger}/32`], file: [], default: [], source: 'page', changeable: true });
    assert.equal((await sessions({ ...withAuth(admin), ...via(stranger) })).status, 403);
    assert.equal((await users({ ...withAuth(admin), ...via(stranger) })).status, 403);
    assert.equal((await sessions({ ...bearer, ...via(stranger) })).status, 403);
    assert.equal((await sessions(withAuth(admin))).status, 200, 'others still get in');
    assert.equal((await sessions(bearer)).status, 200);
    const refused = await auditRows(server, 'ip.refused');
    for (const area of ['host', 'admin', 'api', 'login']) {
      assert.ok(refused.some((row) => row.includes(`area=${area} `)), `${area}: ${refused.join('\n')}`);
    }
  });

  test('the relay block-list closes new relay connections at once, and a reset admits them again', async () => {
    assert.ok(await relayAdmits(server));
    const r = await patch({ 'security.ip.relay.block': ['127.0.0.0/8'] });
    assert.equal(r.status, 200, r.body);
    await assert.rejects(connectRelay(server), /before secure TLS connection was established|ECONNRESET/);
    const reset = await patch({ 'security.ip.relay.block': null });
    assert.equal(reset.status, 200, reset.body);
    assert.equal(setting(reset, 'security.ip.relay.block').source, 'default');
    assert.ok(await relayAdmits(server));
  });

  test('a change that would lock out the administrator making it is refused unless confirmed', async () => {
    const refused = await patch({ 'security.ip.admin.block': [stranger, '127.0.0.1'] });
    assert.equal(refused.status, 409, refused.body);
    assert.equal(refused.json.error, 'would_lock_out');
    assert.match(refused.json.message, /127\.0\.0\.1.* admin area/);
    const still = await get();
    assert.equal(still.status, 200, 'the administrator still gets in');
    assert.deepEqual(setting(still, 'security.ip.admin.block').value, [`${stranger}/32`], 'nothing changed');

    // Login and host count too, and so does the address behind the proxy: this administrator
    // comes through 127.0.0.1 for the office; without the trusted proxy it would be 127.0.0.1.
    const login_area = await patch({ 'security.ip.login.allow': ['198.51.100.0/24'] });
    assert.equal(login_area.status, 409, login_area.body);
    assert.match(login_area.json.message, / login area/);
    const behind = await patch({ 'security.ip.login.allow': ['198.51.100.0/24'] }, { headers: via(office) });
    assert.equal(behind.status, 200, behind.body);
    const drop_proxy = await patch({ 'security.ip.trusted_proxies': null }, { headers: via(office) });
    assert.equal(drop_proxy.status, 409, drop_proxy.body);
    assert.match(drop_proxy.json.message, /127\.0\.0\.1.* login area/);
    const host_area = await patch({ 'security.ip.host.allow': ['192.0.2.0/24'] }, { headers: via(office) });
    assert.equal(host_area.status, 409, host_area.body);
    assert.match(host_area.json.message, /198\.51\.100\.7.* host area/);
    const back = await patch({ 'security.ip.login.allow': null });
    assert.equal(back.status, 200, back.body);

    const confirmed = await patch({ 'security.ip.admin.block': [stranger, '127.0.0.1'] }, { confirm: true });
    assert.equal(confirmed.status, 200, confirmed.body);
    const locked = await get();
    assert.equal(locked.status, 403, 'the administrator is refused from the next request on');
    assert.equal(locked.json.error, 'forbidden');

    const reset = await tether(server, ['settings', 'reset', 'security.ip.admin.block']);
    assert.equal(reset.code, 0, reset.stderr);
    assert.equal((await get()).status, 200, 'the local command is the way back in');
  });

  test('changes are audited with the lists before and after', async () => {
    const rows = await auditRows(server, 'settings.changed');
    assert.ok(rows.includes(`admin|security.ip.relay.block: [] -> ["127.0.0.0/8"]`), rows.join('\n'));
    assert.ok(rows.includes(`admin|security.ip.admin.block: ["${stranger}/32"] -> ["${stranger}/32","127.0.0.1/32"]`), rows.join('\n'));
    assert.ok(!rows.some((r) => r.includes('192.0.2.0/24')), 'a refused change is not audited');
  });

  test('tether settings set takes a list and show prints it readably', async () => {
    const set = await tether(server, ['settings', 'set', 'security.ip.relay.block', '["127.0.0.1","2001:db8::/32"]']);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /security\.ip\.relay\.block\s+127\.0\.0\.1\/32,2001:db8::\/32\s+page/);
    assert.equal(await relayAdmits(server), false);
    const bad = await tether(server, ['settings', 'set', 'security.ip.relay.block', '["nonsense"]']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /security\.ip\.relay\.block\[0\]: /);
    const reset = await tether(server, ['settings', 'reset', 'security.ip.relay.block']);
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(reset.stdout, /security\.ip\.relay\.block\s+-\s+default/);
    assert.ok(await relayAdmits(server));
  });
});
