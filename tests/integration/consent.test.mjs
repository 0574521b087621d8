// Consent at the relay (docs/protocol.md section 5.5), with a raw guest on the TLS port and a
// browser-style host on the WebSocket: the host sees and controls nothing until the guest
// allows it; a withdrawal stops the video at once; a denial disconnects the host; the guest's
// End session ends the session for everyone; and every decision is a session event. Consent in
// time (security.consent), with the real agent's guest window on Xvfb: an unanswered prompt is
// denied after the server's timeout, also by the relay when an agent never answers; a grant
// lapses after its lifetime and no video frame reaches the host after that.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { clickGuestButton, waitForPrompt } from '../lib/guest_window.mjs';
import {
  consentEvents, joinViewer, keepWatching, metric as readMetric, supportSession as createSupportSession,
} from '../lib/relay_session.mjs';
import {
  login, request, setupAdmin, startAgent, startTetherd, strongPassword, tempDir, tether,
} from '../lib/tetherd.mjs';
import { startXvfb } from '../lib/xvfb.mjs';
import {
  CONSENT, CONTROL, CONTROL_KIND, DROPPABLE, INPUT, KEY_FRAME, VIDEO, connectRelay, connectViewer, consentAskAgain,
  consentRequestOf, consentResponse, consentStateOf, consentWithdraw, field, frame, guestHello, hostHello, kindOf, msg,
  parse,
} from '../lib/wire.mjs';

const videoFrame = (id, key) => frame(VIDEO, field(1, msg(field(1, id), field(3, 64), field(4, 64), key ? field(5, true) : [],
  field(6, msg(field(1, msg(field(3, 64), field(4, 64))), field(2, 3), [0x25, 0xff, 0x00, 0x00, 0xff])))),
DROPPABLE | (key ? KEY_FRAME : 0));
const keyA = frame(INPUT, field(2, msg(field(1, 0x61), field(3, true))));
const layout = frame(CONTROL, field(7, field(1, msg(field(1, 0), field(4, 64), field(5, 64), field(6, true)))));
const endSession = frame(CONTROL, field(6, []));
const isVideoFrame = (f) => f.channel === VIDEO && kindOf(f.payload) === 1;
const isRefresh = (f) => f.channel === VIDEO && kindOf(f.payload) === 3;
const isConsentState = (state) => (f) => f.channel === CONTROL && kindOf(f.payload) === CONTROL_KIND.consent_state &&
  consentStateOf(f.payload).state === state;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Nothing matching `pred` arrives at `peer` within `ms`.
async function nothing(peer, pred, ms = 400) {
  await sleep(ms);
  assert.equal(peer.frames.findIndex(pred), -1, 'nothing of that kind arrived');
}

