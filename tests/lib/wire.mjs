// Minimal, independent encoders for the wire format in tests: protobuf fields written by hand
// (so tests check docs/protocol.md rather than the code against itself), frames, and a small
// WebSocket client (Node 20 has none built in).
import crypto from 'node:crypto';
import tls from 'node:tls';

export function varint(n) {
  const out = [];
  let v = BigInt(n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}
// field(number, value): value is a number (varint), a string, a Buffer/array (bytes or nested)
export function field(num, value) {
  if (typeof value === 'number' || typeof value === 'bigint') return [...varint((num << 3) | 0), ...varint(value)];
  if (typeof value === 'boolean') return [...varint((num << 3) | 0), value ? 1 : 0];
  const bytes = typeof value === 'string' ? [...Buffer.from(value, 'utf8')] : [...value];
  return [...varint((num << 3) | 2), ...varint(bytes.length), ...bytes];
}
export const msg = (...fields) => fields.flat();

export function frame(channel, payload, flags = 0) {
  const head = Buffer.alloc(6);
  head.writeUInt32BE(payload.length, 0);
  head[4] = channel;
  head[5] = flags;
  return Buffer.concat([head, Buffer.from(payload)]);
}

export const CONTROL = 0, VIDEO = 1, INPUT = 2, CLIPBOARD = 3;
export const KEY_FRAME = 0x01, DROPPABLE = 0x02;
export const guestHello = (code) => frame(CONTROL, field(1, msg(field(1, 1), field(3, 1), field(6, code))));
export const hostHello = () => frame(CONTROL, field(1, msg(field(1, 1), field(3, 2))));
// A native host on the relay port presents a host token from POST /sessions/{id}/host-token.
export const hostTokenHello = (token) => frame(CONTROL, field(1, msg(field(1, 1), field(3, 2), field(7, token))));
export const ping = (nonce) => frame(CONTROL, field(3, field(1, nonce)));

// Reads the first field tag of a payload: the oneof case of the top-level message.
export const kindOf = (payload) => payload[0] >> 3;
export const CONTROL_KIND = {
  welcome: 2, pong: 4, error: 5, end_session: 6, monitor_layout: 7, peer_event: 9, view_only: 10, session_info: 11,
  consent_request: 12, consent_response: 13, consent_withdraw: 14, consent_state: 15, guest_info: 16,
  thumbnail_request: 17, thumbnail: 18,
};

// Consent (docs/protocol.md section 5.5).
export const CONSENT = { WAITING: 1, GRANTED: 2, DENIED: 3, WITHDRAWN: 4, EXPIRED: 5 };
// ControlMessage{consent_response: {endpoint_id, granted, timed_out}}
export const consentResponse = (endpointId, granted, timedOut = false) => frame(CONTROL, field(13, msg(
  field(1, endpointId), granted ? field(2, true) : [], timedOut ? field(3, true) : [])));
// ControlMessage{consent_withdraw: {endpoint_id}} (0: every host)
export const consentWithdraw = (endpointId = 0) => frame(CONTROL, field(14, endpointId ? field(1, endpointId) : []));
// ControlMessage{consent_request: {}}: a host asks again after a withdrawal.
export const consentAskAgain = () => frame(CONTROL, field(12, []));
// ConsentRequest {endpointId, technician} from a control payload.
export function consentRequestOf(payload) {
  const r = parse(parse(payload)[12][0]);
  return { endpointId: r[1]?.[0] ?? 0, technician: r[2]?.[0]?.toString('utf8') ?? '', timeoutSeconds: r[3]?.[0] ?? 0 };
}
// ConsentState {state, timedOut} from a control payload.
export function consentStateOf(payload) {
  const s = parse(parse(payload)[15][0]);
  return { state: s[1]?.[0] ?? 0, timedOut: !!s[2]?.[0] };
}
// Makes a raw guest answer Allow to every consent request (what the guest window's Allow does).
export function allowEveryHost(guest) {
  const deliver = guest.deliver.bind(guest);
  guest.deliver = (f) => {
    if (f.channel === CONTROL && kindOf(f.payload) === CONTROL_KIND.consent_request) {
      guest.send(consentResponse(consentRequestOf(f.payload).endpointId, true));
    }
    deliver(f);
  };
  return guest;
}
// Waits until a host is told it may see the guest's screen.
export function consentGranted(host, timeoutMs = 5000) {
  return host.next((f) => f.channel === CONTROL && kindOf(f.payload) === CONTROL_KIND.consent_state &&
    consentStateOf(f.payload).state === CONSENT.GRANTED, timeoutMs);
}

// Splits a byte stream into frames.
export class FrameSplitter {
  constructor() { this.buf = Buffer.alloc(0); }
  push(data) {
    this.buf = Buffer.concat([this.buf, data]);
    const out = [];
    while (this.buf.length >= 6 && this.buf.length >= 6 + this.buf.readUInt32BE(0)) {
      const len = this.buf.readUInt32BE(0);
      out.push({ channel: this.buf[4], flags: this.buf[5], payload: this.buf.subarray(6, 6 + len), raw: this.buf.subarray(0, 6 + len) });
      this.buf = this.buf.subarray(6 + len);
    }
    return out;
  }
}

// A peer that collects frames and lets a test wait for one matching a predicate.
export class Peer {
  constructor() {
    this.frames = [];
    this.waiters = [];
    this.closed = false;
    this.closeWaiters = [];
  }
  deliver(f) {
    this.frames.push(f);
    this.waiters = this.waiters.filter((w) => {
      const i = this.frames.findIndex(w.pred);
      if (i < 0) return true;
      w.resolve(this.frames.splice(i, 1)[0]);
      return false;
    });
  }
  markClosed() {
    this.closed = true;
    for (const r of this.closeWaiters) r();
    for (const w of this.waiters) w.reject(new Error('closed while waiting for a frame'));
    this.waiters = [];
  }
  next(pred = () => true, timeoutMs = 5000) {
    const i = this.frames.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.frames.splice(i, 1)[0]);
    if (this.closed) return Promise.reject(new Error('closed'));
    return new Promise((resolve, reject) => {
      const w = { pred, resolve, reject };
      this.waiters.push(w);
      setTimeout(() => { this.waiters = this.waiters.filter((x) => x !== w); reject(new Error('timed out waiting for a frame')); }, timeoutMs);
    });
  }
  control(kind, timeoutMs) { return this.next((f) => f.channel === CONTROL && kindOf(f.payload) === kind, timeoutMs); }
  waitClosed(timeoutMs = 5000) {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.closeWaiters.push(resolve);
      setTimeout(() => reject(new Error('not closed')), timeoutMs);
    });
  }
}

