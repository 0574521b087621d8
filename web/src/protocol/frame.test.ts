import { describe, expect, it } from 'vitest';
import {
  Channel,
  FLAG_DROPPABLE,
  FLAG_KEY_FRAME,
  FrameError,
  HEADER_SIZE,
  MAX_PAYLOAD,
  decodeFrame,
  decodeMessage,
  encodeClipboard,
  encodeControl,
  encodeFrame,
  encodeInput,
  encodeVideo,
  isFrameError,
} from './frame';
import { EndpointRole } from './gen/tether/v1/control_pb';
import { Codec } from './gen/tether/v1/media_pb';

function header(length: number, channel: number, flags = 0): Uint8Array {
  const h = new Uint8Array(HEADER_SIZE);
  new DataView(h.buffer).setUint32(0, length, false);
  h[4] = channel;
  h[5] = flags;
  return h;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function errorOf(data: Uint8Array): FrameError {
  const r = decodeFrame(data);
  if (!isFrameError(r)) throw new Error('expected an error');
  return r.error;
}

describe('encodeFrame', () => {
  it('writes the 6-byte header: length big-endian, channel, zero flags', () => {
    const f = encodeFrame(Channel.Input, new Uint8Array([0xaa, 0xbb, 0xcc]));
    expect(Array.from(f)).toEqual([0, 0, 0, 3, 2, 0, 0xaa, 0xbb, 0xcc]);
  });

  it('encodes lengths above 255 big-endian', () => {
    const f = encodeFrame(Channel.Video, new Uint8Array(0x10203));
    expect(Array.from(f.subarray(0, 6))).toEqual([0, 1, 2, 3, 1, 0]);
  });

  it('accepts an empty payload and exactly the channel maximum', () => {
    expect(encodeFrame(Channel.Control, new Uint8Array(0)).length).toBe(HEADER_SIZE);
    for (let ch = 0; ch < MAX_PAYLOAD.length; ch++) {
      expect(encodeFrame(ch, new Uint8Array(MAX_PAYLOAD[ch])).length).toBe(HEADER_SIZE + MAX_PAYLOAD[ch]);
    }
  });

  it('refuses a payload above the channel maximum', () => {
    for (let ch = 0; ch < MAX_PAYLOAD.length; ch++) {
      expect(() => encodeFrame(ch, new Uint8Array(MAX_PAYLOAD[ch] + 1))).toThrow(FrameError);
    }
  });

  it('writes flags, and refuses flags the protocol does not allow', () => {
    expect(encodeFrame(Channel.Video, new Uint8Array(0), FLAG_KEY_FRAME | FLAG_DROPPABLE)[5]).toBe(3);
    expect(() => encodeFrame(Channel.Video, new Uint8Array(0), 4)).toThrow(/unknown frame flags/);
    expect(() => encodeFrame(Channel.Control, new Uint8Array(0), FLAG_DROPPABLE)).toThrow(/non-video channel/);
  });

  it('refuses unknown channels', () => {
    expect(() => encodeFrame(6, new Uint8Array(1))).toThrow(/unknown channel/);
    expect(() => encodeFrame(-1, new Uint8Array(1))).toThrow(/unknown channel/);
    expect(() => encodeFrame(1.5, new Uint8Array(1))).toThrow(/unknown channel/);
  });

  it('uses the documented limits', () => {
    expect(MAX_PAYLOAD).toEqual([65536, 8388608, 4096, 1048576, 262144, 16384]);
  });
});

describe('decodeFrame', () => {
  it('round-trips every channel', () => {
    for (let ch = 0; ch < MAX_PAYLOAD.length; ch++) {
      const payload = new Uint8Array([ch, 1, 2, 3]);
      const r = decodeFrame(encodeFrame(ch, payload));
      if (isFrameError(r)) throw r.error;
      expect(r.channel).toBe(ch);
      expect(Array.from(r.payload)).toEqual(Array.from(payload));
    }
  });

  it('accepts an ArrayBuffer (WebSocket binaryType arraybuffer) and views with an offset', () => {
    const f = encodeFrame(Channel.Chat, new Uint8Array([9, 8]));
    const r1 = decodeFrame(f.buffer.slice(0));
    expect(isFrameError(r1) ? null : Array.from(r1.payload)).toEqual([9, 8]);
    const padded = new Uint8Array(f.length + 4);
    padded.set(f, 2);
    const r2 = decodeFrame(padded.subarray(2, 2 + f.length));
    expect(isFrameError(r2) ? null : Array.from(r2.payload)).toEqual([9, 8]);
  });

  it('rejects a message shorter than the header', () => {
    for (let n = 0; n < HEADER_SIZE; n++) expect(errorOf(new Uint8Array(n)).reason).toBe('short header');
  });

  it('rejects channel 6 and above', () => {
    expect(errorOf(header(0, 6)).reason).toBe('unknown channel');
    expect(errorOf(header(0, 255)).reason).toBe('unknown channel');
  });

  it('rejects unknown flags on any channel', () => {
    for (let ch = 0; ch < MAX_PAYLOAD.length; ch++) {
      for (const flags of [0x04, 0x80, 0xff]) expect(errorOf(header(0, ch, flags)).reason).toBe('unknown frame flags');
    }
  });

  it('accepts the key-frame and droppable flags on the video channel only', () => {
    for (const flags of [FLAG_KEY_FRAME, FLAG_DROPPABLE, FLAG_KEY_FRAME | FLAG_DROPPABLE]) {
      const r = decodeFrame(header(0, Channel.Video, flags));
      expect(isFrameError(r) ? r.error.reason : r.flags).toBe(flags);
      for (const ch of [Channel.Control, Channel.Input, Channel.Clipboard, Channel.File, Channel.Chat]) {
        expect(errorOf(header(0, ch, flags)).reason).toBe('flags on a non-video channel');
      }
    }
  });

  it('rejects a length above the channel limit before looking at the payload', () => {
    expect(errorOf(header(MAX_PAYLOAD[Channel.Input] + 1, Channel.Input)).reason).toBe('frame exceeds channel limit');
    expect(errorOf(header(0xffffffff, Channel.Video)).reason).toBe('frame exceeds channel limit');
  });

  it('rejects a length that does not match the message', () => {
    expect(errorOf(concat(header(3, 0), new Uint8Array(2))).reason).toBe('length mismatch');
    expect(errorOf(concat(header(1, 0), new Uint8Array(2))).reason).toBe('length mismatch');
  });

  it('accepts exactly the channel maximum', () => {
    const r = decodeFrame(concat(header(4096, Channel.Input), new Uint8Array(4096)));
    expect(isFrameError(r)).toBe(false);
  });
});

describe('typed messages', () => {
  it('encodes the Hello of the brief byte for byte', () => {
    const f = encodeControl({ msg: { case: 'hello', value: { protocolVersion: 1, role: EndpointRole.GUEST } } });
    expect(Buffer.from(f).toString('hex')).toBe('000000060000' + '0a0408011801');
  });

  it('round-trips control, video, input and clipboard messages', () => {
    const c = decodeMessage(encodeControl({ msg: { case: 'ping', value: { nonce: 42n } } }));
    expect(c.channel).toBe(Channel.Control);
    expect('message' in c && c.channel === Channel.Control && c.message.msg.case === 'ping' && c.message.msg.value.nonce).toBe(42n);

    const v = decodeMessage(encodeVideo({
      msg: {
        case: 'frame',
        value: { frameId: 7n, width: 4, height: 2, tiles: [{ rect: { x: 0, y: 0, width: 4, height: 2 }, codec: Codec.SOLID, solidRgba: 0xff0000ff }] },
      },
    }));
    if (!('message' in v) || v.channel !== Channel.Video || v.message.msg.case !== 'frame') throw new Error('not a frame');
    expect(v.message.msg.value.frameId).toBe(7n);
    expect(v.message.msg.value.tiles[0].solidRgba).toBe(0xff0000ff);

    const i = decodeMessage(encodeInput({ msg: { case: 'key', value: { keysym: 0x61, code: 'KeyA', down: true } } }));
    if (!('message' in i) || i.channel !== Channel.Input || i.message.msg.case !== 'key') throw new Error('not a key');
    expect(i.message.msg.value).toMatchObject({ keysym: 0x61, code: 'KeyA', down: true });

    const k = decodeMessage(encodeClipboard({ msg: { case: 'text', value: { text: 'héllo' } } }));
    if (!('message' in k) || k.channel !== Channel.Clipboard || k.message.msg.case !== 'text') throw new Error('not text');
    expect(k.message.msg.value.text).toBe('héllo');
  });

  it('sets the relay\'s routing flags on video frames, as the C++ encoder does', () => {
    const flagsOf = (b: Uint8Array) => b[5];
    expect(flagsOf(encodeVideo({ msg: { case: 'frame', value: { frameId: 1n, keyFrame: true } } }))).toBe(FLAG_KEY_FRAME | FLAG_DROPPABLE);
    expect(flagsOf(encodeVideo({ msg: { case: 'frame', value: { frameId: 2n } } }))).toBe(FLAG_DROPPABLE);
    expect(flagsOf(encodeVideo({ msg: { case: 'ack', value: { frameId: 2n } } }))).toBe(0);
    expect(flagsOf(encodeVideo({ msg: { case: 'refresh', value: {} } }))).toBe(0);
    const d = decodeMessage(encodeVideo({ msg: { case: 'frame', value: { frameId: 3n, keyFrame: true } } }));
    expect(d.flags).toBe(3);
  });

  it('returns file and chat frames undecoded', () => {
    const r = decodeMessage(encodeFrame(Channel.File, new Uint8Array([1])));
    expect(r.channel).toBe(Channel.File);
    expect('payload' in r).toBe(true);
  });

  it('throws on a bad header or an unparsable payload', () => {
    expect(() => decodeMessage(header(0, 9))).toThrow(FrameError);
    expect(() => decodeMessage(concat(header(2, 0), new Uint8Array([0x0a, 0x05])))).toThrow();
  });

  it('refuses to encode a clipboard text above the channel limit', () => {
    expect(() => encodeClipboard({ msg: { case: 'text', value: { text: 'x'.repeat(1024 * 1024) } } })).toThrow(FrameError);
  });
});
