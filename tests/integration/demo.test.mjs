// `tetherd --demo`: the real server starts Xvfb with a few X clients and enrols a real
// tether-agent for it; after logging in, the access session "Demo desktop" is listed online, an
// administrator's viewer receives its screen, and stopping tetherd stops the desktop too.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, test } from 'node:test';
import { login, request, setupAdmin, startTetherd, strongPassword } from '../lib/tetherd.mjs';
import { CONTROL, VIDEO, connectViewer, field, frame, msg } from '../lib/wire.mjs';

let server;
after(async () => { await server?.stop(); });

test('tetherd --demo shows a demo desktop as an online access session', async () => {
  server = await startTetherd({ args: ['--demo'] });
  await setupAdmin(server);
  const auth = await login(server, 'admin', strongPassword);
  let demo;
  for (const until = Date.now() + 60000; Date.now() < until && !demo?.guest.online;) {
    const r = await request(server, 'GET', '/api/v1/sessions?type=access', { headers: { cookie: auth.cookie } });
    demo = r.json.sessions.find((s) => s.name === 'Demo desktop');
    if (!demo?.guest.online) await new Promise((res) => setTimeout(res, 250));
  }
  assert.ok(demo, `no demo session; tetherd said:\n${server.stderr}`);
  assert.equal(demo.guest.online, true, server.stderr);
  assert.deepEqual(demo.properties, { company: 'Tether demo', site: 'this server' });
  const display = server.stderr.match(/demo: desktop on display :(\d+)/);
  assert.ok(display, server.stderr);
  assert.ok(fs.existsSync(`/tmp/.X11-unix/X${display[1]}`));

  // The administrator sees the screen at once (no consent question in an access session).
  const viewer = await connectViewer(server, demo.id, { cookie: auth.cookie });
  viewer.send(frame(CONTROL, field(1, msg(field(1, 1), field(3, 2)))));
  await viewer.next((f) => f.channel === VIDEO, 20000);
  viewer.close();

  const stopped = await server.stop();
  assert.equal(stopped.code, 0);
  for (const until = Date.now() + 5000; Date.now() < until && fs.existsSync(`/tmp/.X11-unix/X${display[1]}`);) {
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.ok(!fs.existsSync(`/tmp/.X11-unix/X${display[1]}`), 'Xvfb stopped with tetherd');
});