// A guest (or native) endpoint over TLS to the relay port.
export function connectRelay(server) {
  return new Promise((resolve, reject) => {
    const peer = new Peer();
    const split = new FrameSplitter();
    const sock = tls.connect({ host: '127.0.0.1', port: server.relayPort, ca: server.ca, checkServerIdentity: () => undefined }, () => resolve(peer));
    peer.send = (buf) => sock.write(buf);
    peer.close = () => sock.destroy();
    // This connection's TLS exporter value (access agents sign it; docs/protocol.md 4.2.2).
    peer.channelBinding = () => sock.exportKeyingMaterial(32, 'EXPORTER-tether-agent-identity');
    peer.pause = () => sock.pause();  // stop reading: the relay's writes back up
    peer.resume = () => sock.resume();
    sock.on('data', (d) => split.push(d).forEach((f) => peer.deliver(f)));
    sock.on('close', () => peer.markClosed());
    sock.on('error', (e) => { if (!peer.closed) reject(e); });
  });
}

// A browser-like host over WebSocket to /api/v1/sessions/{id}/connect, with a login cookie or an
// Authorization header (an API token). Resolves after the 101.
export function connectViewer(server, sessionId, { cookie, authorization, origin = `https://127.0.0.1:${server.webPort}` } = {}) {
  return new Promise((resolve, reject) => {
    const key = crypto.randomBytes(16).toString('base64');
    const sock = tls.connect({ host: '127.0.0.1', port: server.webPort, ca: server.ca, checkServerIdentity: () => undefined }, () => {
      sock.write(`GET /api/v1/sessions/${sessionId}/connect HTTP/1.1\r\nHost: 127.0.0.1:${server.webPort}\r\n` +
        `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
        (origin ? `Origin: ${origin}\r\n` : '') + (cookie ? `Cookie: ${cookie}\r\n` : '') +
        (authorization ? `Authorization: ${authorization}\r\n` : '') + '\r\n');
    });
    const peer = new Peer();
    let buf = Buffer.alloc(0);
    let upgraded = false;
    let partial = [];  // fragments of a message in progress
    peer.send = (payload) => sock.write(wsFrame(0x2, payload));
    peer.close = () => { sock.write(wsFrame(0x8, Buffer.from([0x03, 0xe8]))); sock.end(); };
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString();
        buf = buf.subarray(end + 4);
        const status = Number(head.split(' ')[1]);
        if (status !== 101) { sock.destroy(); reject(Object.assign(new Error(`upgrade refused: ${status}`), { status, head })); return; }
        upgraded = true;
        resolve(peer);
      }
      // Server frames are unmasked; each binary message carries exactly one Tether frame.
      while (buf.length >= 2) {
        const op = buf[0] & 0x0f;
        const finBit = (buf[0] & 0x80) !== 0;
        let len = buf[1] & 0x7f, off = 2;
        if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
        else if (len === 127) { if (buf.length < 10) return; len = Number(buf.readBigUInt64BE(2)); off = 10; }
        if (buf.length < off + len) return;
        const data = buf.subarray(off, off + len);
        buf = buf.subarray(off + len);
        if (op === 0x2 || op === 0x0) {
          partial.push(Buffer.from(data));
          if (finBit) {
            const whole = Buffer.concat(partial);
            partial = [];
            peer.deliver({ channel: whole[4], flags: whole[5], payload: whole.subarray(6), raw: whole });
          }
        }
        else if (op === 0x9) sock.write(wsFrame(0xA, data));
        else if (op === 0x8) { sock.end(); }
      }
    });
    sock.on('close', () => { peer.markClosed(); if (!upgraded) reject(new Error('closed before upgrade')); });
    sock.on('error', () => {});
  });
}

function wsFrame(opcode, payload) {
  const mask = crypto.randomBytes(4);
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len])
    : len < 65536 ? Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 0xff])
      : Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | 127]), (() => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(len)); return b; })()]);
  const masked = Buffer.from(payload);
  for (let i = 0; i < masked.length; i++) masked[i] ^= mask[i % 4];
  return Buffer.concat([head, mask, masked]);
}

// A generic protobuf reader: {fieldNumber: [values]}; varints as Numbers, length-delimited
// as Buffers, fixed32 as Numbers. Enough to inspect messages in tests.
export function parse(buf) {
  const out = {};
  let i = 0;
  const readVarint = () => {
    let v = 0n, shift = 0n;
    for (;;) {
      const b = buf[i++];
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
      shift += 7n;
    }
    return Number(v);
  };
  while (i < buf.length) {
    const tag = readVarint();
    const num = tag >> 3, type = tag & 7;
    let value;
    if (type === 0) value = readVarint();
    else if (type === 2) { const len = readVarint(); value = buf.subarray(i, i + len); i += len; }
    else if (type === 5) { value = buf.readUInt32LE(i); i += 4; }
    else if (type === 1) { value = buf.readBigUInt64LE(i); i += 8; }
    else throw new Error(`wire type ${type}`);
    (out[num] ||= []).push(value);
  }
  return out;
}

// VideoMessage.frame as {id, monitor, width, height, key, tiles: [{x, y, w, h, codec, data, solid}]}
export function videoFrameOf(payload) {
  const vm = parse(payload);
  if (!vm[1]) return null;
  const f = parse(vm[1][0]);
  return {
    id: f[1]?.[0] ?? 0, monitor: f[2]?.[0] ?? 0, width: f[3]?.[0] ?? 0, height: f[4]?.[0] ?? 0, key: !!f[5]?.[0],
    tiles: (f[6] || []).map((t) => {
      const tile = parse(t);
      const r = parse(tile[1]?.[0] ?? Buffer.alloc(0));
      return { x: r[1]?.[0] ?? 0, y: r[2]?.[0] ?? 0, w: r[3]?.[0] ?? 0, h: r[4]?.[0] ?? 0, codec: tile[2]?.[0] ?? 0, data: tile[3]?.[0], solid: tile[4]?.[0] };
    }),
  };
}

// InputMessage{key: KeyEvent{keysym, down}}
export const keyEvent = (keysym, down) => frame(INPUT, field(2, msg(field(1, keysym), down ? field(3, true) : [])));
// VideoMessage{ack: FrameAck{frame_id}}
export const frameAck = (id) => frame(VIDEO, field(2, field(1, id)));

// Keysyms for typing ASCII text (Latin-1 keysyms equal the code point; control keys mapped).
export function keysymsFor(text) {
  return [...text].map((ch) => (ch === '\n' ? 0xff0d : ch.codePointAt(0)));
}
