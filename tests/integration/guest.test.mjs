// The guest page's signed agent configuration, end to end: a real tetherd hands out the file for a
// session code; the signature verifies with the published key (Node's crypto, not ours); the real
// tether-agent runs it on a private Xvfb and joins the session once, reconnecting with its resume
// token after a server restart; tampered, unsigned, foreign, expired and not-yet-valid files are
// refused by the real agent; codes are rate limited per address and unknown and ended codes look
// the same; the signing key is a 0600 file that stops start-up when others can read it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  agentBin, login, request, setupAdmin, startTetherd, strongPassword, tempDir,
} from '../lib/tetherd.mjs';
import { CONTROL, CONTROL_KIND, connectRelay, field, frame, kindOf, msg, parse } from '../lib/wire.mjs';
import { startXvfb } from '../lib/xvfb.mjs';

const FORMAT = 'tether-agent-config/1';
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');

const publicKeyOf = (b64) => crypto.createPublicKey({ key: Buffer.concat([SPKI_ED25519, Buffer.from(b64, 'base64')]), format: 'der', type: 'spki' });
const privateKeyOf = (seed) => crypto.createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
const rawPublic = (priv) => crypto.createPublicKey(priv).export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519.length);
const signedMessage = (payload) => Buffer.concat([Buffer.from(`${FORMAT}\n`), payload]);

// A configuration signed by `priv` (Node's own Ed25519), for files the server would never make.
function signWith(priv, payloadObject, { format = FORMAT } = {}) {
  const payload = Buffer.from(JSON.stringify(payloadObject));
  return JSON.stringify({
    format,
    payload: payload.toString('base64'),
    signature: crypto.sign(null, signedMessage(payload), priv).toString('base64'),
    key: rawPublic(priv).toString('base64'),
  });
}

// The server's signing key, read from its data directory (the test owns that directory).
function serverKey(server) {
  const text = fs.readFileSync(path.join(server.dataDir, 'signing', 'ed25519.key'), 'utf8').trim().split('\n');
  assert.equal(text[0], 'tether-ed25519-signing-key/1');
  return privateKeyOf(Buffer.from(text[1], 'base64'));
}

function decode(file) {
  const env = JSON.parse(file);
  return { env, payloadBytes: Buffer.from(env.payload, 'base64'), payload: JSON.parse(Buffer.from(env.payload, 'base64')) };
}

