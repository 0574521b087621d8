// Input-to-pixels latency through the whole real chain: a scripted viewer (WebSocket, like the
// browser) sends a key press; the relay forwards it to the agent, XTest types it into an xterm
// on Xvfb, XDamage reports the change, the agent encodes it and the frame comes back through
// the relay. Measures the time from sending the key to receiving the first frame with pixels
// after it. Baseline in the same run: the viewer's round trip to the server (Ping/Pong on the
// same WebSocket), i.e. the part of the latency that is pure network and TLS.
// Usage: node bench/input_latency.mjs [SAMPLES]   (default 60)
import { login, request, setupAdmin, startAgent, startTetherd, strongPassword } from '../tests/lib/tetherd.mjs';
import {
  CONTROL_KIND, VIDEO, connectViewer, frameAck, hostHello, keyEvent, kindOf, ping, videoFrameOf,
} from '../tests/lib/wire.mjs';
import { allowInGuestWindow } from '../tests/lib/guest_window.mjs';
import { startXvfb } from '../tests/lib/xvfb.mjs';

const samples = Number(process.argv[2] || 60);
const pct = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p / 100 * xs.length))];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const x = await startXvfb({ width: 1280, height: 800 });
x.run('xterm', ['-geometry', '120x40+0+0', '-e', 'cat']);
const server = await startTetherd();
let agent;
try {
  await setupAdmin(server);
  const auth = await login(server, 'admin', strongPassword);
  const r = await request(server, 'POST', '/api/v1/sessions', {
    headers: { cookie: auth.cookie, 'x-csrf-token': auth.csrf }, body: { type: 'support', name: 'latency' },
  });
  agent = startAgent(server, r.json.session.code, x.display, { extra: ['--max-fps', '60'] });
  await agent.waitFor(/joined through/);
  const v = await connectViewer(server, r.json.session.id, { cookie: auth.cookie });
  v.send(hostHello());
  await v.control(CONTROL_KIND.welcome);
  // The guest allows the technician in the guest window (the window stays on screen, away from
  // the xterm, while the keys are typed).
  await allowInGuestWindow(x.display);
  // Acknowledge every frame as soon as it arrives, like the viewer does after drawing.
  const frames = [];
  const origDeliver = v.deliver.bind(v);
  v.deliver = (f) => {
    if (f.channel === VIDEO && kindOf(f.payload) === 1) {
      const vf = videoFrameOf(f.payload);
      v.send(frameAck(vf.id));
      frames.push({ at: performance.now(), tiles: vf.tiles.length });
      return;
    }
    origDeliver(f);
  };
  await sleep(1500);  // key frame and settling
  const latencies = [];
  for (let i = 0; i < samples; i++) {
    const before = frames.length;
    const t0 = performance.now();
    const ks = 0x61 + (i % 26);
    v.send(keyEvent(ks, true));
    v.send(keyEvent(ks, false));
    const deadline = t0 + 2000;
    while (performance.now() < deadline) {
      const f = frames.slice(before).find((fr) => fr.tiles > 0);
      if (f) { latencies.push(f.at - t0); break; }
      await sleep(0.5);
    }
    await sleep(60);
  }
  const rtts = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    v.send(ping(i + 1));
    await v.control(CONTROL_KIND.pong);
    rtts.push(performance.now() - t0);
    await sleep(10);
  }
  v.close();
  const p50 = pct(latencies, 50), p95 = pct(latencies, 95);
  const r50 = pct(rtts, 50), r95 = pct(rtts, 95);
  console.log(`input-to-pixels over ${latencies.length}/${samples} keys: p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms`);
  console.log(`baseline viewer<->server round trip: p50 ${r50.toFixed(2)} ms, p95 ${r95.toFixed(2)} ms`);
  console.log(`ratio input-to-pixels / round trip (p50): ${(p50 / r50).toFixed(1)}`);
} finally {
  await agent?.stop();
  await server.stop();
  await x.stop();
}
