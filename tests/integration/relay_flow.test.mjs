// Relay flow control on the TLS port: a host that stops reading gets fresher frames (its queued
// video is dropped and a key frame is requested), never a longer queue, and never slows the
// other hosts; and many connections dropped at once in the middle of writes leave the relay
// serving.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { metric, supportSession } from '../lib/relay_session.mjs';
import { login, request, setupAdmin, startTetherd, strongPassword } from '../lib/tetherd.mjs';
import {
  CONTROL, CONTROL_KIND, DROPPABLE, KEY_FRAME, VIDEO, allowEveryHost, connectRelay, consentGranted, field, frame,
  guestHello, kindOf, msg, videoFrameOf,
} from '../lib/wire.mjs';

// VideoMessage{frame: VideoFrame{frame_id, 64x64, key_frame, tiles: [one tile with `size` bytes of data]}}
const padding = Buffer.alloc(64 * 1024, 0x5a);
const bigFrame = (id, key, size = padding.length) => frame(VIDEO, field(1, msg(field(1, id), field(3, 64), field(4, 64),
  key ? field(5, true) : [], field(6, msg(field(1, msg(field(3, 64), field(4, 64))), field(2, 2), field(3, padding.subarray(0, size)))))),
DROPPABLE | (key ? KEY_FRAME : 0));
const frameIdOf = (f) => videoFrameOf(f.payload).id;
const tokenHello = (token) => frame(CONTROL, field(1, msg(field(1, 1), field(3, 2), field(7, token))));

function residentKiB(pid) {
  return Number(fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)/m)[1]);
}