describe('consent at the relay', () => {
  let server, auth;
  before(async () => {
    server = await startTetherd();
    await setupAdmin(server);
    auth = await login(server, 'admin', strongPassword);
  });
  after(async () => { await server.stop(); });

  const supportSession = (name) => createSupportSession(server, auth, name);
  async function joinGuest(s) {
    const g = await connectRelay(server);
    g.send(guestHello(s.code));
    await g.control(CONTROL_KIND.welcome);
    await g.control(CONTROL_KIND.session_info);
    return g;
  }
  async function joinHost(s) {
    const h = await connectViewer(server, s.id, { cookie: auth.cookie });
    h.send(hostHello());
    await h.control(CONTROL_KIND.welcome);
    const info = parse((await h.control(CONTROL_KIND.session_info)).payload);
    h.endpointId = parse(info[11][0])[3][0];
    return h;
  }
  const events = (s, count) => consentEvents(server, auth, s.id, count);

  const metric = (name) => readMetric(server, name);

  test('no video, layout or input before consent; everything after; withdrawing stops the video at once', async () => {
    const s = await supportSession('Consent');
    const guest = await joinGuest(s);
    guest.send(layout);
    const host = await joinHost(s);
    await host.next(isConsentState(CONSENT.WAITING));

    // The guest is asked, naming the technician.
    const ask = consentRequestOf((await guest.control(CONTROL_KIND.consent_request)).payload);
    assert.deepEqual(ask, { endpointId: host.endpointId, technician: 'admin', timeoutSeconds: 60 });

    // Before consent: the guest's frames do not reach the host, the host's input does not reach
    // the guest.
    const droppedBefore = await metric('tether_relay_dropped_no_consent_total');
    guest.send(videoFrame(1, true));
    guest.send(layout);
    host.send(keyA);
    await nothing(host, (f) => isVideoFrame(f) || (f.channel === CONTROL && kindOf(f.payload) === CONTROL_KIND.monitor_layout));
    await nothing(guest, (f) => f.channel === INPUT, 0);
    assert.equal(await metric('tether_relay_dropped_no_consent_total'), droppedBefore + 1);

    // The guest allows: the host gets the state and the layout, the guest a key-frame request.
    guest.send(consentResponse(host.endpointId, true));
    await host.next(isConsentState(CONSENT.GRANTED));
    await host.control(CONTROL_KIND.monitor_layout);
    await guest.next(isRefresh);
    guest.send(videoFrame(2, true));
    assert.deepEqual((await host.next(isVideoFrame)).raw, videoFrame(2, true));
    host.send(keyA);
    assert.deepEqual((await guest.next((f) => f.channel === INPUT)).raw, keyA);

    // Stop sharing: the next frame is not relayed; input is dropped again; nothing stays pressed.
    guest.send(consentWithdraw());
    await host.next(isConsentState(CONSENT.WITHDRAWN));
    const release = await guest.next((f) => f.channel === INPUT);
    assert.equal(kindOf(release.payload), 3, 'ReleaseAll');
    guest.send(videoFrame(3, true));
    host.send(keyA);
    await nothing(host, isVideoFrame);
    await nothing(guest, (f) => f.channel === INPUT, 0);
    assert.equal(host.closed, false, 'a withdrawal does not disconnect');

    // The technician asks again; this time the guest says no: the host is told and disconnected.
    host.send(consentAskAgain());
    await host.next(isConsentState(CONSENT.WAITING));
    const again = consentRequestOf((await guest.control(CONTROL_KIND.consent_request)).payload);
    assert.equal(again.endpointId, host.endpointId);
    guest.send(consentResponse(host.endpointId, false));
    const denied = await host.next(isConsentState(CONSENT.DENIED));
    assert.equal(consentStateOf(denied.payload).timedOut, false);
    const err = await host.control(CONTROL_KIND.error);
    assert.equal(parse(err.payload)[5] && parse(parse(err.payload)[5][0])[1][0], 4, 'FORBIDDEN');
    await host.waitClosed();

    assert.deepEqual(await events(s, 5), [
      'consent_asked:admin:', 'consent_granted:guest:admin', 'consent_withdrawn:guest:admin',
      'consent_asked:admin:', 'consent_denied:guest:admin',
    ]);
    guest.close();
  });

  test('a guest that does not answer in time denies; a host that came first is asked when the guest comes', async () => {
    const s = await supportSession('Late guest');
    const host = await joinHost(s);
    await host.next(isConsentState(CONSENT.WAITING));
    const guest = await joinGuest(s);
    // The guest learns who is already there, and is asked about them.
    await guest.next((f) => f.channel === CONTROL && kindOf(f.payload) === CONTROL_KIND.peer_event &&
      f.payload.includes(Buffer.from('admin')));
    const ask = consentRequestOf((await guest.control(CONTROL_KIND.consent_request)).payload);
    guest.send(consentResponse(ask.endpointId, false, true));
    const denied = await host.next(isConsentState(CONSENT.DENIED));
    assert.equal(consentStateOf(denied.payload).timedOut, true);
    await host.waitClosed();
    assert.deepEqual(await events(s, 2), ['consent_asked:admin:', 'consent_denied:timeout:admin']);
    guest.close();
  });

  test('the guest\'s End session ends the session for everyone and says the guest ended it', async () => {
    const s = await supportSession('Guest ends');
    const guest = await joinGuest(s);
    const host = await joinHost(s);  // still waiting for consent: ending needs none
    guest.send(endSession);
    for (const peer of [guest, host]) {
      const err = parse(parse((await peer.control(CONTROL_KIND.error)).payload)[5][0]);
      assert.equal(err[1][0], 6, 'SESSION_ENDED');
      assert.equal(err[3]?.[0], 1, 'ended_by GUEST');
      await peer.waitClosed();
    }
    const r = await request(server, 'GET', `/api/v1/sessions/${s.id}`, { headers: { cookie: auth.cookie } });
    assert.ok(r.json.session.ended_at > 0, r.body);
    const all = await request(server, 'GET', `/api/v1/sessions/${s.id}/events`, { headers: { cookie: auth.cookie } });
    const ended = all.json.events.find((e) => e.kind === 'ended');
    assert.equal(ended.actor, 'guest');
  });

  test('a native host on the relay port needs consent too', async () => {
    const s = await supportSession('Native consent');
    const guest = await joinGuest(s);
    const t = await request(server, 'POST', `/api/v1/sessions/${s.id}/host-token`,
      { headers: { cookie: auth.cookie, 'x-csrf-token': auth.csrf } });
    const host = await connectRelay(server);
    host.send(frame(CONTROL, field(1, msg(field(1, 1), field(3, 2), field(7, t.json.token)))));
    await host.next(isConsentState(CONSENT.WAITING));
    guest.send(videoFrame(1, true));
    await nothing(host, isVideoFrame);
    const ask = consentRequestOf((await guest.control(CONTROL_KIND.consent_request)).payload);
    guest.send(consentResponse(ask.endpointId, true));
    await host.next(isConsentState(CONSENT.GRANTED));
    guest.send(videoFrame(2, true));
    assert.deepEqual((await host.next(isVideoFrame)).raw, videoFrame(2, true));
    for (const p of [guest, host]) p.close();
    await tether(server, ['session', 'end', s.id]);
  });
});

