// Helpers shared by the relay's integration tests: a support session made through the REST
// API, and a Prometheus series read from /metrics (a name with its labels, as rendered:
// 'tether_relay_frames_total{direction="to_host"}').
import assert from 'node:assert/strict';
import { request } from './tetherd.mjs';

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
