// The real agent on a real X display: it refuses a server with another key, joins by code,
// streams the screen through the relay to a viewer once the guest clicks Allow in the guest
// window, types what the viewer sends into an xterm, shares clipboard text both ways (checked
// with xclip, another X client), and comes back by itself after the server restarts (without
// asking the guest again for the technician it allowed).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { login, request, setupAdmin, startAgent, startTetherd, strongPassword } from '../lib/tetherd.mjs';
import {
  CLIPBOARD, CONTROL, CONTROL_KIND, VIDEO, connectViewer, field, frame, frameAck, hostHello, keyEvent, keysymsFor,
  kindOf, parse, videoFrameOf,
} from '../lib/wire.mjs';
import { allowInGuestWindow, promptShown, findGuestWindow } from '../lib/guest_window.mjs';
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

// xclip on the display: `args`, with `input` on stdin; resolves with what it printed.
function xclip(display, args, input) {
  return new Promise((resolve) => {
    const p = spawn('xclip', args, { env: { ...process.env, DISPLAY: display }, stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    const timer = setTimeout(() => p.kill('SIGKILL'), 5000);
    p.on('exit', () => { clearTimeout(timer); resolve(out); });
    p.stdin.end(input);
  });
}

// ClipboardMessage{text: ClipboardText{text}}
const clipboardText = (text) => frame(CLIPBOARD, field(1, field(1, text)));
const textOfClipboard = (payload) => parse(parse(payload)[1][0])[1]?.[0]?.toString('utf8') ?? '';

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

  test('clipboard text goes from a host to the guest\'s X clipboard, and from the guest to the hosts', async () => {
    const agent = startAgent(server, session.code, x.display);
    try {
      await agent.waitFor(/joined through tetherd/);
      const v = await viewer(server, session.id, auth);
      await agent.waitFor(/host \S+ joined/);
      await allowInGuestWindow(x.display);
      await agent.waitFor(/the guest allowed the technician/);

      // Host to guest: another X client pastes what the host sent.
      const fromHost = 'Grüße from the host ✓';
      v.send(clipboardText(fromHost));
      let pasted = '';
      const deadline = Date.now() + 10000;
      while (pasted !== fromHost && Date.now() < deadline) {
        pasted = await xclip(x.display, ['-o', '-selection', 'clipboard']);
        if (pasted !== fromHost) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(pasted, fromHost);

      // Guest to host: xclip copies (and serves one request in the foreground); the first
      // clipboard frame the host gets is the guest's text, not an echo of its own.
      const fromGuest = 'copied on the guest: café';
      const copier = spawn('xclip', ['-quiet', '-loops', '1', '-selection', 'clipboard'],
        { env: { ...process.env, DISPLAY: x.display }, stdio: ['pipe', 'ignore', 'ignore'] });
      copier.stdin.end(fromGuest);
      try {
        const f = await v.next((m) => m.channel === CLIPBOARD, 10000);
        assert.equal(textOfClipboard(f.payload), fromGuest);
      } finally {
        if (copier.exitCode === null) copier.kill('SIGKILL');
      }
      assert.ok(!agent.output.includes(fromHost) && !agent.output.includes(fromGuest), 'clipboard text is never logged');
      v.close();
    } finally {
      await agent.stop();
    }
  });

  test('streams the screen, types into the xterm, and survives a server restart', async () => {
    const agent = startAgent(server, session.code, x.display);
    try {
      await agent.waitFor(/joined through tetherd/);
      let v = await viewer(server, session.id, auth);
      await allowInGuestWindow(x.display);
      const layout = await v.control(CONTROL_KIND.monitor_layout);
      assert.ok(layout.payload.length > 4);
      const key = await nextFrame(v, (f) => f.key);
      assert.equal(key.width, 1024);
      assert.equal(key.height, 768);
      const area = key.tiles.reduce((a, t) => a + t.w * t.h, 0);
      if (area !== 1024 * 768) console.log(JSON.stringify(key.tiles.map((t) => [t.x, t.y, t.w, t.h, t.codec])));
      assert.equal(area, 1024 * 768, 'a key frame covers the whole screen exactly');
      assert.ok(key.tiles.some((t) => t.codec === 2 || t.codec === 4), 'text is sent lossless (palette or deflated RGBA)');

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
      // The guest already allowed this technician in this run: not asked again.
      assert.match(agent.output, /technician admin is allowed again/);
      assert.equal(await promptShown(x.display, await findGuestWindow(x.display)), false);
      v.close();
    } finally {
      await agent.stop();
    }
  });
});
