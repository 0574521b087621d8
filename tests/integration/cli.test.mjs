// The `tether` admin command against a real tetherd: every command, --json, exit codes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { STATE_DIR, install, signingKeyOf } from '../lib/access.mjs';
import { run, startTetherd, strongPassword, tether, tetherBin, tempDir } from '../lib/tetherd.mjs';

describe('tether command', () => {
  let server;
  before(async () => { server = await startTetherd(); });
  after(async () => { await server.stop(); });

  test('manager.sock is 0600 and owned by the server user', () => {
    const st = fs.statSync(path.join(server.dataDir, 'manager.sock'));
    assert.ok(st.isSocket());
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(st.uid, process.getuid());
  });

  test('status, setup, and setup refused the second time', async () => {
    const s = await tether(server, ['--json', 'status']);
    assert.equal(s.code, 0);
    assert.equal(JSON.parse(s.stdout).setup_required, true);
    const weak = await tether(server, ['setup', '--username', 'admin', '--password-stdin'], { input: 'weakpass\n' });
    assert.equal(weak.code, 1);
    assert.match(weak.stderr, /password needs at least 12 characters/);
    const ok = await tether(server, ['setup', '--username', 'admin', '--password-stdin'], { input: strongPassword + '\n' });
    assert.equal(ok.code, 0, ok.stderr);
    const again = await tether(server, ['setup', '--username', 'admin2', '--password-stdin'], { input: strongPassword + '\n' });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already/);
  });

  test('user add, list, disable, enable, passwd', async () => {
    assert.equal((await tether(server, ['user', 'add', 'carol', '--role', 'Host', '--password-stdin'], { input: strongPassword + '\n' })).code, 0);
    const dup = await tether(server, ['user', 'add', 'CAROL', '--password-stdin'], { input: strongPassword + '\n' });
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /already exists/);
    const badRole = await tether(server, ['user', 'add', 'dave', '--role', 'Root', '--password-stdin'], { input: strongPassword + '\n' });
    assert.equal(badRole.code, 1);
    assert.match(badRole.stderr, /unknown role/);
    assert.equal((await tether(server, ['user', 'disable', 'carol'])).code, 0);
    let list = JSON.parse((await tether(server, ['--json', 'user', 'list'])).stdout).users;
    assert.deepEqual(list.map((u) => [u.username, u.role, u.disabled]), [['admin', 'Administrator', false], ['carol', 'Host', true]]);
    assert.ok(!JSON.stringify(list).includes('argon2'));
    assert.equal((await tether(server, ['user', 'enable', 'carol'])).code, 0);
    assert.equal((await tether(server, ['user', 'passwd', 'carol', '--password-stdin'], { input: 'Fresh-Password-77\n' })).code, 0);
    const missing = await tether(server, ['user', 'disable', 'nobody']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no user named 'nobody'/);
    const lastAdmin = await tether(server, ['user', 'disable', 'admin']);
    assert.equal(lastAdmin.code, 1);
    assert.match(lastAdmin.stderr, /last administrator/);
    const human = await tether(server, ['user', 'list']);
    assert.match(human.stdout, /^USER\s+ROLE/);
    assert.match(human.stdout, /carol\s+Host\s+enabled/);
  });

  test('session create, list, end', async () => {
    const c = await tether(server, ['--json', 'session', 'create', '--type', 'support', '--name', 'Printer help', '--code', 'PRN-1234']);
    assert.equal(c.code, 0, c.stderr);
    const session = JSON.parse(c.stdout).session;
    assert.equal(session.code, 'PRN-1234');
    const m = await tether(server, ['session', 'create', '--type', 'meeting', '--name', 'Weekly']);
    assert.match(m.stdout, /created meeting session \S+/);
    const bad = await tether(server, ['session', 'create', '--type', 'party', '--name', 'x']);
    assert.equal(bad.code, 1);
    let open = JSON.parse((await tether(server, ['--json', 'session', 'list'])).stdout).sessions;
    assert.equal(open.length, 2);
    const meetings = JSON.parse((await tether(server, ['--json', 'session', 'list', '--type', 'meeting'])).stdout).sessions;
    assert.deepEqual(meetings.map((s) => s.name), ['Weekly']);
    assert.equal((await tether(server, ['session', 'end', session.id])).code, 0);
    const twice = await tether(server, ['session', 'end', session.id]);
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /already ended/);
    open = JSON.parse((await tether(server, ['--json', 'session', 'list'])).stdout).sessions;
    assert.equal(open.length, 1);
    const all = JSON.parse((await tether(server, ['--json', 'session', 'list', '--all'])).stdout).sessions;
    assert.equal(all.length, 2);
  });

  test('access installer create writes a signed file the agent installs; list shows it', async () => {
    const dir = tempDir('tether-cli-installer-');
    try {
      const out = path.join(dir, 'kiosk.tether');
      const noRelay = await tether(server, ['access', 'installer', 'create', '--name', 'Kiosk', '--out', out]);
      assert.equal(noRelay.code, 1);
      assert.match(noRelay.stderr, /relay\.public_address/);
      assert.equal(fs.existsSync(out), false);

      const r = await tether(server, ['--json', 'access', 'installer', 'create', '--name', 'Kiosk 7', '--company', 'Acme',
        '--tag', 'lobby', '--expires-hours', '2', '--relay', `127.0.0.1:${server.relayPort}`, '--out', out]);
      assert.equal(r.code, 0, r.stderr);
      const made = JSON.parse(r.stdout);
      assert.equal(made.installer.name, 'Kiosk 7');
      assert.deepEqual(made.installer.properties, { company: 'Acme', tag: 'lobby' });
      assert.equal(made.installer.created_by, 'local-admin');
      assert.ok(made.installer.expires_at - made.installer.created_at <= 2 * 3600);
      assert.equal(made.file, undefined, 'the install token stays in the file');
      assert.equal(fs.statSync(out).mode & 0o777, 0o600);
      // The real agent verifies and installs it: the same signed configuration as the Access tab's.
      const root = path.join(dir, 'root');
      const installed = await install(out, root, ':0', await signingKeyOf(server));
      assert.equal(installed.code, 0, installed.stderr + installed.stdout);
      assert.ok(fs.existsSync(path.join(root, STATE_DIR)));

      const list = await tether(server, ['--json', 'access', 'installer', 'list']);
      assert.equal(list.code, 0, list.stderr);
      assert.deepEqual(JSON.parse(list.stdout).installers.map((i) => i.id), [made.installer.id]);
      const human = await tether(server, ['access', 'installer', 'list']);
      assert.match(human.stdout, /Kiosk 7/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('usage errors exit 2 and --help exits 0', async () => {
    assert.equal((await tether(server, [])).code, 2);
    assert.equal((await tether(server, ['frobnicate'])).code, 2);
    assert.equal((await tether(server, ['session', 'create', '--type', 'support'])).code, 2);
    for (const args of [['--help'], ['user', '--help'], ['session', 'create', '--help'], ['setup', '--help']]) {
      const r = await run(tetherBin, args);
      assert.equal(r.code, 0, args.join(' '));
      assert.match(r.stdout, /Usage|Options/);
    }
  });

  test('a password cannot be read without a terminal unless --password-stdin is given', async () => {
    const r = await tether(server, ['user', 'add', 'erin']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--password-stdin/);
  });
});

test('tether exits 3 with a clear message when tetherd is not running', async () => {
  const r = await run(tetherBin, ['--data-dir', tempDir(), 'status']);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /tetherd is not running/);
  const env = await run('env', [`TETHER_DATA_DIR=${tempDir()}`, tetherBin, 'status']);
  assert.equal(env.code, 3);
});

test('the socket refuses peers with another uid', async (t) => {
  const server = await startTetherd();
  try {
    fs.chmodSync(server.dataDir, 0o755);
    fs.chmodSync(path.join(server.dataDir, 'manager.sock'), 0o777);  // even if the mode were loosened
    const r = await run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', tetherBin,
      '--data-dir', server.dataDir, 'status']);
    assert.notEqual(r.code, 0);
    assert.doesNotMatch(r.stdout, /tetherd is running/);
    assert.match(server.stderr + r.stderr, /refused a connection from uid 65534|closed the connection/);
  } finally {
    await server.stop();
  }
});
