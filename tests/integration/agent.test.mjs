// The real agent on a real X display: it refuses a server with another key, joins by code,
// streams the screen through the relay to a viewer, types what the viewer sends into an xterm,
// and comes back by itself after the server restarts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { login, request, setupAdmin, startAgent, startTetherd, strongPassword } from '../lib/tetherd.mjs';
import {
  CONTROL, CONTROL_KIND, VIDEO, connectViewer, frameAck, hostHello, keyEvent, keysymsFor, kindOf, videoFrameOf,
} from '../lib/wire.mjs';
import { startXvfb } from '../lib/xvfb.mjs';

async function viewer(server, sessionId, auth) {
  const v = await connectViewer(server, sessionId, { cookie: auth.cookie });
  v.send(hostHello());
  await v.control(CONTROL_KIND.welcome);
  return v;
}

// Waits for a video frame matching pred, acknowledging every frame so the agent keeps sending.
async function nextFrame(v, pred = () => true, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const f = await v.next((x) => x.channel === VIDEO && kindOf(x.payload) === 1, Math.max(1, deadline - Date.now()));
    const frame = videoFrameOf(f.payload);
    v.send(frameAck(frame.id));
    if (pred(frame)) return frame;
  }
}

async function typeText(v, text) {
  for (const ks of keysymsFor(text)) {
    v.send(keyEvent(ks, true));
    v.send(keyEvent(ks, false));
  }
}

describe('tether-agent', () => {
  let x, server, auth, session;
  before(async () => {
    x = await startXvfb({ width: 1024, height: 768 });
    x.run('xterm', ['-geometry', '100x30+0+0', '-e', 'sh']);
    server = await startTetherd();
    await setupAdmin(server);
    auth = await login(server, 'admin', strongPassword);
    const r = await request(server, 'POST', '/api/v1/sessions', {
      headers: { cookie: auth.cookie, 'x-csrf-token': auth.csrf }, body: { type: 'support', name: 'Agent test' },
    });
    session = r.json.session;
  });
  after(async () => {
    await server?.stop();
    await x?.stop();
  });

  test('refuses a server whose key differs from the pin (a second real certificate)', async () => {
    const other = await startTetherd();
    try {
      assert.notEqual(other.pin, server.pin);
      const agent = startAgent(other, session.code, x.display, { pin: server.pin });
      const exit = await agent.exited;
      assert.equal(exit.code, 1, agent.output);
      assert.match(agent.output, /does not match the pinned key/);
    } finally {
      await other.stop();
    }
  });

  test('a wrong code is refused and the agent exits 1', async () => {
    const agent = startAgent(server, '999999', x.display);
    const exit = await agent.exited;
    assert.equal(exit.code, 1, agent.output);
  });

  test('streams the screen, types into the xterm, and survives a server restart', async () => {
    const agent = startAgent(server, session.code, x.display);
    try {
      await agent.waitFor(/joined through tetherd/);
      let v = await viewer(server, session.id, auth);
      const layout = await v.control(CONTROL_KIND.monitor_layout);
      assert.ok(layout.payload.length > 4);
      const key = await nextFrame(v, (f) => f.key);
      assert.equal(key.width, 1024);
      assert.equal(key.height, 768);
      const area = key.tiles.reduce((a, t) => a + t.w * t.h, 0);
      if (area !== 1024 * 768) console.log(JSON.stringify(key.tiles.map((t) => [t.x, t.y, t.w, t.h, t.codec])));
      assert.equal(area, 1024 * 768, 'a key frame covers the whole screen exactly');
      assert.ok(key.tiles.some((t) => t.codec === 2), 'text is sent lossless');

      const file = path.join(os.tmpdir(), `tether-agent-typed-${process.pid}`);
      fs.rmSync(file, { force: true });
      await typeText(v, `echo Typed-Through-Tether > ${file}\n`);
      const deadline = Date.now() + 10000;
      while (!fs.existsSync(file) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.equal(fs.readFileSync(file, 'utf8').trim(), 'Typed-Through-Tether');
      // The echo shows up on screen: a delta frame arrives after typing.
      await nextFrame(v, (f) => !f.key && f.tiles.length > 0);

      // Restart the server: the agent reconnects by itself and the viewer gets pictures again.
      await server.stop();
      server = await startTetherd({ dataDir: server.dataDir, relayListen: `127.0.0.1:${server.relayPort}` });
      auth = await login(server, 'admin', strongPassword);
      await agent.waitFor(/joined through tetherd[\s\S]*joined through tetherd/, 20000);
      v = await viewer(server, session.id, auth);
      const again = await nextFrame(v, (f) => f.key);
      assert.equal(again.width, 1024);
      v.close();
    } finally {
      await agent.stop();
    }
  });
});
