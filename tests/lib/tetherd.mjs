// Test harness: starts a real tetherd on 127.0.0.1 with a temporary data directory, waits for
// its ready line, and stops it by PID. Shared by the integration and browser tests.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const buildDir = process.env.TETHER_BUILD_DIR || path.join(repoRoot, 'build');
export const tetherdBin = path.join(buildDir, 'bin', 'tetherd');
export const tetherBin = path.join(buildDir, 'bin', 'tether');

export function tempDir(prefix = 'tether-test-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

// Starts tetherd. Resolves once it printed its ready line.
export async function startTetherd({ dataDir = tempDir(), args = [], env = {}, timeoutMs = 30000,
  webListen = '127.0.0.1:0', relayListen = '127.0.0.1:0' } = {}) {
  const proc = spawn(tetherdBin, [
    '--data-dir', dataDir,
    '--web-listen', webListen,
    '--relay-listen', relayListen,
    ...args,
  ], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const server = { proc, dataDir, stdout: '', stderr: '', setupUrl: null, exited: null };
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => {
    server.exited = { code, signal };
    resolve(server.exited);
  }));
  server.exitedPromise = exited;
  proc.stderr.on('data', (d) => { server.stderr += d; });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tetherd not ready in ${timeoutMs} ms\n${server.stderr}`)), timeoutMs);
    proc.stdout.on('data', (d) => {
      server.stdout += d;
      const setup = server.stdout.match(/(https:\/\/\S+\/setup\?token=[A-Za-z0-9_-]+)/);
      if (setup) server.setupUrl = setup[1];
      const ready = server.stdout.match(/ready: web (\S+) relay (\S+) pin (\S+)/);
      if (ready) {
        clearTimeout(timer);
        server.baseUrl = ready[1];
        server.webPort = Number(new URL(ready[1]).port);
        server.relayPort = Number(ready[2].split(':').pop());
        server.pin = ready[3];
        resolve();
      }
    });
    exited.then((e) => { clearTimeout(timer); reject(new Error(`tetherd exited early (${JSON.stringify(e)})\n${server.stderr}`)); });
    proc.on('error', (e) => { clearTimeout(timer); reject(new Error(`cannot start ${tetherdBin}: ${e.message}`)); });
  });
  const caFile = path.join(dataDir, 'tls', 'server.crt');
  server.ca = fs.existsSync(caFile) ? fs.readFileSync(caFile) : undefined;
  server.setupToken = server.setupUrl ? new URL(server.setupUrl).searchParams.get('token') : null;
  server.stop = async (signal = 'SIGTERM') => {
    if (server.exited) return server.exited;
    process.kill(proc.pid, signal);
    return exited;
  };
  server.request = (method, target, opts = {}) => request(server, method, target, opts);
  return server;
}

// One HTTPS request to the server, verified against its own certificate.
// Returns {status, headers, body, json, raw} (raw: the body's bytes).
export function request(server, method, target, { headers = {}, body, rawPath = false } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body));
    const req = https.request({
      host: '127.0.0.1', port: server.webPort, method, path: target, ca: server.ca,
      servername: undefined, checkServerIdentity: () => undefined,
      headers: {
        ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        ...headers,
      },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const text = raw.toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, body: text, json, raw });
      });
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

// Logs in and returns {cookie, csrf} for later requests.
export async function login(server, username, password) {
  const r = await request(server, 'POST', '/api/v1/auth/login', { body: { username, password } });
  if (r.status !== 200) throw new Error(`login failed: ${r.status} ${r.body}`);
  const cookie = (r.headers['set-cookie'] || [])[0].split(';')[0];
  return { cookie, csrf: r.json.csrf_token, user: r.json.user };
}

export const strongPassword = 'Correct-Horse-9-Battery';

// Runs the `tether` admin command against a server's data directory.
// Returns {code, stdout, stderr}.
export function tether(server, args, { input } = {}) {
  return new Promise((resolve) => {
    const p = spawn(tetherBin, ['--data-dir', server.dataDir, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
    if (input !== undefined) p.stdin.write(input);
    p.stdin.end();
  });
}

// Creates the first administrator through the local socket.
export async function setupAdmin(server, username = 'admin', password = strongPassword) {
  const r = await tether(server, ['setup', '--username', username, '--password-stdin'], { input: password + '\n' });
  if (r.code !== 0) throw new Error(`tether setup failed: ${r.stderr}`);
}

// Starts tetherd with a configuration file holding `toml`, and creates its first administrator.
export async function startWithConfig(toml) {
  const dir = tempDir();
  const config = path.join(dir, 'tetherd.toml');
  fs.writeFileSync(config, toml);
  const server = await startTetherd({ dataDir: path.join(dir, 'data'), args: ['--config', config] });
  await setupAdmin(server);
  return server;
}

// Adds a user with `strongPassword` through the local socket.
export async function addUser(server, name, role = 'Host') {
  const r = await tether(server, ['user', 'add', name, '--role', role, '--password-stdin'], { input: strongPassword + '\n' });
  if (r.code !== 0) throw new Error(`tether user add ${name} failed: ${r.stderr}`);
}

// Runs a program to completion. Returns {code, stdout, stderr}.
export function run(cmd, args, { input, timeoutMs = 20000 } = {}) {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('exit', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
    if (input !== undefined) p.stdin.write(input);
    p.stdin.end();
  });
}

export const agentBin = path.join(buildDir, 'bin', 'tether-agent');

// Starts `tether-agent join` for a server's session code on an X display.
export function startAgent(server, code, display, { pin = server.pin, extra = [] } = {}) {
  return spawnAgent(['--display', display, 'join', '--server', `127.0.0.1:${server.relayPort}`,
    '--pin', pin, ...extra, code]);
}

// Starts tether-agent with `args`; the result collects its output and can wait for a line.
export function spawnAgent(args, { env = {} } = {}) {
  const proc = spawn(agentBin, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const agent = { proc, output: '' };
  proc.stdout.on('data', (d) => { agent.output += d; });
  proc.stderr.on('data', (d) => { agent.output += d; });
  agent.exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  agent.stop = async () => { if (proc.exitCode === null) proc.kill('SIGTERM'); return agent.exited; };
  agent.waitFor = async (re, timeoutMs = 15000) => {
    const deadline = Date.now() + timeoutMs;
    while (!re.test(agent.output)) {
      if (Date.now() > deadline) throw new Error(`agent never printed ${re}:\n${agent.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return agent;
}
