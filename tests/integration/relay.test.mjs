// The relay on its TLS port: the Tether handshake, heartbeats, and refusal of bad frames.
// Frames are written byte by byte here (not with the project's encoder) so the test checks the
// wire format of docs/protocol.md, not the code against itself.
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { startTetherd, tether } from '../lib/tetherd.mjs';
import { connectRelay } from '../lib/wire.mjs';

const frame = (channel, payload, flags = 0) => {
  const head = Buffer.alloc(6);
  head.writeUInt32BE(payload.length, 0);
  head[4] = channel;
  head[5] = flags;
  return Buffer.concat([head, Buffer.from(payload)]);
};
// ControlMessage{hello: Hello{protocol_version: v, role: r}}
const hello = (version = 1, role = 1) => frame(0, [0x0a, 0x04, 0x08, version, 0x18, role]);
// ControlMessage{hello: Hello{protocol_version: 1, role: GUEST, join_code: code}}
const guestHello = (code) => frame(0, [0x0a, 6 + code.length, 0x08, 1, 0x18, 1, 0x32, code.length, ...Buffer.from(code)]);
// ControlMessage{ping: Ping{nonce: 42}}
const ping = frame(0, [0x1a, 0x02, 0x08, 42]);

// Connects, writes `chunks`, and collects frames until the server closes or `count` arrive.
function exchange(server, chunks, { count = Infinity, timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const frames = [];
    let buf = Buffer.alloc(0);
    const sock = tls.connect({ host: '127.0.0.1', port: server.relayPort, ca: server.ca, checkServerIdentity: () => undefined }, () => {
      for (const c of chunks) sock.write(c);
    });
    const timer = setTimeout(() => { sock.destroy(); resolve({ frames, closed: false }); }, timeoutMs);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 6 && buf.length >= 6 + buf.readUInt32BE(0)) {
        const len = buf.readUInt32BE(0);
        frames.push({ channel: buf[4], payload: buf.subarray(6, 6 + len) });
        buf = buf.subarray(6 + len);
      }
      if (frames.length >= count) { clearTimeout(timer); sock.destroy(); resolve({ frames, closed: false }); }
    });
    sock.on('end', () => { clearTimeout(timer); resolve({ frames, closed: true }); });
    sock.on('close', () => { clearTimeout(timer); resolve({ frames, closed: true }); });
    sock.on('error', (e) => { clearTimeout(timer); if (frames.length) resolve({ frames, closed: true }); else reject(e); });
  });
}

// The ControlMessage field number of the first (only) field: 2 welcome, 4 pong, 5 error.
const kind = (f) => f.payload[0] >> 3;
// SessionError.code inside ControlMessage{error: {code: c, ...}}
const errorCode = (f) => (f.payload[2] === 0x08 ? f.payload[3] : 0);

describe('relay handshake', () => {
  let server;
  let code;
  before(async () => {
    server = await startTetherd();
    const r = await tether(server, ['--json', 'session', 'create', '--type', 'support', '--name', 'Relay test']);
    code = JSON.parse(r.stdout).session.code;
  });
  after(async () => { await server.stop(); });

  test('a guest Hello with the session code gets a Welcome with version 1, and Ping gets Pong', async () => {
    const r = await exchange(server, [guestHello(code)], { count: 3 });
    assert.equal(r.frames[0].channel, 0);
    assert.equal(kind(r.frames[0]), 2, 'Welcome');
    const welcome = r.frames[0].payload.subarray(2);
    assert.deepEqual([...welcome.subarray(0, 2)], [0x08, 0x01], 'protocol_version 1');
    assert.ok(welcome.includes(Buffer.from('tetherd/')));
    assert.equal(kind(r.frames[1]), 11, 'SessionInfo');
    assert.ok(r.frames[1].payload.includes(Buffer.from('Relay test')));
    assert.equal(kind(r.frames[2]), 9, 'PeerEvent');
    // Ping only after the Welcome: anything earlier is a protocol error (tested below).
    const guest = await connectRelay(server);
    guest.send(guestHello(code));
    await guest.control(2);
    guest.send(ping);
    const pong = await guest.control(4);
    assert.deepEqual([...pong.payload], [0x22, 0x02, 0x08, 42]);
    guest.close();
  });

  test('a Hello split into single bytes still works', async () => {
    const bytes = [...guestHello(code)].map((b) => Buffer.from([b]));
    const r = await exchange(server, bytes, { count: 1 });
    assert.equal(kind(r.frames[0]), 2);
  });

  test('a wrong code, no code, and a host without the web server are refused as unauthenticated', async () => {
    for (const chunks of [[guestHello('000000')], [hello(1, 1)], [hello(1, 2)]]) {
      const r = await exchange(server, chunks);
      assert.equal(r.closed, true);
      assert.equal(kind(r.frames[0]), 5);
      assert.equal(errorCode(r.frames[0]), 3);
    }
  });

  const refusals = [
    ['a first frame that is not a Hello', [ping], 1],
    ['a first frame on the video channel', [frame(1, [1, 2, 3])], 1],
    ['an unknown channel', [frame(77, [])], 1],
    ['unknown flags', [frame(0, [0x0a, 0x00], 0x80)], 1],
    ['a length beyond the control limit (4 GiB)', [Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0])], 1],
    ['a length just beyond the control limit', [Buffer.from([0x00, 0x01, 0x00, 0x01, 0, 0])], 1],
    ['garbage protobuf', [frame(0, [0xff, 0xff, 0xff])], 1],
    ['an unknown role', [hello(1, 9)], 1],
    // Depending on timing the wrong code (3) or the early frame (1) is reported first.
    ['a frame before the Welcome', [guestHello('123456'), ping], [1, 3]],
    ['an unsupported protocol version', [frame(0, [0x0a, 0x04, 0x08, 0x09, 0x10, 0x09])], 2],
  ];
  for (const [what, chunks, code] of refusals) {
    test(`${what} is answered with SessionError ${[code].flat().join(' or ')} and the connection closes`, async () => {
      const r = await exchange(server, chunks);
      assert.equal(r.closed, true);
      assert.equal(r.frames.length, 1);
      assert.equal(kind(r.frames[0]), 5, 'SessionError');
      assert.ok([code].flat().includes(errorCode(r.frames[0])), `code ${errorCode(r.frames[0])}`);
    });
  }


  test('a client that says nothing is disconnected after the handshake timeout', async () => {
    const started = Date.now();
    const r = await exchange(server, [], { timeoutMs: 20000 });
    assert.equal(r.closed, true);
    const waited = Date.now() - started;
    assert.ok(waited >= 9000 && waited < 15000, `closed after ${waited} ms`);
  });
});
