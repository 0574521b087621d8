// Access (unattended) agents in tests: build an installer through the REST API, run
// `tether-agent install|uninstall` under a private --root, run `tether-agent service`, wait for a
// session's online state, and sign identity proofs like an agent does (Node's own Ed25519).
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { agentBin, request, run } from './tetherd.mjs';

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');
export const STATE_DIR = '/var/lib/tether-agent';
export const UNIT = 'etc/systemd/system/tether-agent.service';

export async function buildInstaller(server, auth, body) {
  return request(server, 'POST', '/api/v1/access/installers', {
    headers: { cookie: auth.cookie, 'x-csrf-token': auth.csrf }, body,
  });
}

export const signingKeyOf = async (server) => (await request(server, 'GET', '/api/v1/guest/signing-key')).json.public_key;

// `tether-agent install` of `file` under `root`; resolves {code, stdout, stderr}.
export function install(file, root, display, trustKey) {
  return run(agentBin, ['--display', display, 'install', '--config', file, '--trust-key', trustKey,
    '--root', root, '--state-dir', STATE_DIR]);
}
export const uninstall = (root) => run(agentBin, ['uninstall', '--root', root, '--state-dir', STATE_DIR]);

// `tether-agent service` for the agent installed under `root`.
export function startService(root) {
  const proc = spawn(agentBin, ['service', '--state-dir', path.join(root, STATE_DIR)],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  const agent = { proc, output: '' };
  proc.stdout.on('data', (d) => { agent.output += d; });
  proc.stderr.on('data', (d) => { agent.output += d; });
  agent.exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal, output: agent.output })));
  agent.stop = async () => { if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM'); return agent.exited; };
  return agent;
}

// Polls the session until guest.online is `online`; returns the session.
export async function waitOnline(server, auth, id, online = true, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    const r = await request(server(), 'GET', `/api/v1/sessions/${id}`, { headers: { cookie: auth().cookie } }).catch(() => null);
    last = r?.json?.session;
    if (last && last.guest.online === online) return last;
    await new Promise((r2) => setTimeout(r2, 200));
  }
  throw new Error(`session ${id} never became ${online ? 'online' : 'offline'}: ${JSON.stringify(last)}`);
}

// The agent's key pair, read from its state directory (the test owns it).
export function agentKeyOf(root) {
  const [header, seed] = fs.readFileSync(path.join(root, STATE_DIR, 'agent.key'), 'utf8').trim().split('\n');
  if (header !== 'tether-agent-identity-key/1') throw new Error(`unexpected key header ${header}`);
  return crypto.createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, Buffer.from(seed, 'base64')]), format: 'der', type: 'pkcs8' });
}
export const rawPublicKey = (priv) => crypto.createPublicKey(priv).export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519.length);
// What an access agent signs on a connection whose exporter value is `binding`.
export const identityProof = (priv, binding) => crypto.sign(null, Buffer.concat([Buffer.from('tether-agent-identity/1\n'), binding]), priv);
