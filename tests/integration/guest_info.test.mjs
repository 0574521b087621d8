// Guest information from the real agent: once it joins, the REST session shows the machine
// name, OS, logged-on user and agent version the agent reported, and the network address the
// relay saw (127.0.0.1); the timeline has a guest_info event. A raw guest that sends oversized
// information is disconnected and nothing of it is recorded.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { after, before, describe, test } from 'node:test';
import { login, request, setupAdmin, startAgent, startTetherd, strongPassword } from '../lib/tetherd.mjs';
import { CONTROL, CONTROL_KIND, connectRelay, field, frame, guestHello, msg } from '../lib/wire.mjs';
import { supportSession } from '../lib/relay_session.mjs';
import { startXvfb } from '../lib/xvfb.mjs';

async function sessionOf(server, auth, id) {
  const r = await request(server, 'GET', `/api/v1/sessions/${id}`, { headers: { cookie: auth.cookie } });
  assert.equal(r.status, 200);
  return r.json.session ?? r.json;
}

async function waitFor(fn, what, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('guest information', () => {
  let x, server, auth;
  const create = (name) => supportSession(server, auth, name);
  before(async () => {
    x = await startXvfb({ width: 640, height: 480 });
    server = await startTetherd();
    await setupAdmin(server);
    auth = await login(server, 'admin', strongPassword);
  });
  after(async () => {
    await server?.stop();
    await x?.stop();
  });

  test('the real agent reports its machine, OS, user and version; the relay adds 127.0.0.1', async () => {
    const session = await create('Guest info');
    assert.equal(session.guest?.machine ?? '', '', 'nothing is known before the agent joins');
    const agent = startAgent(server, session.code, x.display);
    try {
      await agent.waitFor(/joined through tetherd/);
      const s = await waitFor(async () => {
        const s = await sessionOf(server, auth, session.id);
        return s.guest?.machine ? s : null;
      }, 'the guest information');
      assert.equal(s.guest.machine, os.hostname());
      assert.equal(s.guest.user, os.userInfo().username);
      const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(fs.readFileSync('/etc/os-release', 'utf8'))[1];
      assert.ok(s.guest.os.startsWith(pretty), `${s.guest.os} starts with ${pretty}`);
      assert.ok(s.guest.os.includes(os.release()), `${s.guest.os} names the kernel ${os.release()}`);
      assert.match(s.guest.agent_version, /^\d+\.\d+\.\d+/);
      assert.equal(s.guest.address, '127.0.0.1');
      assert.equal(s.guest.online, true);
      const ev = await request(server, 'GET', `/api/v1/sessions/${session.id}/events`, { headers: { cookie: auth.cookie } });
      const info = ev.json.events.find((e) => e.kind === 'guest_info');
      assert.ok(info, JSON.stringify(ev.json.events.map((e) => e.kind)));
      assert.match(info.detail, new RegExp(`machine="${os.hostname()}"`));
      assert.match(info.detail, /address="127\.0\.0\.1"/);
    } finally {
      await agent.stop();
    }
  });

  test('a guest sending oversized information is disconnected and nothing is recorded', async () => {
    const session = await create('Oversized info');
    const guest = await connectRelay(server);
    guest.send(guestHello(session.code));
    await guest.control(CONTROL_KIND.welcome);
    // ControlMessage{guest_info(16): GuestInfo{machine: 200 bytes}}
    guest.send(frame(CONTROL, field(16, msg(field(1, 'm'.repeat(200)), field(2, 'os')))));
    await guest.waitClosed();
    const s = await sessionOf(server, auth, session.id);
    assert.equal(s.guest?.machine ?? '', '');
    assert.equal(s.guest?.os ?? '', '');
  });
});