// Runs `tether-agent run --config FILE ...`; resolves with {code, output} when it exits, or hands
// back the running process for the caller to watch and stop.
function runAgent(display, file, args = [], env = {}) {
  const proc = spawn(agentBin, ['--display', display, 'run', '--config', file, ...args],
    { env: { ...process.env, TETHER_AGENT_TRUST: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const agent = { proc, output: '' };
  proc.stdout.on('data', (d) => { agent.output += d; });
  proc.stderr.on('data', (d) => { agent.output += d; });
  agent.exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal, output: agent.output })));
  agent.stop = async () => { if (proc.exitCode === null) proc.kill('SIGTERM'); return agent.exited; };
  agent.waitFor = async (re, timeoutMs = 15000) => {
    const deadline = Date.now() + timeoutMs;
    while (!re.test(agent.output)) {
      if (Date.now() > deadline) throw new Error(`agent never printed ${re}:\n${agent.output}`);
      if (proc.exitCode !== null) throw new Error(`agent exited ${proc.exitCode} before ${re}:\n${agent.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return agent;
}

async function refusedBy(display, file, args, expected, env = {}) {
  const agent = runAgent(display, file, args, env);
  const timer = setTimeout(() => agent.proc.kill('SIGKILL'), 15000);
  const r = await agent.exited;
  clearTimeout(timer);
  assert.equal(r.code, 1, `exit status for ${path.basename(file)}:\n${r.output}`);
  assert.match(r.output, expected);
  assert.doesNotMatch(r.output, /joined through/);
  return r.output;
}

const join = (server, code, headers = {}) => request(server, 'POST', '/api/v1/guest/join', { body: { code }, headers });

describe('guest page: signed agent configuration', () => {
  let x, server, auth, session, key, dir;
  const csrf = () => ({ cookie: auth.cookie, 'x-csrf-token': auth.csrf });

  before(async () => {
    x = await startXvfb({ width: 800, height: 600 });
    server = await startTetherd();
    await setupAdmin(server);
    auth = await login(server, 'admin', strongPassword);
    const r = await request(server, 'POST', '/api/v1/sessions', { headers: csrf(), body: { type: 'support', name: 'Help Anna' } });
    session = r.json.session;
    dir = tempDir('tether-guest-');
  });
  after(async () => {
    await server?.stop();
    await x?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the signing key is a 0600 file in a 0700 directory, printed at start and published', async () => {
    const signing = path.join(server.dataDir, 'signing');
    assert.equal(fs.statSync(signing).mode & 0o777, 0o700);
    assert.equal(fs.statSync(path.join(signing, 'ed25519.key')).mode & 0o777, 0o600);
    const printed = server.stdout.match(/Agent configuration signing key: (\S+)/);
    assert.ok(printed, server.stdout);
    const r = await request(server, 'GET', '/api/v1/guest/signing-key');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { algorithm: 'ed25519', public_key: printed[1], format: FORMAT });
    key = r.json.public_key;
    assert.equal(Buffer.from(key, 'base64').length, 32);
    // The public half, ready to copy to agents.
    assert.match(fs.readFileSync(path.join(signing, 'ed25519.pub'), 'utf8'), new RegExp(`^${key.replace(/[+/]/g, '\\$&')} `, 'm'));
    // The guest page itself needs no login.
    const page = await request(server, 'GET', '/guest');
    assert.notEqual(page.status, 404);
  });

  test('a code gives a download signed over the documented message, verified with the published key', async () => {
    const r = await join(server, session.code);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.headers['content-type'], 'application/vnd.tether.agent-config+json');
    assert.equal(r.headers['content-disposition'], `attachment; filename="tether-${session.id}.tether"`);
    assert.equal(r.headers['cache-control'], 'no-store');
    assert.ok(r.body.length < 16384);
    const { env, payloadBytes, payload } = decode(r.body);
    assert.deepEqual(Object.keys(env).sort(), ['format', 'key', 'payload', 'signature']);
    assert.equal(env.format, FORMAT);
    assert.equal(env.key, key);
    assert.ok(crypto.verify(null, signedMessage(payloadBytes), publicKeyOf(key), Buffer.from(env.signature, 'base64')));
    assert.ok(!crypto.verify(null, payloadBytes, publicKeyOf(key), Buffer.from(env.signature, 'base64')),
      'the signature covers the domain-separated message, not the bare payload');
    assert.equal(payload.relay, `127.0.0.1:${server.relayPort}`);
    assert.equal(payload.pin, server.pin);
    assert.equal(payload.session_id, session.id);
    assert.equal(payload.session_name, 'Help Anna');
    assert.equal(payload.kind, 'support');
    assert.match(payload.join_token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(payload.expires_at - payload.issued_at, 600);
    assert.ok(Math.abs(payload.issued_at - Date.now() / 1000) < 30);
    assert.ok(!r.body.includes(session.code) || session.code.length < 4, 'the session code is not in the file');
    // Spaces in the typed code do not matter.
    const spaced = await join(server, `${session.code.slice(0, 3)} ${session.code.slice(3)}`);
    assert.equal(spaced.status, 200);
  });

  test('tether-agent run joins once with the trusted key; the same file is refused; a restart is survived', async () => {
    const r = await join(server, session.code);
    const file = path.join(dir, 'good.tether');
    fs.writeFileSync(file, r.body);
    const agent = runAgent(x.display, file, ['--trust-key', key]);
    try {
      await agent.waitFor(/joined through tetherd/);
      // The relay writes its events in the background: wait for the guest's arrival.
      let kinds = [];
      for (const until = Date.now() + 5000; Date.now() < until && !kinds.includes('guest_connected');) {
        const events = await request(server, 'GET', `/api/v1/sessions/${session.id}/events`, { headers: { cookie: auth.cookie } });
        kinds = events.json.events.map((e) => e.kind);
        if (!kinds.includes('guest_connected')) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(kinds.includes('guest_connected'), kinds.join(','));
      assert.ok(kinds.includes('guest_config_issued'), kinds.join(','));

      // Single use: a second agent with the same file (trusted through the trust file) is refused.
      const trust = path.join(dir, 'agent-trust.pub');
      fs.writeFileSync(trust, `# the server\n${key} tetherd\n`);
      fs.chmodSync(trust, 0o644);
      await refusedBy(x.display, file, [], /unknown, used or expired join token/, { TETHER_AGENT_TRUST: trust });

      // The first agent comes back by itself after a server restart, with its resume token.
      await server.stop();
      server = await startTetherd({ dataDir: server.dataDir, relayListen: `127.0.0.1:${server.relayPort}` });
      auth = await login(server, 'admin', strongPassword);
      await agent.waitFor(/joined through tetherd[\s\S]*joined through tetherd/, 20000);
      assert.equal(agent.proc.exitCode, null);
    } finally {
      const stopped = await agent.stop();
      assert.equal(stopped.code, 0, stopped.output);
    }
  });

  test('the relay admits a join token once and then its resume token (raw protocol)', async () => {
    const { payload } = decode((await join(server, session.code)).body);
    const hello = (f) => frame(CONTROL, field(1, msg(field(1, 1), field(3, 1), f)));
    const g1 = await connectRelay(server);
    g1.send(hello(field(8, payload.join_token)));
    const welcome = parse(parse((await g1.control(CONTROL_KIND.welcome)).payload)[2][0]);
    const resume = welcome[6]?.[0]?.toString('utf8');
    assert.ok(resume && resume.startsWith(`${session.id}.`), 'the Welcome carries a resume token');
    g1.close();
    await g1.waitClosed();

    const g2 = await connectRelay(server);
    g2.send(hello(field(8, payload.join_token)));
    const refused = await g2.control(CONTROL_KIND.error);
    assert.match(parse(parse(refused.payload)[5][0])[2][0].toString('utf8'), /unknown, used or expired join token/);
    await g2.waitClosed();

    const g3 = await connectRelay(server);
    g3.send(hello(field(9, resume)));
    await g3.control(CONTROL_KIND.welcome);
    g3.close();

    const g4 = await connectRelay(server);
    g4.send(hello(field(9, `${resume.slice(0, -2)}AA`)));
    assert.equal(kindOf((await g4.control(CONTROL_KIND.error)).payload), CONTROL_KIND.error);
    await g4.waitClosed();
  });

  test('altered, unsigned, foreign and unknown-format files are refused by the real agent', async () => {
    const good = (await join(server, session.code)).body;
    const { env, payload } = decode(good);
    const write = (name, text) => { const f = path.join(dir, name); fs.writeFileSync(f, text); return f; };
    const trust = ['--trust-key', key];

    const altered = { ...env, payload: Buffer.from(JSON.stringify({ ...payload, relay: 'attacker.example:8041' })).toString('base64') };
    await refusedBy(x.display, write('altered.tether', JSON.stringify(altered)), trust, /altered after the server signed it/);

    const sig = Buffer.from(env.signature, 'base64');
    sig[10] ^= 0x01;
    await refusedBy(x.display, write('badsig.tether', JSON.stringify({ ...env, signature: sig.toString('base64') })), trust,
      /signature does not match/);

    const { signature: _unused, ...unsigned } = env;
    await refusedBy(x.display, write('unsigned.tether', JSON.stringify(unsigned)), trust, /not signed/);

    const stranger = crypto.generateKeyPairSync('ed25519').privateKey;
    await refusedBy(x.display, write('foreign.tether', signWith(stranger, payload)), trust, /signed by a key this agent does not trust/);
    // Naming the trusted key while being signed by another one does not help.
    const lying = { ...JSON.parse(signWith(stranger, payload)), key };
    await refusedBy(x.display, write('lying.tether', JSON.stringify(lying)), trust, /altered after the server signed it/);

    await refusedBy(x.display, write('v2.tether', signWith(serverKey(server), payload, { format: 'tether-agent-config/2' })), trust,
      /format 'tether-agent-config\/2' is not one this agent reads/);
    await refusedBy(x.display, write('junk.tether', 'not json at all'), trust, /not a Tether agent configuration/);
    await refusedBy(x.display, write('big.tether', ' '.repeat(20000)), trust, /larger than 16384 bytes/);
    await refusedBy(x.display, path.join(dir, 'absent.tether'), trust, /cannot read/);
  });

  test('expired and not-yet-valid files are refused by the real agent', async () => {
    const { payload } = decode((await join(server, session.code)).body);
    const now = Math.floor(Date.now() / 1000);
    const priv = serverKey(server);
    const expired = path.join(dir, 'expired.tether');
    fs.writeFileSync(expired, signWith(priv, { ...payload, issued_at: now - 3600, expires_at: now - 1800 }));
    await refusedBy(x.display, expired, ['--trust-key', key], /expired at .* UTC; download a new one/);
    const early = path.join(dir, 'early.tether');
    fs.writeFileSync(early, signWith(priv, { ...payload, issued_at: now + 3600, expires_at: now + 4200 }));
    await refusedBy(x.display, early, ['--trust-key', key], /not valid before .*check this computer's date and time/);
  });

  test('an agent without a trusted key refuses and says how to configure one', async () => {
    const file = path.join(dir, 'untrusted.tether');
    fs.writeFileSync(file, (await join(server, session.code)).body);
    if (!fs.existsSync('/etc/tether/agent-trust.pub')) {
      await refusedBy(x.display, file, [], /no trusted signing key: .*\/etc\/tether\/agent-trust\.pub.*--trust-key/s);
    }
    await refusedBy(x.display, file, ['--trust-file', path.join(dir, 'missing.pub')], /missing\.pub/);
    const shared = path.join(dir, 'shared.pub');
    fs.writeFileSync(shared, `${key}\n`);
    fs.chmodSync(shared, 0o666);
    await refusedBy(x.display, file, ['--trust-file', shared], /can be changed by other users/);
  });

  test('a configuration for a session that has ended does not admit', async () => {
    const r = await request(server, 'POST', '/api/v1/sessions', { headers: csrf(), body: { type: 'support', name: 'Short' } });
    const short = r.json.session;
    const file = path.join(dir, 'ended.tether');
    fs.writeFileSync(file, (await join(server, short.code)).body);
    assert.equal((await request(server, 'POST', `/api/v1/sessions/${short.id}/end`, { headers: csrf() })).status, 204);
    await refusedBy(x.display, file, ['--trust-key', key], /the session has ended/);
  });

  test('unknown and ended codes get the same answer', async () => {
    const r = await request(server, 'POST', '/api/v1/sessions', { headers: csrf(), body: { type: 'support', name: 'Gone', code: 'GONE-42' } });
    assert.equal((await request(server, 'POST', `/api/v1/sessions/${r.json.session.id}/end`, { headers: csrf() })).status, 204);
    const ended = await join(server, 'GONE-42');
    const unknown = await join(server, 'NEVER-42');
    assert.equal(ended.status, 404);
    assert.equal(unknown.status, ended.status);
    assert.equal(unknown.body, ended.body);
    assert.equal(unknown.json.error, 'not_found');
    // Malformed requests.
    assert.equal((await join(server, '')).status, 400);
    assert.equal((await request(server, 'POST', '/api/v1/guest/join', { body: '[1]' })).status, 400);
    assert.equal((await request(server, 'POST', '/api/v1/guest/join', { body: JSON.stringify({ code: 'x'.repeat(5000) }) })).status, 413);
    // A cross-site form cannot ask for a file.
    const form = await request(server, 'POST', '/api/v1/guest/join', {
      body: 'code=1', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
    });
    assert.equal(form.status, 403);
  });
});

