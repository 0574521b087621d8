// Access (unattended) agents against a real tetherd and the real tether-agent on a private Xvfb:
// an administrator builds an installer (a Host may not); `tether-agent install` enrols once with
// its single-use token, keeps its own key in a 0700 state directory and writes the systemd unit
// under --root; the access session carries the installer's properties and goes online when
// `tether-agent service` runs; a used token, a stolen public key, a key that never enrolled and a
// signature replayed from another connection are refused by the relay; an administrator joins
// without a consent question while a Host is asked; the agent is back online by itself after
// tetherd is killed and restarted and after a network cut (a TCP proxy between agent and relay);
// uninstall removes the unit, the state and the key.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  agentBin, login, request, run, setupAdmin, startTetherd, strongPassword, tempDir, tether,
} from '../lib/tetherd.mjs';
import {
  CONTROL, CONTROL_KIND, CONSENT, VIDEO, connectRelay, connectViewer, consentStateOf, field, frame, msg, parse,
} from '../lib/wire.mjs';
import { startXvfb } from '../lib/xvfb.mjs';
import {
  STATE_DIR, UNIT, agentKeyOf, buildInstaller, identityProof, install, rawPublicKey, signingKeyOf, startService,
  uninstall, waitOnline,
} from '../lib/access.mjs';

const agentHello = (key, signature, installToken) => frame(CONTROL, field(1, msg(
  field(1, 1), field(3, 1), field(10, key), field(11, signature), installToken ? field(12, installToken) : [])));
const errorText = (f) => parse(parse(f.payload)[5][0])[2][0].toString('utf8');
const payloadOf = (file) => JSON.parse(Buffer.from(JSON.parse(file).payload, 'base64'));

