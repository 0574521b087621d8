// Start-up configuration, clean shutdown on SIGTERM, and a SIGKILL in the middle of writes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, test } from 'node:test';
import { request, run, setupAdmin, startTetherd, tempDir, tether, tetherdBin } from '../lib/tetherd.mjs';

function startWithConfig(toml, extraArgs = []) {
  const dir = tempDir();
  const file = path.join(dir, 'tether.toml');
  fs.writeFileSync(file, toml);
  return run(tetherdBin, ['--config', file, '--data-dir', path.join(dir, 'data'), ...extraArgs], { timeoutMs: 10000 });
}

describe('configuration errors stop start-up and name the setting', () => {
  const cases = [
    ['[web]\nlisten = "nowhere"\n', /^tetherd: web\.listen: 'nowhere' is not HOST:PORT$/m],
    ['[web]\nlisten = "127.0.0.1:99999"\n', /^tetherd: web\.listen: '99999' is not a port number/m],
    ['[web]\nlisen = "127.0.0.1:8040"\n', /^tetherd: web\.lisen: unknown setting$/m],
    ['[relay]\nlisten = 8041\n', /^tetherd: relay\.listen: must be a string$/m],
    ['[security]\npassword_min_length = 8\n', /^tetherd: security\.password_min_length: must be at least 12$/m],
    ['[log]\nlevel = "loud"\n', /^tetherd: log\.level: 'loud' is not one of/m],
    ['[store]\nkind = "oracle"\n', /^tetherd: store\.kind: 'oracle' is not supported/m],
    ['[webb]\nlisten = "x"\n', /^tetherd: webb: unknown section/m],
    ['[web]\ncert = "/tmp/x.crt"\n', /^tetherd: web\.key: web\.cert and web\.key go together$/m],
    ['[web\nlisten = "x"\n', /tether\.toml:1:\d+: /],
    ['[web]\npublic_url = "http://example.com"\n', /^tetherd: web\.public_url: must start with https:\/\//m],
    ['[web]\npublic_url = "https://example.com/tether"\n', /^tetherd: web\.public_url: must be https:\/\/HOST\[:PORT\] without a path$/m],
    ['[security]\nweb_session_idle_minutes = 9999999999999\n', /^tetherd: security\.web_session_idle_minutes: must be at most 10080/m],
    ['[security.sessions]\nhost_idle_seconds = -5\n', /^tetherd: security\.sessions\.host_idle_seconds: out of range$/m],
    ['[security.sessions]\nmax_length_seconds = 99999999\n', /^tetherd: security\.sessions\.max_length_seconds: must be at most 31622400/m],
    ['[security.sessions]\nidle = 5\n', /^tetherd: security\.sessions\.idle: unknown setting$/m],
    ['[security.ip.login]\nallow = ["10.0.0.0/33"]\n', /^tetherd: security\.ip\.login\.allow\[0\]: '10\.0\.0\.0\/33': the prefix length must be 0 to 32$/m],
    ['[security.ip.host]\nblock = ["192.0.2.1", "intranet.example.com"]\n', /^tetherd: security\.ip\.host\.block\[1\]: 'intranet\.example\.com' is not an IPv4 or IPv6 address or CIDR range$/m],
    ['[security.ip.lgoin]\nallow = []\n', /^tetherd: security\.ip\.lgoin: unknown setting$/m],
    ['[security.ip]\ntrusted_proxies = "10.0.0.1"\n', /^tetherd: security\.ip\.trusted_proxies: must be a list of strings$/m],
  ];
  for (const [toml, expected] of cases) {
    test(JSON.stringify(toml), async () => {
      const r = await startWithConfig(toml);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, expected);
      assert.equal(r.stdout, '', 'nothing started, no setup link');
    });
  }

  test('a bad flag value names the setting', async () => {
    const r = await run(tetherdBin, ['--data-dir', tempDir(), '--relay-listen', 'localhost'], { timeoutMs: 10000 });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^tetherd: relay\.listen: /m);
    const l = await run(tetherdBin, ['--data-dir', tempDir(), '--log-format', 'xml'], { timeoutMs: 10000 });
    assert.equal(l.code, 2);
    assert.match(l.stderr, /^tetherd: --log-format: 'xml' is not text or json$/m);
  });

  test('a port in use stops start-up naming the listener', async () => {
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.on('listening', r));
    const port = blocker.address().port;
    try {
      const r = await run(tetherdBin, ['--data-dir', tempDir(), '--web-listen', `127.0.0.1:${port}`,
        '--relay-listen', '127.0.0.1:0'], { timeoutMs: 10000 });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^tetherd: web\.listen: cannot listen on 127\.0\.0\.1:\d+: /m);
    } finally {
      blocker.close();
    }
  });
});