describe('guest page: limits and key file', () => {
  test('wrong codes are rate limited per address, then even the right code gets 429 with Retry-After', async () => {
    const server = await startTetherd();
    try {
      await setupAdmin(server);
      const auth = await login(server, 'admin', strongPassword);
      const r = await request(server, 'POST', '/api/v1/sessions', {
        headers: { cookie: auth.cookie, 'x-csrf-token': auth.csrf }, body: { type: 'support', name: 'Limited' },
      });
      const code = r.json.session.code;
      for (let i = 0; i < 10; i++) assert.equal((await join(server, `99999${i}`)).status, 404);
      const limited = await join(server, code);
      assert.equal(limited.status, 429);
      assert.equal(limited.json.error, 'rate_limited');
      const retry = Number(limited.headers['retry-after']);
      assert.ok(retry >= 1 && retry <= 60, `Retry-After ${limited.headers['retry-after']}`);
      // The relay shares the limit: the code is refused there too.
      const guest = await connectRelay(server);
      guest.send(frame(CONTROL, field(1, msg(field(1, 1), field(3, 1), field(6, code)))));
      const err = await guest.control(CONTROL_KIND.error);
      assert.match(parse(parse(err.payload)[5][0])[2][0].toString('utf8'), /too many attempts/);
    } finally {
      await server.stop();
    }
  });

  test('tetherd refuses to start when the key file is readable by others or malformed, naming the file', async () => {
    const server = await startTetherd();
    await server.stop();
    const keyFile = path.join(server.dataDir, 'signing', 'ed25519.key');
    const original = fs.readFileSync(keyFile);
    fs.chmodSync(keyFile, 0o644);
    await assert.rejects(startTetherd({ dataDir: server.dataDir }), (e) => {
      assert.match(e.message, new RegExp(`signing key ${keyFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: is readable or writable by other users \\(mode 0644\\)`));
      assert.match(e.message, /chmod 600/);
      assert.match(e.message, /"code":1/);
      return true;
    });
    fs.chmodSync(keyFile, 0o600);
    fs.writeFileSync(keyFile, 'tether-ed25519-signing-key/1\nnot-base64\n');
    await assert.rejects(startTetherd({ dataDir: server.dataDir }), /signing key .*ed25519\.key: is malformed/);
    assert.equal(fs.readFileSync(keyFile, 'utf8'), 'tether-ed25519-signing-key/1\nnot-base64\n', 'never overwritten');
    fs.writeFileSync(keyFile, original);
    const again = await startTetherd({ dataDir: server.dataDir });
    await again.stop();
  });

  test('a signing key in the TOML configuration is refused; the token lifetime is a setting', async () => {
    const dir = tempDir('tether-guest-config-');
    const conf = path.join(dir, 'tetherd.toml');
    fs.writeFileSync(conf, '[guest]\nsigning_key = "AAAA"\n');
    await assert.rejects(startTetherd({ args: ['--config', conf] }), /guest\.signing_key: unknown setting/);
    fs.writeFileSync(conf, '[guest]\njoin_token_minutes = 0\n');
    await assert.rejects(startTetherd({ args: ['--config', conf] }), /guest\.join_token_minutes: must be from 1 to 1440/);
    fs.writeFileSync(conf, '[guest]\njoin_token_minutes = 3\n[relay]\npublic_address = "support.example.com:443"\n');
    const server = await startTetherd({ args: ['--config', conf] });
    try {
      await setupAdmin(server);
      const auth = await login(server, 'admin', strongPassword);
      const r = await request(server, 'POST', '/api/v1/sessions', {
        headers: { cookie: auth.cookie, 'x-csrf-token': auth.csrf }, body: { type: 'support', name: 'Configured' },
      });
      const { payload } = decode((await join(server, r.json.session.code)).body);
      assert.equal(payload.expires_at - payload.issued_at, 180);
      assert.equal(payload.relay, 'support.example.com:443');
    } finally {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
