// Credentials for relay_bench: support sessions (join codes) and single-use host tokens, made
// through tetherd's REST API as the bench's administrator. Host tokens expire after 60 s, so
// relay.sh asks for them right before each run.
//   node relay_creds.mjs WEB_PORT CA_FILE PASSWORD sessions N OUT   -> "ID CODE" lines
//   node relay_creds.mjs WEB_PORT CA_FILE PASSWORD tokens SESSIONS N OUT -> "CODE TOKEN" lines
import fs from 'node:fs';
import { login, request } from '../tests/lib/tetherd.mjs';

const [webPort, caFile, password, cmd, ...args] = process.argv.slice(2);
const server = { webPort: Number(webPort), ca: fs.readFileSync(caFile) };
const auth = await login(server, 'admin', password);
const headers = { cookie: auth.cookie, 'x-csrf-token': auth.csrf };

// Runs f(i) for i in [0, n) with a few requests in flight.
async function each(n, f, parallel = 8) {
  const out = new Array(n);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(parallel, n) }, async () => {
    while (next < n) {
      const i = next++;
      out[i] = await f(i);
    }
  }));
  return out;
}

if (cmd === 'sessions') {
  const [n, outFile] = [Number(args[0]), args[1]];
  const lines = await each(n, async (i) => {
    const r = await request(server, 'POST', '/api/v1/sessions', { headers, body: { type: 'support', name: `bench ${i}` } });
    if (r.status !== 201 && r.status !== 200) throw new Error(`session create: ${r.status} ${r.body}`);
    return `${r.json.session.id} ${r.json.session.code}`;
  });
  fs.writeFileSync(outFile, lines.join('\n') + '\n');
} else if (cmd === 'tokens') {
  const [sessionsFile, n, outFile] = [args[0], Number(args[1]), args[2]];
  const sessions = fs.readFileSync(sessionsFile, 'utf8').trim().split('\n').map((l) => l.split(' '));
  if (sessions.length < n) throw new Error(`only ${sessions.length} sessions in ${sessionsFile}`);
  const lines = await each(n, async (i) => {
    const [id, code] = sessions[i];
    const r = await request(server, 'POST', `/api/v1/sessions/${id}/host-token`, { headers });
    if (r.status !== 201) throw new Error(`host token: ${r.status} ${r.body}`);
    return `${code} ${r.json.token}`;
  });
  fs.writeFileSync(outFile, lines.join('\n') + '\n');
} else {
  throw new Error(`unknown command ${cmd}`);
}