// A server whose guests have 4 s to answer and whose grants last 4 s.
describe('consent in time', () => {
  let x, server, auth;
  before(async () => {
    x = await startXvfb({ width: 800, height: 600 });
    x.run('xterm', ['-geometry', '40x4+0+400', '-e', 'sh', '-c', 'while true; do date +%T.%N; sleep 0.2; done']);
    const dir = tempDir();
    const config = path.join(dir, 'tetherd.toml');
    fs.writeFileSync(config, '[security.consent]\nprompt_timeout_seconds = 4\ngrant_lifetime_seconds = 4\n');
    server = await startTetherd({ args: ['--config', config] });
    await setupAdmin(server);
    auth = await login(server, 'admin', strongPassword);
  });
  after(async () => {
    await server?.stop();
    await x?.stop();
  });

  const viewer = (s) => joinViewer(server, s.id, auth);
  const events = (s, count) => consentEvents(server, auth, s.id, count);

  test('the guest window\'s prompt denies after the server\'s timeout, not the agent\'s', async () => {
    const s = await createSupportSession(server, auth, 'Prompt timeout');
    const agent = startAgent(server, s.code, x.display, { extra: ['--consent-timeout', '600'] });
    try {
      await agent.waitFor(/joined through tetherd/);
      const t0 = Date.now();
      const v = await viewer(s);
      await waitForPrompt(x.display);
      const denied = await v.next(isConsentState(CONSENT.DENIED), 15000);
      const waited = Date.now() - t0;
      assert.equal(consentStateOf(denied.payload).timedOut, true);
      assert.ok(waited >= 3500 && waited < 8500, `denied after ${waited} ms`);
      await v.waitClosed();
      await waitForPrompt(x.display, { shown: false });
      assert.deepEqual(await events(s, 2), ['consent_asked:admin:', 'consent_denied:timeout:admin']);
    } finally {
      await agent.stop();
    }
  });

  test('an agent that never answers is denied by the relay', async () => {
    const s = await createSupportSession(server, auth, 'Silent agent');
    const guest = await connectRelay(server);
    guest.send(guestHello(s.code));
    await guest.control(CONTROL_KIND.welcome);
    const t0 = Date.now();
    const v = await viewer(s);
    const ask = consentRequestOf((await guest.control(CONTROL_KIND.consent_request)).payload);
    assert.equal(ask.timeoutSeconds, 4);
    const denied = await v.next(isConsentState(CONSENT.DENIED), 15000);
    const waited = Date.now() - t0;
    assert.equal(consentStateOf(denied.payload).timedOut, true);
    assert.ok(waited >= 8500 && waited < 12000, `denied by the relay after ${waited} ms (4 s and 5 s of grace)`);
    await v.waitClosed();
    // The guest is told the question is void.
    await guest.control(CONTROL_KIND.consent_withdraw);
    assert.deepEqual(await events(s, 2), ['consent_asked:admin:', 'consent_denied:timeout:admin']);
    guest.close();
  });

  test('a grant lapses after its lifetime: no more video reaches the host, which may ask again', async () => {
    const s = await createSupportSession(server, auth, 'Grant lifetime');
    const agent = startAgent(server, s.code, x.display);
    try {
      await agent.waitFor(/joined through tetherd/);
      const v = await viewer(s);
      await waitForPrompt(x.display);
      await clickGuestButton(x.display, 'allow');
      await v.next(isConsentState(CONSENT.GRANTED));
      const grantedAt = Date.now();
      const seen = keepWatching(v);
      while (seen.frames < 3) await sleep(50);

      await v.next(isConsentState(CONSENT.EXPIRED), 10000);
      const lasted = Date.now() - grantedAt;
      assert.ok(lasted >= 3500 && lasted < 6500, `the grant lasted ${lasted} ms`);
      await sleep(300);  // frames sent before the lapse
      const at = seen.frames;
      await sleep(2000);  // the clock keeps changing the screen
      assert.equal(seen.frames, at, 'no video frame after the grant lapsed');
      assert.equal(v.closed, false, 'the host stays connected');

      // Ask again: the guest window asks afresh (the lapsed grant is not remembered).
      v.send(consentAskAgain());
      await waitForPrompt(x.display);
      await clickGuestButton(x.display, 'allow');
      await v.next(isConsentState(CONSENT.GRANTED));
      const before = seen.frames;
      const deadline = Date.now() + 5000;
      while (seen.frames === before && Date.now() < deadline) await sleep(50);
      assert.ok(seen.frames > before, 'video again after the guest allowed again');
      assert.deepEqual((await events(s, 4)).slice(0, 4), ['consent_asked:admin:', 'consent_granted:guest:admin',
        'consent_expired:timeout:admin', 'consent_asked:admin:']);
      seen.stop = true;
      v.close();
    } finally {
      await agent.stop();
    }
  });
});
