// Helpers shared by the relay's integration tests: a support session made through the REST
// API, a Prometheus series read from /metrics (a name with its labels, as rendered:
// 'tether_relay_frames_total{direction="to_host"}'), a browser-style viewer that keeps watching,
// and a session's consent events.
import assert from 'node:assert/strict';
import { request } from './tetherd.mjs';
import { CONTROL_KIND, VIDEO, connectViewer, frameAck, hostHello, kindOf, videoFrameOf } from './wire.mjs';

const isVideoFrame = (f) => f.channel === VIDEO && kindOf(f.payload) === 1;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A browser-style viewer of the session, logged in as `auth`, past its Welcome.
export async function joinViewer(server, sessionId, auth) {
  const v = await connectViewer(server, sessionId, { cookie: auth.cookie });
  v.send(hostHello());
  await v.control(CONTROL_KIND.welcome);
  return v;
}

// The session's consent events as "kind:actor:detail", once there are `count` of them (the relay
// writes them in the background) or after 5 s.
export async function consentEvents(server, auth, sessionId, count) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const r = await request(server, 'GET', `/api/v1/sessions/${sessionId}/events`, { headers: { cookie: auth.cookie } });
    assert.equal(r.status, 200, r.body);
    const out = r.json.events.filter((e) => e.kind.startsWith('consent_')).map((e) => `${e.kind}:${e.actor}:${e.detail}`);
    if (out.length >= count || Date.now() > deadline) return out;
    await sleep(100);
  }
}

// Acknowledges every frame as a viewer does, so the agent keeps sending; counts them.
export function keepWatching(v) {
  const seen = { frames: 0, stop: false };
  (async () => {
    while (!seen.stop && !v.closed) {
      const f = await v.next(isVideoFrame, 60000).catch(() => null);
      if (!f) break;
      seen.frames++;
      v.send(frameAck(videoFrameOf(f.payload).id));
    }
  })();
  return seen;
}

export async function supportSession(server, auth, name) {
  const r = await request(server, 'POST', '/api/v1/sessions', {
    headers: { cookie: auth.cookie, 'x-csrf-token': auth.csrf }, body: { type: 'support', name },
  });
  assert.equal(r.status, 201, r.body);
  return r.json.session;
}

export async function metric(server, name) {
  const m = await request(server, 'GET', '/metrics');
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const found = m.body.match(new RegExp(`^${escaped} (-?\\d+)$`, 'm'));
  assert.ok(found, `${name} missing from /metrics`);
  return Number(found[1]);
}
