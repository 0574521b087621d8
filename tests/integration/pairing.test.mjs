// Relay pairing: a guest on the TLS relay port and browser-style hosts on the web server's
// WebSocket meet in a session; video fans out, input flows back unless view-only, events are
// recorded, and ending the session closes everyone.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { metric } from '../lib/relay_session.mjs';
import { login, request, setupAdmin, startTetherd, strongPassword, tether } from '../lib/tetherd.mjs';
import {
  CONTROL, CONTROL_KIND, DROPPABLE, INPUT, KEY_FRAME, VIDEO, allowEveryHost, connectRelay, connectViewer, consentGranted,
  field, frame, guestHello, hostHello, kindOf, msg, ping,
} from '../lib/wire.mjs';

// VideoMessage{frame: VideoFrame{frame_id, monitor 0, width 64, height 64, key_frame, tiles: [solid]}}
const videoFrame = (id, key) => frame(VIDEO, field(1, msg(field(1, id), field(3, 64), field(4, 64), key ? field(5, true) : [],
  field(6, msg(field(1, msg(field(3, 64), field(4, 64))), field(2, 3), [0x25, 0xff, 0x00, 0x00, 0xff])))),
DROPPABLE | (key ? KEY_FRAME : 0));
// VideoMessage{ack: FrameAck{frame_id}}
const ack = (id) => frame(VIDEO, field(2, field(1, id)));
// InputMessage{key: KeyEvent{keysym 'a', down}}
const keyA = frame(INPUT, field(2, msg(field(1, 0x61), field(3, true))));
// ControlMessage{view_only: {view_only}}
const viewOnly = (v) => frame(CONTROL, field(10, v ? field(1, true) : []));
const layout = frame(CONTROL, field(7, field(1, msg(field(1, 0), field(4, 64), field(5, 64), field(6, true), field(7, 'Virtual-1')))));

// The guest allows every host (consent itself is tested in consent.test.mjs).
async function joinGuest(server, code) {
  const guest = allowEveryHost(await connectRelay(server));
  guest.send(guestHello(code));
  await guest.control(CONTROL_KIND.welcome);
  await guest.control(CONTROL_KIND.session_info);
  return guest;
}

async function joinHost(server, sessionId, auth) {
  const host = await connectViewer(server, sessionId, { cookie: auth.cookie });
  host.send(hostHello());
  await host.control(CONTROL_KIND.welcome);
  await host.control(CONTROL_KIND.session_info);
  return host;
}