describe('access agents', () => {
  let x, server, auth, trustKey, dir, root, file, sessionId;
  const hdr = () => ({ cookie: auth.cookie, 'x-csrf-token': auth.csrf });

  before(async () => {
    x = await startXvfb({ width: 800, height: 600 });
    x.run('xterm', ['-geometry', '60x10+20+20']);
    server = await startTetherd();
    await setupAdmin(server);
    auth = await login(server, 'admin', strongPassword);
    trustKey = await signingKeyOf(server);
    dir = tempDir('tether-access-');
    root = path.join(dir, 'root');
  });
  after(async () => {
    await server?.stop();
    await x?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('an administrator builds an installer with custom properties; a Host may not', async () => {
    const r = await buildInstaller(server, auth, {
      name: 'Reception PC', properties: { company: 'Acme', site: 'Berlin' }, expires_in_hours: 24,
    });
    assert.equal(r.status, 201, r.body);
    assert.equal(r.headers['content-type'], 'application/vnd.tether.agent-config+json');
    assert.match(r.headers['content-disposition'], /filename="tether-access-[A-Za-z0-9_-]+\.tether"/);
    const p = payloadOf(r.body);
    assert.equal(p.kind, 'access-install');
    assert.equal(p.session_name, 'Reception PC');
    assert.equal(p.company, 'Acme');
    assert.equal(p.site, 'Berlin');
    assert.equal(p.department, '');
    assert.equal(p.pin, server.pin);
    assert.equal(p.relay, `127.0.0.1:${server.relayPort}`);
    assert.ok(p.expires_at - p.issued_at === 24 * 3600);
    file = path.join(dir, 'reception.tether');
    fs.writeFileSync(file, r.body);

    // The list shows the installer but never its token.
    const list = await request(server, 'GET', '/api/v1/access/installers', { headers: { cookie: auth.cookie } });
    assert.equal(list.status, 200);
    assert.equal(list.json.installers[0].name, 'Reception PC');
    assert.equal(list.json.installers[0].used_at, 0);
    assert.ok(!list.body.includes(p.join_token), 'the install token is not listed');

    assert.equal((await buildInstaller(server, auth, { name: '' })).status, 400);
    assert.equal((await buildInstaller(server, auth, { name: 'x', properties: { color: 'red' } })).status, 400);
    assert.equal((await buildInstaller(server, auth, { name: 'x', expires_in_hours: 24 * 91 })).status, 400);
    assert.equal((await buildInstaller(server, { cookie: auth.cookie, csrf: 'wrong' }, { name: 'x' })).status, 403);

    const added = await tether(server, ['user', 'add', 'hilda', '--role', 'Host', '--password-stdin'], { input: `${strongPassword}\n` });
    assert.equal(added.code, 0, added.stderr);
    const host = await login(server, 'hilda', strongPassword);
    const refused = await buildInstaller(server, host, { name: 'Sneaky' });
    assert.equal(refused.status, 403);
    assert.match(refused.json.message, /BuildAccessInstaller/);
  });

  test('install enrols once, keeps its key private and writes the unit; the token cannot be used again', async () => {
    const r = await install(file, root, x.display, trustKey);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /enrolled: access session ([A-Za-z0-9_-]+)/);
    assert.match(r.stdout, /not running systemctl: files were written under --root/);
    sessionId = r.stdout.match(/enrolled: access session ([A-Za-z0-9_-]+)/)[1];

    const state = path.join(root, STATE_DIR);
    assert.equal(fs.statSync(state).mode & 0o777, 0o700);
    assert.equal(fs.statSync(path.join(state, 'agent.key')).mode & 0o777, 0o600);
    const enrolment = JSON.parse(fs.readFileSync(path.join(state, 'enrolment.json'), 'utf8'));
    assert.deepEqual(enrolment, {
      relay: `127.0.0.1:${server.relayPort}`, pin: server.pin, session_id: sessionId,
      session_name: 'Reception PC', display: x.display,
    });
    const unit = fs.readFileSync(path.join(root, UNIT), 'utf8');
    assert.match(unit, /^ExecStart="[^"]*tether-agent" service --state-dir "\/var\/lib\/tether-agent" --display ":\d+"$/m);
    assert.match(unit, /^Restart=always$/m);
    assert.match(unit, /^NoNewPrivileges=yes$/m);
    assert.doesNotMatch(unit, /PrivateTmp=yes/, 'the X socket in /tmp/.X11-unix stays reachable');
    // systemd's own checker accepts the unit (this machine has it installed).
    const verify = await run('systemd-analyze', ['verify', path.join(root, UNIT)]);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);

    const s = (await request(server, 'GET', `/api/v1/sessions/${sessionId}`, { headers: { cookie: auth.cookie } })).json.session;
    assert.equal(s.type, 'access');
    assert.equal(s.name, 'Reception PC');
    assert.deepEqual(s.properties, { company: 'Acme', site: 'Berlin' });
    const list = await request(server, 'GET', '/api/v1/access/installers', { headers: { cookie: auth.cookie } });
    assert.ok(list.json.installers[0].used_at > 0);
    assert.equal(list.json.installers[0].session_id, sessionId);

    // Single use: the same installer on another machine is refused, and leaves no key behind.
    const other = path.join(dir, 'other-root');
    const again = await install(file, other, x.display, trustKey);
    assert.equal(again.code, 1, again.stdout);
    assert.match(again.stderr, /enrolment failed: unknown, used or expired install token/);
    assert.ok(!fs.existsSync(path.join(other, STATE_DIR, 'agent.key')));
    // A second install into the same state directory is refused before anything is sent.
    const twice = await install(file, root, x.display, trustKey);
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /installed already; uninstall it first/);
    // `run` does not take an installer.
    const runIt = await run(agentBin, ['--display', x.display, 'run', '--config', file, '--trust-key', trustKey]);
    assert.equal(runIt.code, 1);
    assert.match(runIt.stderr, /is an access installer; use tether-agent install/);
  });

  test('the relay refuses a stolen public key, a key that never enrolled and a replayed signature', async () => {
    const priv = agentKeyOf(root);
    const pub = rawPublicKey(priv);
    // The real agent's proof on its own connection is admitted (so the refusals below are the
    // attacks' doing, not the test's).
    const good = await connectRelay(server);
    good.send(agentHello(pub, identityProof(priv, good.channelBinding())));
    await good.control(CONTROL_KIND.welcome);
    const info = parse(parse((await good.control(CONTROL_KIND.session_info)).payload)[11][0]);
    assert.equal(info[1][0].toString('utf8'), sessionId);
    const captured = identityProof(priv, good.channelBinding());
    good.close();
    await good.waitClosed();

    // Stolen public key, no private key: a signature made with another key.
    const thief = crypto.generateKeyPairSync('ed25519').privateKey;
    const stolen = await connectRelay(server);
    stolen.send(agentHello(pub, identityProof(thief, stolen.channelBinding())));
    assert.match(errorText(await stolen.control(CONTROL_KIND.error)), /identity could not be verified/);
    await stolen.waitClosed();

    // A valid signature by a key the server never enrolled.
    const wrong = await connectRelay(server);
    wrong.send(agentHello(rawPublicKey(thief), identityProof(thief, wrong.channelBinding())));
    assert.match(errorText(await wrong.control(CONTROL_KIND.error)), /not enrolled/);
    await wrong.waitClosed();

    // The real agent's signature from the earlier connection, replayed on a new one.
    const replay = await connectRelay(server);
    replay.send(agentHello(pub, captured));
    assert.match(errorText(await replay.control(CONTROL_KIND.error)), /identity could not be verified/);
    await replay.waitClosed();

    // The used install token with the thief's key (valid proof of the thief's key) is refused.
    const token = payloadOf(fs.readFileSync(file, 'utf8')).join_token;
    const reuse = await connectRelay(server);
    reuse.send(agentHello(rawPublicKey(thief), identityProof(thief, reuse.channelBinding()), token));
    assert.match(errorText(await reuse.control(CONTROL_KIND.error)), /unknown, used or expired install token/);
    await reuse.waitClosed();
  });

  test('service goes online; an administrator joins without a question, a Host is asked', async () => {
    const agent = startService(root);
    try {
      const s = await waitOnline(() => server, () => auth, sessionId);
      assert.ok(s.guest.last_seen > 0);
      const viewer = await connectViewer(server, sessionId, { cookie: auth.cookie });
      viewer.send(frame(CONTROL, field(1, msg(field(1, 1), field(3, 2)))));
      const peer = await viewer.control(CONTROL_KIND.peer_event);
      assert.ok(peer);
      // The screen arrives without any consent state: the administrator was not held back.
      await viewer.next((f) => f.channel === VIDEO, 15000);
      assert.equal(viewer.frames.filter((f) => f.channel === CONTROL && f.payload[0] >> 3 === CONTROL_KIND.consent_state).length, 0);
      viewer.close();

      const hilda = await login(server, 'hilda', strongPassword);
      const hostViewer = await connectViewer(server, sessionId, { cookie: hilda.cookie });
      hostViewer.send(frame(CONTROL, field(1, msg(field(1, 1), field(3, 2)))));
      const state = await hostViewer.control(CONTROL_KIND.consent_state);
      assert.equal(consentStateOf(state.payload).state, CONSENT.WAITING);
      hostViewer.close();
    } finally {
      await agent.stop();
    }
  });

  test('the agent is back online by itself after tetherd is killed and restarted', async () => {
    const agent = startService(root);
    try {
      await waitOnline(() => server, () => auth, sessionId);
      await server.stop('SIGKILL');
      server = await startTetherd({ dataDir: server.dataDir, relayListen: `127.0.0.1:${server.relayPort}` });
      auth = await login(server, 'admin', strongPassword);
      const s = await waitOnline(() => server, () => auth, sessionId, true, 40000);
      assert.equal(s.guest.online, true);
      assert.equal(agent.proc.exitCode, null, agent.output);
    } finally {
      await agent.stop();
    }
  });

  test('uninstall tells the server, which ends the access session; it removes the unit, the state and the key', async () => {
    const agent = startService(root);
    await waitOnline(() => server, () => auth, sessionId);
    await agent.stop();
    const r = await uninstall(root);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`told the server: access session ${sessionId} has ended`));
    assert.match(r.stdout, /not running systemctl/);
    const s = await request(server, 'GET', `/api/v1/sessions/${sessionId}`, { headers: { cookie: auth.cookie } });
    assert.ok(s.json.session.ended_at > 0, 'the access session ended');
    const ev = await request(server, 'GET', `/api/v1/sessions/${sessionId}/events`, { headers: { cookie: auth.cookie } });
    const kinds = ev.json.events.map((e) => e.kind);
    assert.ok(kinds.indexOf('agent_uninstalled') >= 0 && kinds.indexOf('agent_uninstalled') < kinds.lastIndexOf('ended'),
      kinds.join(' '));
    assert.ok(!fs.existsSync(path.join(root, UNIT)));
    assert.ok(!fs.existsSync(path.join(root, STATE_DIR)));
    const service = await run(agentBin, ['service', '--state-dir', path.join(root, STATE_DIR)]);
    assert.equal(service.code, 1);
    assert.match(service.stderr, /run tether-agent install first/);
  });
});

