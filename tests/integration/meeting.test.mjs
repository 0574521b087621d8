// Meeting sessions through the real tetherd: made with `tether session create --type meeting`
// (a code for the presenter), the presenter joins with it and shows its screen to several
// viewers at once; every viewer is view-only at the relay — its keys, clipboard and requests
// for control are dropped (and counted), it cannot choose the monitor or end the meeting.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { login, request, setupAdmin, startTetherd, strongPassword, tether } from '../lib/tetherd.mjs';
import { metric } from '../lib/relay_session.mjs';
import {
  CLIPBOARD, CONTROL, CONTROL_KIND, DROPPABLE, INPUT, KEY_FRAME, VIDEO, allowEveryHost, connectRelay, connectViewer,
  consentGranted, field, frame, guestHello, hostHello, keyEvent, kindOf, msg, parse,
} from '../lib/wire.mjs';

// ControlMessage{view_only: {view_only}}
const viewOnlyFrame = (v) => frame(CONTROL, field(10, v ? field(1, true) : []));
const viewOnlyOf = (payload) => !!parse(parse(payload)[10][0])[1]?.[0];
// VideoMessage{frame: VideoFrame{frame_id, width, height, key_frame}}
const keyFrame = (id) => frame(VIDEO, field(1, msg(field(1, id), field(3, 64), field(4, 64), field(5, true))), KEY_FRAME | DROPPABLE);
const isVideoFrame = (f) => f.channel === VIDEO && kindOf(f.payload) === 1;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('meeting sessions', () => {
  let server, auth;
  before(async () => {
    server = await startTetherd();
    await setupAdmin(server);
    auth = await login(server, 'admin', strongPassword);
  });
  after(async () => { await server?.stop(); });

  async function viewer(id) {
    const v = await connectViewer(server, id, { cookie: auth.cookie });
    v.send(hostHello());
    await v.control(CONTROL_KIND.welcome);
    return v;
  }

  test('a meeting made by the tether command has a code; the presenter shows to several view-only viewers', async () => {
    const c = await tether(server, ['--json', 'session', 'create', '--type', 'meeting', '--name', 'All hands']);
    assert.equal(c.code, 0, c.stderr);
    const meeting = JSON.parse(c.stdout).session;
    assert.equal(meeting.type, 'meeting');
    assert.match(meeting.code, /^\d{6}$/);

    const presenter = allowEveryHost(await connectRelay(server));
    presenter.send(guestHello(meeting.code));
    await presenter.control(CONTROL_KIND.welcome);
    const info = parse(parse((await presenter.control(CONTROL_KIND.session_info)).payload)[11][0]);
    assert.equal(info[4]?.[0]?.toString('utf8'), 'meeting', 'SessionInfo.session_type tells the agent it presents');

    const viewers = [await viewer(meeting.id), await viewer(meeting.id), await viewer(meeting.id)];
    for (const v of viewers) {
      assert.equal(viewOnlyOf((await v.control(CONTROL_KIND.view_only)).payload), true, 'a viewer starts view-only');
      await consentGranted(v);
    }
    presenter.send(keyFrame(1));
    for (const v of viewers) assert.equal((await v.next(isVideoFrame)).channel, VIDEO);

    // The attack: a viewer asks for control, then sends keys, clipboard text, a monitor
    // choice and EndSession anyway.
    const [mallory] = viewers;
    const droppedBefore = await metric(server, 'tether_relay_input_dropped_view_only_total');
    mallory.send(viewOnlyFrame(false));
    assert.equal(viewOnlyOf((await mallory.control(CONTROL_KIND.view_only)).payload), true, 'control is refused');
    for (let i = 0; i < 5; i++) {
      mallory.send(keyEvent(0x61, true));
      mallory.send(keyEvent(0x61, false));
    }
    mallory.send(frame(CLIPBOARD, field(1, field(1, 'rm -rf ~'))));
    mallory.send(frame(CONTROL, field(8, field(1, 1))));  // SelectMonitor{1}
    mallory.send(frame(CONTROL, field(6, [])));          // EndSession
    mallory.send(frame(CONTROL, field(3, field(1, 7)))); // Ping: everything before it was handled
    await mallory.control(CONTROL_KIND.pong);
    await sleep(200);
    assert.equal(await metric(server, 'tether_relay_input_dropped_view_only_total'), droppedBefore + 11);
    assert.equal(presenter.frames.filter((f) => f.channel === INPUT || f.channel === CLIPBOARD).length, 0,
      'nothing of the viewer reached the presenter');
    assert.equal(presenter.frames.filter((f) => f.channel === CONTROL && kindOf(f.payload) === 8).length, 0);
    const s = await request(server, 'GET', `/api/v1/sessions/${meeting.id}`, { headers: { cookie: auth.cookie } });
    assert.equal(s.json.session.ended_at, 0, 'a viewer cannot end the meeting');
    assert.equal(presenter.closed, false);

    // The meeting goes on for everyone.
    presenter.send(keyFrame(2));
    for (const v of viewers) await v.next(isVideoFrame);
    for (const v of viewers) v.close();
    presenter.close();
  });

  test('REST makes meetings with codes; access sessions get none', async () => {
    const m = await request(server, 'POST', '/api/v1/sessions', {
      headers: { cookie: auth.cookie, 'x-csrf-token': auth.csrf }, body: { type: 'meeting', name: 'Demo', code: 'DEMO-2026' },
    });
    assert.equal(m.status, 201, m.body);
    assert.equal(m.json.session.code, 'DEMO-2026');
    const a = await request(server, 'POST', '/api/v1/sessions', {
      headers: { cookie: auth.cookie, 'x-csrf-token': auth.csrf }, body: { type: 'access', name: 'Server', code: 'X-1234' },
    });
    assert.equal(a.status, 400);
  });
});