test('flags override the configuration file; JSON logs carry no secrets', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'tether.toml');
  fs.writeFileSync(file, '[web]\nlisten = "127.0.0.1:1"\n[log]\nformat = "json"\nlevel = "debug"\n');
  const server = await startTetherd({ dataDir: path.join(dir, 'data'), args: ['--config', file] });
  try {
    assert.notEqual(server.webPort, 1);
    const h = await request(server, 'GET', '/healthz');
    assert.equal(h.status, 200);
    await setupAdmin(server);
  } finally {
    await server.stop();
  }
  const lines = server.stderr.trim().split('\n');
  for (const line of lines) {
    const entry = JSON.parse(line);
    assert.ok(entry.level && entry.component && 'msg' in entry, line);
  }
  assert.ok(!server.stderr.includes(server.setupToken), 'setup token must not be logged');
  assert.ok(!server.stderr.includes('Horse'), 'password must not be logged');
});

test('SIGTERM shuts down cleanly: exit 0, socket removed, database checkpointed and intact', async () => {
  const server = await startTetherd();
  await setupAdmin(server);
  const started = Date.now();
  const exit = await server.stop('SIGTERM');
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.ok(Date.now() - started < 4000, 'shutdown took too long');
  assert.equal(fs.existsSync(path.join(server.dataDir, 'manager.sock')), false);
  const wal = path.join(server.dataDir, 'tether.db-wal');
  assert.ok(!fs.existsSync(wal) || fs.statSync(wal).size === 0, 'WAL folded into the database');
  const check = await run('sqlite3', [path.join(server.dataDir, 'tether.db'), 'PRAGMA integrity_check; SELECT COUNT(*) FROM users;']);
  assert.equal(check.stdout.trim(), 'ok\n1');
});

test('SIGKILL while writing loses no committed row and leaves an intact database', async () => {
  const server = await startTetherd();
  await setupAdmin(server);
  // One client writes sessions back to back through the local API and records every
  // acknowledged id; the server is killed while writes are in flight.
  const acked = [];
  const sock = net.connect(path.join(server.dataDir, 'manager.sock'));
  await new Promise((r) => sock.on('connect', r));
  let buffer = '';
  let n = 0;
  const send = () => sock.write(JSON.stringify({ op: 'session.create', args: { type: 'meeting', name: `load ${n++}` } }) + '\n');
  const killed = new Promise((resolve) => {
    sock.on('data', (d) => {
      buffer += d;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const resp = JSON.parse(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
        assert.equal(resp.ok, true);
        acked.push(resp.result.session.id);
        if (acked.length === 150) {
          process.kill(server.proc.pid, 'SIGKILL');
          resolve();
        } else {
          send();
        }
      }
    });
    sock.on('error', () => {});
  });
  send();
  await killed;
  send();  // a write racing the kill: it may or may not have committed
  const exit = await server.exitedPromise;
  assert.equal(exit.signal, 'SIGKILL');

  const check = await run('sqlite3', [path.join(server.dataDir, 'tether.db'), 'PRAGMA integrity_check;']);
  assert.equal(check.stdout.trim(), 'ok');
  const again = await startTetherd({ dataDir: server.dataDir });
  try {
    assert.equal(again.setupUrl, null, 'the administrator survived');
    const list = await tether(again, ['--json', 'session', 'list', '--all', '--type', 'meeting']);
    // session.list is capped at 100 per call by default: ask for more.
    const ids = new Set(JSON.parse(list.stdout).sessions.map((s) => s.id));
    const big = await new Promise((resolve) => {
      const s = net.connect(path.join(again.dataDir, 'manager.sock'), () =>
        s.write(JSON.stringify({ op: 'session.list', args: { all: true, limit: 1000 } }) + '\n'));
      let data = '';
      s.on('data', (d) => { data += d; if (data.includes('\n')) { s.end(); resolve(JSON.parse(data)); } });
    });
    for (const sess of big.result.sessions) ids.add(sess.id);
    const missing = acked.filter((id) => !ids.has(id));
    assert.deepEqual(missing, [], `${missing.length} acknowledged sessions lost`);
    assert.ok(ids.size >= 150);
  } finally {
    await again.stop();
  }
});