describe('relay pairing', () => {
  let server, auth, session;
  before(async () => {
    server = await startTetherd();
    await setupAdmin(server);
    auth = await login(server, 'admin', strongPassword);
  });
  after(async () => { await server.stop(); });

  test('guest and two hosts: video fans out, key frames for late joiners, input flows back', async () => {
    const r = await request(server, 'POST', '/api/v1/sessions', {
      headers: { cookie: auth.cookie, 'x-csrf-token': auth.csrf }, body: { type: 'support', name: 'Pairing' },
    });
    session = r.json.session;
    const guest = await joinGuest(server, session.code);
    guest.send(layout);

    const host1 = await joinHost(server, session.id, auth);
    const joined = await guest.next((f) => f.channel === CONTROL && kindOf(f.payload) === CONTROL_KIND.peer_event &&
      f.payload.includes(Buffer.from('admin')));
    assert.ok(joined, 'the guest learns who joined');
    await host1.control(CONTROL_KIND.monitor_layout);  // cached layout reaches the late joiner
    // The relay asks the guest for a key frame for the new host.
    await guest.next((f) => f.channel === VIDEO && kindOf(f.payload) === 3);

    // Frames are counted in each direction; browser viewers among the relay's connections.
    const toHost = 'tether_relay_frames_total{direction="to_host"}';
    const toGuest = 'tether_relay_frames_total{direction="to_guest"}';
    const wsActive = 'tether_relay_connections_active{transport="websocket"}';
    assert.equal(await metric(server, wsActive), 1);
    assert.equal(await metric(server, 'tether_relay_connections_total{transport="websocket"}'), 1);
    const [toHost0, toGuest0] = [await metric(server, toHost), await metric(server, toGuest)];
    guest.send(videoFrame(1, false));  // delta before any key frame: not shown to a new host
    guest.send(videoFrame(2, true));
    guest.send(videoFrame(3, false));
    const f2 = await host1.next((f) => f.channel === VIDEO);
    assert.equal(f2.flags, DROPPABLE | KEY_FRAME);
    assert.deepEqual(f2.raw, videoFrame(2, true), 'frames are relayed byte for byte');
    const f3 = await host1.next((f) => f.channel === VIDEO);
    assert.deepEqual(f3.raw, videoFrame(3, false));

    host1.send(ack(3));
    const acked = await guest.next((f) => f.channel === VIDEO && kindOf(f.payload) === 2);
    assert.deepEqual(acked.raw, ack(3));

    host1.send(keyA);
    const key = await guest.next((f) => f.channel === INPUT);
    assert.deepEqual(key.raw, keyA);
    assert.equal(await metric(server, toHost), toHost0 + 2, 'key frame 2 and delta 3 reached the host');
    assert.equal(await metric(server, toGuest), toGuest0 + 2, 'the ack and the key reached the guest');

    // A second host (a meeting-style viewer) joins and gets the next key frame too.
    const host2 = await joinHost(server, session.id, auth);
    await guest.next((f) => f.channel === VIDEO && kindOf(f.payload) === 3);
    guest.send(videoFrame(4, true));
    assert.deepEqual((await host1.next((f) => f.channel === VIDEO)).raw, videoFrame(4, true));
    assert.deepEqual((await host2.next((f) => f.channel === VIDEO)).raw, videoFrame(4, true));

    // Ping/pong works for browser hosts too.
    host2.send(ping(7));
    await host2.control(CONTROL_KIND.pong);

    // View-only: input from host2 is dropped at the relay and counted.
    host2.send(viewOnly(true));
    const initial = await host2.control(CONTROL_KIND.view_only);
    assert.deepEqual([...initial.payload], [0x52, 0x00], 'joined with control');
    const state = await host2.control(CONTROL_KIND.view_only);
    assert.deepEqual([...state.payload], [0x52, 0x02, 0x08, 0x01], 'now view-only');
    const before = await metric(server, 'tether_relay_input_dropped_view_only_total');
    host2.send(keyA);
    host1.send(frame(INPUT, field(2, msg(field(1, 0x62), field(3, true)))));  // 'b' from host1 still arrives
    const next = await guest.next((f) => f.channel === INPUT);
    assert.equal(next.payload.includes(0x62), true, 'the next input the guest sees is host1\'s, not host2\'s');
    assert.equal(await metric(server, 'tether_relay_input_dropped_view_only_total'), before + 1);

    // A host leaving releases whatever it held on the guest.
    host1.close();
    const release = await guest.next((f) => f.channel === INPUT);
    assert.equal(kindOf(release.payload), 3, 'ReleaseAll');

    // Ending the session from the CLI closes every connection with SESSION_ENDED.
    const end = await tether(server, ['session', 'end', session.id]);
    assert.equal(end.code, 0, end.stderr);
    for (const peer of [guest, host2]) {
      const err = await peer.control(CONTROL_KIND.error);
      assert.equal(err.payload[3], 6, 'SESSION_ENDED');
      await peer.waitClosed();
    }

    const events = await request(server, 'GET', `/api/v1/sessions/${session.id}/events`, { headers: { cookie: auth.cookie } });
    const kinds = events.json.events.map((e) => `${e.kind}:${e.actor}`);
    for (const k of ['created:admin', 'guest_connected:guest', 'host_joined:admin', 'host_left:admin', 'ended:local-admin']) {
      assert.ok(kinds.includes(k), `${k} in ${kinds.join(', ')}`);
    }
    for (let i = 0; i < 50 && await metric(server, wsActive) > 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await metric(server, wsActive), 0, 'both viewers were counted out');
  });

  test('the viewer WebSocket needs a login, the right Origin and an open session', async () => {
    const r = await request(server, 'POST', '/api/v1/sessions', {
      headers: { cookie: auth.cookie, 'x-csrf-token': auth.csrf }, body: { type: 'meeting', name: 'Guarded' },
    });
    const id = r.json.session.id;
    await assert.rejects(connectViewer(server, id, {}), (e) => e.status === 401);
    await assert.rejects(connectViewer(server, id, { cookie: auth.cookie, origin: 'https://evil.example' }), (e) => e.status === 403);
    await assert.rejects(connectViewer(server, id, { cookie: auth.cookie, origin: null }), (e) => e.status === 403);
    await assert.rejects(connectViewer(server, 'AAAAAAAAAAAAAAAAAAAAAA', { cookie: auth.cookie }), (e) => e.status === 404);
    const ended = await tether(server, ['session', 'end', id]);
    assert.equal(ended.code, 0, ended.stderr);
    await assert.rejects(connectViewer(server, id, { cookie: auth.cookie }), (e) => e.status === 410);
    const plain = await request(server, 'GET', `/api/v1/sessions/${id}/connect`, { headers: { cookie: auth.cookie } });
    assert.equal(plain.status, 426);
  });

  test('a browser host must say Hello as a host, in one binary message per frame', async () => {
    const r = await request(server, 'POST', '/api/v1/sessions', {
      headers: { cookie: auth.cookie, 'x-csrf-token': auth.csrf }, body: { type: 'meeting', name: 'Strict' },
    });
    const asGuest = await connectViewer(server, r.json.session.id, { cookie: auth.cookie });
    asGuest.send(guestHello('123456'));
    assert.equal((await asGuest.control(CONTROL_KIND.error)).payload[3], 1);
    const glued = await connectViewer(server, r.json.session.id, { cookie: auth.cookie });
    glued.send(Buffer.concat([hostHello(), ping(1)]));  // two frames in one message
    assert.equal((await glued.control(CONTROL_KIND.error)).payload[3], 1);
    await glued.waitClosed();
  });

  test('a native host joins on the relay port with a single-use token from the web server', async () => {
    const r = await request(server, 'POST', '/api/v1/sessions', {
      headers: { cookie: auth.cookie, 'x-csrf-token': auth.csrf }, body: { type: 'support', name: 'Native' },
    });
    const s = r.json.session;
    const noCsrf = await request(server, 'POST', `/api/v1/sessions/${s.id}/host-token`, { headers: { cookie: auth.cookie } });
    assert.equal(noCsrf.status, 403);
    const t = await request(server, 'POST', `/api/v1/sessions/${s.id}/host-token`,
      { headers: { cookie: auth.cookie, 'x-csrf-token': auth.csrf } });
    assert.equal(t.status, 201, t.body);
    const tokenHello = (token) => frame(CONTROL, field(1, msg(field(1, 1), field(3, 2), field(7, token))));
    const guest = await joinGuest(server, s.code);
    const host = await connectRelay(server);
    host.send(tokenHello(t.json.token));
    await host.control(CONTROL_KIND.welcome);
    const info = await host.control(CONTROL_KIND.session_info);
    assert.ok(info.payload.includes(Buffer.from('Native')));
    await consentGranted(host);
    guest.send(videoFrame(9, true));
    assert.deepEqual((await host.next((f) => f.channel === VIDEO)).raw, videoFrame(9, true));
    const again = await connectRelay(server);
    again.send(tokenHello(t.json.token));
    const err = await again.control(CONTROL_KIND.error);
    assert.equal(err.payload[3], 3, 'a token works once');
    for (const p of [guest, host]) p.close();
  });

  test('guessing codes is rate-limited per address', async () => {
    let limited = false;
    for (let i = 0; i < 12 && !limited; i++) {
      const g = await connectRelay(server);
      g.send(guestHello(String(100000 + i)));
      const err = await g.control(CONTROL_KIND.error);
      limited = err.payload.includes(Buffer.from('too many attempts'));
    }
    assert.ok(limited, 'after 10 wrong codes the address is refused');
    const r = await request(server, 'POST', '/api/v1/sessions', {
      headers: { cookie: auth.cookie, 'x-csrf-token': auth.csrf }, body: { type: 'support', name: 'Real' },
    });
    const g = await connectRelay(server);
    g.send(guestHello(r.json.session.code));
    const err = await g.control(CONTROL_KIND.error);
    assert.ok(err.payload.includes(Buffer.from('too many attempts')), 'even a right code waits out the limit');
  });
});
