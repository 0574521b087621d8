// Revoking one API token closes, within one second, every live connection opened with it — the
// viewer WebSocket opened with `Authorization: Bearer` and the native host admitted by a host
// token issued to that Bearer caller — while the same user's other connections (login cookie,
// another token) stay up and keep receiving frames. Also: a token that expires closes its viewer
// within a second of the expiry, and deleting the owner closes the viewers of their tokens. Each
// close is a forced_disconnect session event. The times are measured and printed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { supportSession } from '../lib/relay_session.mjs';
import { addUser, login, request, startWithConfig, strongPassword, tether } from '../lib/tetherd.mjs';
import {
  CONTROL_KIND, DROPPABLE, KEY_FRAME, VIDEO, allowEveryHost, connectRelay, connectViewer, consentGranted, field, frame,
  guestHello, hostHello, hostTokenHello, kindOf, msg,
} from '../lib/wire.mjs';

const videoFrame = (id) => frame(VIDEO, field(1, msg(field(1, id), field(3, 64), field(4, 64), field(5, true),
  field(6, msg(field(1, msg(field(3, 64), field(4, 64))), field(2, 3), [0x25, 0xff, 0x00, 0x00, 0xff])))),
DROPPABLE | KEY_FRAME);
const isVideoFrame = (f) => f.channel === VIDEO && kindOf(f.payload) === 1;
const withAuth = (a) => ({ cookie: a.cookie, 'x-csrf-token': a.csrf });
const bearer = (secret) => `Bearer ${secret}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('revoking one API token', () => {
  let server, admin, hazel, s, guest;
  before(async () => {
    // Tokens of a few seconds only with this test setting; the production floor is an hour.
    server = await startWithConfig('[security]\napi_token_min_seconds = 2\n');
    await addUser(server, 'hazel');
    await addUser(server, 'ivan');
    admin = await login(server, 'admin', strongPassword);
    hazel = await login(server, 'hazel', strongPassword);
    s = await supportSession(server, hazel, "Hazel's desk");
    guest = allowEveryHost(await connectRelay(server));
    guest.send(guestHello(s.code));
    await guest.control(CONTROL_KIND.welcome);
  });
  after(async () => { guest?.close(); await server.stop(); });

  async function makeToken(owner, name, extra = { expires_days: 1 }) {
    const r = await request(server, 'POST', '/api/v1/tokens',
      { headers: withAuth(owner), body: { name, scope: ['ViewSessionGroup', 'JoinSession'], ...extra } });
    assert.equal(r.status, 201, r.body);
    return r.json;
  }
  // A host past the guest's consent: a viewer WebSocket (cookie or Bearer) or a native host.
  async function watching(peer) {
    peer.send(hostHello());
    await peer.control(CONTROL_KIND.welcome);
    await consentGranted(peer);
    return peer;
  }
  const viewer = (id, auth) => connectViewer(server, id, auth).then(watching);
  async function nativeHost(secret) {
    const t = await request(server, 'POST', `/api/v1/sessions/${s.id}/host-token`, { headers: { authorization: bearer(secret) } });
    assert.equal(t.status, 201, t.body);
    const peer = await connectRelay(server);
    peer.send(hostTokenHello(t.json.token));
    return watching(peer);
  }
  // Every host in `alive` gets the guest's next frame.
  let frameId = 0;
  async function stillReceive(alive) {
    const sent = videoFrame(++frameId);
    guest.send(sent);
    for (const peer of alive) assert.deepEqual((await peer.next(isVideoFrame)).raw, sent);
  }
  async function forcedEvents(count) {
    const deadline = Date.now() + 5000;
    for (;;) {
      const r = await request(server, 'GET', `/api/v1/sessions/${s.id}/events`, { headers: { cookie: admin.cookie } });
      assert.equal(r.status, 200, r.body);
      const found = r.json.events.filter((e) => e.kind === 'forced_disconnect').map((e) => `${e.actor}/${e.detail}`);
      if (found.length >= count || Date.now() > deadline) return found;
      await sleep(100);
    }
  }

  test('the connections of token A close within a second; the cookie and token B stay and receive frames', async () => {
    const a = await makeToken(hazel, 'A');
    const b = await makeToken(hazel, 'B');
    const viewerA = await viewer(s.id, { authorization: bearer(a.secret) });
    const nativeA = await nativeHost(a.secret);
    const viewerB = await viewer(s.id, { authorization: bearer(b.secret) });
    const cookie = await viewer(s.id, { cookie: hazel.cookie });
    await stillReceive([viewerA, nativeA, viewerB, cookie]);

    const started = performance.now();
    const r = await request(server, 'DELETE', `/api/v1/tokens/${a.token.id}`, { headers: withAuth(hazel) });
    assert.equal(r.status, 204, r.body);
    await Promise.all([viewerA.waitClosed(1000), nativeA.waitClosed(1000)]);
    const ms = performance.now() - started;
    console.log(`# DELETE /api/v1/tokens/{id}: its viewer and native host closed ${ms.toFixed(0)} ms after the request started`);
    assert.ok(ms < 1000, `closed after ${ms.toFixed(0)} ms`);

    await sleep(300);
    assert.equal(viewerB.closed, false, 'token B keeps its viewer');
    assert.equal(cookie.closed, false, 'the login cookie keeps its viewer');
    await stillReceive([viewerB, cookie]);
    assert.deepEqual(await forcedEvents(2), ['hazel/API token revoked', 'hazel/API token revoked']);
    assert.equal((await request(server, 'GET', '/api/v1/me', { headers: { cookie: hazel.cookie } })).status, 200);

    // `tether token revoke` does the same for token B, and the cookie's viewer still stays.
    const cliStarted = performance.now();
    assert.equal((await tether(server, ['token', 'revoke', b.token.id])).code, 0);
    await viewerB.waitClosed(1000);
    const cliMs = performance.now() - cliStarted;
    console.log(`# tether token revoke: its viewer closed ${cliMs.toFixed(0)} ms after the command started`);
    assert.ok(cliMs < 1000, `closed after ${cliMs.toFixed(0)} ms`);
    await stillReceive([cookie]);
    cookie.close();
  });

  test('a host token issued through a revoked token no longer admits', async () => {
    const c = await makeToken(hazel, 'C');
    const t = await request(server, 'POST', `/api/v1/sessions/${s.id}/host-token`, { headers: { authorization: bearer(c.secret) } });
    assert.equal(t.status, 201, t.body);
    assert.equal((await request(server, 'DELETE', `/api/v1/tokens/${c.token.id}`, { headers: withAuth(hazel) })).status, 204);
    const peer = await connectRelay(server);
    peer.send(hostTokenHello(t.json.token));
    await peer.control(CONTROL_KIND.error);
    await peer.waitClosed();
  });

  test("a token's viewer closes within a second of the token's expiry", async () => {
    const before = (await forcedEvents(0)).length;
    const short = await makeToken(hazel, 'short', { expires_seconds: 3 });
    const v = await viewer(s.id, { authorization: bearer(short.secret) });
    const cookie = await viewer(s.id, { cookie: hazel.cookie });
    await v.waitClosed(6000);
    const late = Date.now() - short.token.expires_at * 1000;
    console.log(`# API token expiry: its viewer closed ${late} ms after the token expired`);
    assert.ok(late >= 0 && late < 1000, `closed ${late} ms after the expiry`);
    assert.equal(cookie.closed, false);
    await stillReceive([cookie]);
    assert.deepEqual((await forcedEvents(before + 1)).slice(before), ['hazel/API token expired']);
    cookie.close();
  });

  test("deleting the owner closes their tokens' viewers", async () => {
    const ivan = await login(server, 'ivan', strongPassword);
    const own = await supportSession(server, ivan, "Ivan's desk");
    const g = allowEveryHost(await connectRelay(server));
    g.send(guestHello(own.code));
    await g.control(CONTROL_KIND.welcome);
    const d = await makeToken(ivan, 'D');
    const v = await viewer(own.id, { authorization: bearer(d.secret) });
    const started = performance.now();
    assert.equal((await tether(server, ['user', 'delete', 'ivan'])).code, 0);
    await v.waitClosed(1000);
    console.log(`# tether user delete: the viewer of their token closed ${(performance.now() - started).toFixed(0)} ms after the command started`);
    g.close();
  });
});