describe('relay flow control', () => {
  let server, auth;
  before(async () => {
    // These tests measure the relay's memory. In the sanitizer run (make asan-test) ASan keeps
    // freed blocks in a quarantine of up to 256 MB, which would count every TLS record buffer
    // GnuTLS freed as resident; a small quarantine keeps use-after-free checks and the figure.
    server = await startTetherd({ env: { ASAN_OPTIONS: `${process.env.ASAN_OPTIONS ?? ''}:quarantine_size_mb=8` } });
    await setupAdmin(server);
    auth = await login(server, 'admin', strongPassword);
  });
  after(async () => { await server.stop(); });

  const session = (name) => supportSession(server, auth, name);
  // The guest allows every host; a host returns once it may see the screen.
  async function guest(s) {
    const g = allowEveryHost(await connectRelay(server));
    g.send(guestHello(s.code));
    await g.control(CONTROL_KIND.welcome);
    await g.control(CONTROL_KIND.session_info);
    return g;
  }
  async function nativeHost(s) {
    const t = await request(server, 'POST', `/api/v1/sessions/${s.id}/host-token`,
      { headers: { cookie: auth.cookie, 'x-csrf-token': auth.csrf } });
    assert.equal(t.status, 201, t.body);
    const h = await connectRelay(server);
    h.send(tokenHello(t.json.token));
    await h.control(CONTROL_KIND.welcome);
    await h.control(CONTROL_KIND.session_info);
    await consentGranted(h);
    return h;
  }
  const isVideoFrame = (f) => f.channel === VIDEO && kindOf(f.payload) === 1;

  test('frames of every size cross the relay byte for byte, in order', async () => {
    // Sizes around the 16 KiB TLS record and the relay's read buffer, large frames back to back
    // (read into their own recycled buffers) and small ones between them, and one larger than
    // the buffers the relay keeps for reuse.
    const s = await session('Every size');
    const g = await guest(s);
    const h = await nativeHost(s);
    const sizes = [70000, 20000, 100, 65536, 17000, 5, 65536, 65536, 300, 600000, 16400, 40000, 16378, 16379, 65536];
    const sent = sizes.map((size, i) => {
      const data = Buffer.alloc(size);
      for (let j = 0; j < size; j += 4096) data.writeUInt32BE((i * 7919 + j) >>> 0, j);
      data[size - 1] = i;
      return frame(VIDEO, field(1, msg(field(1, i + 1), field(3, 64), field(4, 64), i === 0 ? field(5, true) : [],
        field(6, msg(field(1, msg(field(3, 64), field(4, 64))), field(2, 2), field(3, data))))), i === 0 ? KEY_FRAME : 0);
    });
    for (const f of sent) g.send(f);
    for (let i = 0; i < sent.length; i++) {
      const got = await h.next(isVideoFrame, 20000);
      assert.equal(frameIdOf(got), i + 1);
      assert.ok(got.payload.equals(sent[i].subarray(6)), `frame ${i + 1} (${sizes[i]} bytes) arrived changed`);
    }
    g.close();
    h.close();
  });

  test('many frames in one write (several per TLS record, records cut mid-frame) arrive whole and in order', async () => {
    // The relay parses a record in place when it starts at a frame boundary and keeps the start
    // of a frame cut by the record's end for the next record; one write of many frames, cut
    // into 16 KiB records wherever the bytes fall, exercises both paths again and again.
    const s = await session('Packed frames');
    const g = await guest(s);
    const h = await nativeHost(s);
    const sent = [];
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    for (let i = 0; i < 400; i++) {
      const size = 1 + (next() % (i % 50 === 49 ? 20000 : 3000));
      const data = Buffer.alloc(size, i & 0xff);
      if (size >= 4) data.writeUInt32BE(next() >>> 0, size - 4);
      sent.push(frame(VIDEO, field(1, msg(field(1, i + 1), field(3, 64), field(4, 64), i === 0 ? field(5, true) : [],
        field(6, msg(field(1, msg(field(3, 64), field(4, 64))), field(2, 2), field(3, data))))), i === 0 ? KEY_FRAME : 0));
    }
    g.send(Buffer.concat(sent));
    for (let i = 0; i < sent.length; i++) {
      const got = await h.next(isVideoFrame, 20000);
      assert.equal(frameIdOf(got), i + 1);
      assert.ok(got.payload.equals(sent[i].subarray(6)), `frame ${i + 1} arrived changed`);
    }
    g.close();
    h.close();
  });

  test('a host that stops reading gets fresher frames, not a longer queue, and does not slow the other host', async () => {
    const s = await session('Slow viewer');
    const g = await guest(s);
    const slow = await nativeHost(s);
    const fast = await nativeHost(s);
    slow.pause();
    const droppedBefore = await metric(server, 'tether_relay_video_dropped_total');
    const rssBefore = residentKiB(server.proc.pid);

    // 250 frames of 64 KiB (16 MB): more than the slow host's socket buffers hold.
    const total = 250;
    let fastCount = 0;
    const counting = (async () => {
      for (;;) {
        const f = await fast.next(isVideoFrame, 20000);
        fastCount++;
        if (frameIdOf(f) === total) return;
      }
    })();
    for (let id = 1; id <= total; id++) {
      g.send(bigFrame(id, id === 1 || id === total));
      if (id % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    await counting;  // the reading host saw the last frame while the other one read nothing
    assert.ok(fastCount >= total / 2, `the reading host got ${fastCount} of ${total} frames`);
    const rssGrowthKiB = residentKiB(server.proc.pid) - rssBefore;
    assert.ok(rssGrowthKiB < 24 * 1024, `the relay grew by ${rssGrowthKiB} KiB while a host did not read`);
    assert.ok(await metric(server, 'tether_relay_video_dropped_total') > droppedBefore, 'superseded video was dropped');

    // The relay asks the guest for a fresh picture for the host that fell behind.
    await g.next((f) => f.channel === VIDEO && kindOf(f.payload) === 3, 10000);
    slow.resume();
    g.send(bigFrame(1000, true, 1024));
    let slowCount = 0;
    for (;;) {
      const f = await slow.next(isVideoFrame, 10000);
      slowCount++;
      if (frameIdOf(f) === 1000) break;
    }
    assert.ok(slowCount < total / 2, `the slow host caught up through ${slowCount} frames, not the whole backlog`);
    for (const p of [g, slow, fast]) p.close();
  });

  test('many connections dropped at once, mid-write and mid-handshake, leave the relay serving', async () => {
    const s = await session('Mass disconnect');
    const g = await guest(s);
    const hosts = [];
    for (let i = 0; i < 12; i++) hosts.push(await nativeHost(s));
    for (const h of hosts) h.pause();
    const idle = await Promise.all(Array.from({ length: 150 }, () => connectRelay(server)));
    for (let id = 1; id <= 150; id++) g.send(bigFrame(id, id === 1));
    await new Promise((r) => setTimeout(r, 300));  // the relay is now blocked writing to every host
    for (const p of [...hosts, ...idle, g]) p.close();
    await new Promise((r) => setTimeout(r, 500));

    assert.equal(server.exited, null, `tetherd is still running\n${server.stderr}`);
    const health = await request(server, 'GET', '/healthz');
    assert.equal(health.status, 200, health.body);
    const s2 = await session('After');
    const g2 = await guest(s2);
    const h2 = await nativeHost(s2);
    g2.send(bigFrame(1, true, 100));
    assert.equal(frameIdOf(await h2.next(isVideoFrame)), 1);
    for (const p of [g2, h2]) p.close();
    // Every connection was released.
    for (let i = 0; i < 50 && await metric(server, 'tether_relay_connections_active{transport="tls"}') > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(await metric(server, 'tether_relay_connections_active{transport="tls"}'), 0);
  });
});