describe('access agents: network cut', () => {
  let x, server, proxy, dir;
  after(async () => {
    proxy?.close();
    await server?.stop();
    await x?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the agent comes back online after its connections are cut and the path is down for a while', async () => {
    x = await startXvfb({ width: 640, height: 480 });
    dir = tempDir('tether-access-cut-');
    // A TCP proxy between the agent and the relay that the test can cut and stop.
    proxy = tcpProxy();
    await proxy.listen(0);
    const conf = path.join(dir, 'tetherd.toml');
    fs.writeFileSync(conf, `[relay]\npublic_address = "127.0.0.1:${proxy.port}"\n`);
    server = await startTetherd({ args: ['--config', conf] });
    proxy.target = server.relayPort;
    await setupAdmin(server);
    const auth = await login(server, 'admin', strongPassword);
    const r = await buildInstaller(server, auth, { name: 'Behind a proxy' });
    assert.equal(r.status, 201, r.body);
    const installer = path.join(dir, 'cut.tether');
    fs.writeFileSync(installer, r.body);
    const root = path.join(dir, 'root');
    const installed = await install(installer, root, x.display, await signingKeyOf(server));
    assert.equal(installed.code, 0, installed.stderr);
    const id = installed.stdout.match(/enrolled: access session ([A-Za-z0-9_-]+)/)[1];
    const agent = startService(root);
    try {
      await waitOnline(() => server, () => auth, id);
      assert.ok(proxy.connections() > 0, 'the agent goes through the proxy');
      // Cut: every connection destroyed and the path down for 3 seconds.
      await proxy.close();
      await waitOnline(() => server, () => auth, id, false);
      await new Promise((res) => setTimeout(res, 3000));
      await proxy.listen(proxy.port);
      const back = await waitOnline(() => server, () => auth, id, true, 40000);
      assert.equal(back.guest.online, true);
      assert.equal(agent.proc.exitCode, null, agent.output);

      // Uninstall while the server cannot be reached (a peer that accepts and never answers):
      // it gives up after a few seconds, says so, and removes everything all the same.
      await agent.stop();
      await proxy.close();
      const held = new Set();
      const silent = net.createServer((c) => { held.add(c); c.on('error', () => {}); });
      await new Promise((res) => silent.listen(proxy.port, '127.0.0.1', res));
      try {
        const started = Date.now();
        const gone = await uninstall(root);
        assert.ok(Date.now() - started < 15000, `uninstall took ${Date.now() - started} ms`);
        assert.equal(gone.code, 0, gone.stderr);
        assert.match(gone.stderr, /could not tell the server/);
        assert.ok(!fs.existsSync(path.join(root, STATE_DIR)));
      } finally {
        for (const c of held) c.destroy();
        await new Promise((res) => silent.close(res));
      }
      const after = await request(server, 'GET', `/api/v1/sessions/${id}`, { headers: { cookie: auth.cookie } });
      assert.equal(after.json.session.ended_at, 0, 'the server never heard of it');
    } finally {
      await agent.stop();
    }
  });
});

// A plain TCP forwarder to 127.0.0.1:target; close() destroys every connection.
function tcpProxy() {
  const sockets = new Set();
  let server = null;
  let total = 0;
  const p = {
    target: 0,
    port: 0,
    connections: () => total,
    listen(port) {
      server = net.createServer((client) => {
        total++;
        const upstream = net.connect(p.target, '127.0.0.1');
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => {});
        }
        client.pipe(upstream);
        upstream.pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      return new Promise((resolve) => server.listen(port, '127.0.0.1', () => { p.port = server.address().port; resolve(); }));
    },
    close() {
      for (const s of sockets) s.destroy();
      sockets.clear();
      const s = server;
      server = null;
      return new Promise((resolve) => (s ? s.close(() => resolve()) : resolve()));
    },
  };
  return p;
}
