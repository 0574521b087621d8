// Login timing benchmark (bench/login_timing.sh runs it): does POST /api/v1/auth/login take the
// same time for an unknown user, a wrong password, a locked account and a disabled user? Starts
// the real tetherd, interleaves the kinds round by round over one keep-alive HTTPS connection,
// and prints median and p90 per kind with ratios to the wrong-password case. Two baselines in the
// same run make the figures readable: GET /healthz (an HTTPS request that does no work) and a
// login whose body is not an object (refused before any password hash is computed); a right
// password shows the cost of opening a session on top of the hash.
// Usage: node bench/login_timing.mjs [ROUNDS]
import https from 'node:https';
import { addUser, startWithConfig, strongPassword, tether } from '../tests/lib/tetherd.mjs';

const rounds = Number(process.argv[2] || 40);
const server = await startWithConfig('[security]\nlockout_failures = 3\nlockout_address_failures = 100000\n');
const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });

function call(method, path, body) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const t0 = process.hrtime.bigint();
    const req = https.request({
      host: '127.0.0.1', port: server.webPort, path, method, agent, ca: server.ca, checkServerIdentity: () => undefined,
      headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

const pct = (values, p) => {
  const v = [...values].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.floor(p * v.length))];
};

const wrong = 'Wrong-Password-00';
const kinds = {
  'unknown user': (i) => ['POST', '/api/v1/auth/login', { username: `nobody-${i}`, password: wrong }, 401],
  'wrong password': () => ['POST', '/api/v1/auth/login', { username: 'wendy', password: wrong }, 401],
  'locked account': (i) => ['POST', '/api/v1/auth/login', { username: 'lockee', password: i % 2 ? strongPassword : wrong }, 401],
  'disabled user': () => ['POST', '/api/v1/auth/login', { username: 'dora', password: strongPassword }, 401],
  'right password': () => ['POST', '/api/v1/auth/login', { username: 'wendy', password: strongPassword }, 200],
  'baseline: login, body not an object': () => ['POST', '/api/v1/auth/login', [], 400],
  'baseline: GET /healthz': () => ['GET', '/healthz', undefined, 200],
};

try {
  for (const name of ['wendy', 'lockee', 'dora']) await addUser(server, name);
  await tether(server, ['user', 'disable', 'dora']);
  for (let i = 0; i < 3; ++i) await call('POST', '/api/v1/auth/login', { username: 'lockee', password: wrong });
  const samples = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]));
  for (let i = -3; i < rounds; ++i) {  // three warm-up rounds
    for (const [kind, make] of Object.entries(kinds)) {
      const [method, path, body, want] = make(i);
      const r = await call(method, path, body);
      if (r.status !== want) throw new Error(`${kind}: ${r.status}, expected ${want}`);
      if (i >= 0) samples[kind].push(r.ms);
    }
    // Keep the disabled user's failures under the lock (the right password resets wendy's).
    if (i % 2 === 0) await tether(server, ['user', 'unlock', 'dora']);
  }
  const ref = { p50: pct(samples['wrong password'], 0.5), p90: pct(samples['wrong password'], 0.9) };
  console.log(`login timing, ${rounds} rounds, one keep-alive HTTPS connection (ms; ratio to the wrong-password case)`);
  console.log(`${'kind'.padEnd(38)} ${'median'.padStart(8)} ${'p90'.padStart(8)} ${'med/wrong'.padStart(10)} ${'p90/wrong'.padStart(10)}`);
  for (const [kind, v] of Object.entries(samples)) {
    const p50 = pct(v, 0.5), p90 = pct(v, 0.9);
    console.log(`${kind.padEnd(38)} ${p50.toFixed(2).padStart(8)} ${p90.toFixed(2).padStart(8)} ` +
      `${(p50 / ref.p50).toFixed(2).padStart(10)} ${(p90 / ref.p90).toFixed(2).padStart(10)}`);
  }
  const failing = ['unknown user', 'wrong password', 'locked account', 'disabled user'].map((k) => pct(samples[k], 0.5));
  console.log(`spread of the four refusals' medians (max/min): ${(Math.max(...failing) / Math.min(...failing)).toFixed(2)}; ` +
    `hash cost over the no-hash baseline: ${(ref.p50 / pct(samples['baseline: login, body not an object'], 0.5)).toFixed(1)}x`);
} finally {
  agent.destroy();
  await server.stop();
}
