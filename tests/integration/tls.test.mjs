// TLS policy on both listeners, checked with real `openssl s_client` peers.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { run, startTetherd, tempDir } from '../lib/tetherd.mjs';

function sClient(port, args) {
  return run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, ...args], { input: '' });
}

async function pinOf(certFile) {
  const pub = await run('sh', ['-c',
    `openssl x509 -in '${certFile}' -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`]);
  return 'sha256/' + pub.stdout.trim();
}

describe('generated certificate', () => {
  let server;
  before(async () => { server = await startTetherd(); });
  after(async () => { await server.stop(); });

  for (const which of ['web', 'relay']) {
    const port = () => (which === 'web' ? server.webPort : server.relayPort);

    test(`${which}: TLS 1.1 is refused even when the client offers it`, async () => {
      const r = await sClient(port(), ['-tls1_1', '-cipher', 'DEFAULT:@SECLEVEL=0']);
      assert.notEqual(r.code, 0);
      assert.match(r.stdout + r.stderr, /alert protocol version|no protocols available|wrong version/);
      assert.match(r.stdout, /Cipher is \(NONE\)/);
      assert.match(r.stdout, /no peer certificate available/);
    });

    test(`${which}: TLS 1.2 is accepted with an AEAD suite`, async () => {
      const r = await sClient(port(), ['-tls1_2']);
      assert.match(r.stdout, /Protocol\s*:\s*TLSv1\.2/);
      assert.match(r.stdout, /Cipher is ECDHE-ECDSA-(AES\d+-GCM|CHACHA20-POLY1305)/);
    });

    test(`${which}: TLS 1.3 is accepted`, async () => {
      const r = await sClient(port(), ['-tls1_3']);
      assert.match(r.stdout, /New, TLSv1\.3/);
    });

    test(`${which}: CBC and non-forward-secret suites are refused`, async () => {
      for (const cipher of ['ECDHE-ECDSA-AES128-SHA', 'AES128-SHA', 'AES256-GCM-SHA384']) {
        const r = await sClient(port(), ['-tls1_2', '-cipher', cipher]);
        assert.notEqual(r.code, 0, cipher);
        assert.doesNotMatch(r.stdout, /Cipher is (?!\(NONE\))/, cipher);
      }
    });
  }

  test('key file is 0600 and the printed pin is the certificate SPKI hash', async () => {
    const key = path.join(server.dataDir, 'tls', 'server.key');
    assert.equal(fs.statSync(key).mode & 0o777, 0o600);
    assert.equal(fs.statSync(server.dataDir).mode & 0o777, 0o700);
    assert.equal(server.pin, await pinOf(path.join(server.dataDir, 'tls', 'server.crt')));
  });

  test('restart keeps the same certificate and pin', async () => {
    const pin = server.pin;
    await server.stop();
    server = await startTetherd({ dataDir: server.dataDir });
    assert.equal(server.pin, pin);
  });
});

describe('operator certificate', () => {
  test('configured PEM files are used on both ports', async () => {
    const dir = tempDir();
    const cert = path.join(dir, 'op.crt');
    const key = path.join(dir, 'op.key');
    const gen = await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
      '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=operator.example']);
    assert.equal(gen.code, 0, gen.stderr);
    fs.chmodSync(key, 0o600);
    const config = path.join(dir, 'tether.toml');
    fs.writeFileSync(config, `[web]\ncert = "${cert}"\nkey = "${key}"\n`);
    const server = await startTetherd({ args: ['--config', config] });
    try {
      assert.equal(server.pin, await pinOf(cert));
      for (const port of [server.webPort, server.relayPort]) {
        const r = await sClient(port, ['-tls1_3']);
        assert.match(r.stdout, /CN ?= ?operator\.example/);
      }
      assert.equal(fs.existsSync(path.join(server.dataDir, 'tls', 'server.key')), false);
    } finally {
      await server.stop();
    }
  });

  test('a key that does not match the certificate stops start-up naming web.cert', async () => {
    const dir = tempDir();
    const make = (name) => run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
      '-nodes', '-keyout', path.join(dir, `${name}.key`), '-out', path.join(dir, `${name}.crt`), '-days', '2', '-subj', `/CN=${name}`]);
    await make('a');
    await make('b');
    const config = path.join(dir, 'tether.toml');
    fs.writeFileSync(config, `[web]\ncert = "${dir}/a.crt"\nkey = "${dir}/b.key"\n`);
    await assert.rejects(startTetherd({ args: ['--config', config], timeoutMs: 10000 }),
      /web\.cert: private key does not match the certificate/);
  });
});
