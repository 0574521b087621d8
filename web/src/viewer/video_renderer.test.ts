import { create, fromBinary, type MessageInitShape } from '@bufbuild/protobuf';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeFrame, isFrameError } from '../protocol/frame';
import { Codec, TileSchema, VideoFrameSchema, VideoMessageSchema, type VideoFrame } from '../protocol/gen/tether/v1/media_pb';
import {
  VideoRenderer, checkTile, expandPalette, inflateExact, paletteRowBytes, parsePalette, rgbaToCss,
  type DecodedImage, type DrawTarget, type TileDecoders,
} from './video_renderer';

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

class FakeImage implements DecodedImage {
  closed = false;
  constructor(readonly name: string) {}
  close(): void { this.closed = true; }
}

class RecordingTarget implements DrawTarget {
  ops: string[] = [];
  resize(w: number, h: number) { this.ops.push(`resize ${w}x${h}`); }
  fillRect(x: number, y: number, w: number, h: number, rgba: number) { this.ops.push(`fill ${x},${y} ${w}x${h} #${rgba.toString(16)}`); }
  drawImage(img: DecodedImage, x: number, y: number, w: number, h: number) { this.ops.push(`image ${(img as FakeImage).name} ${x},${y} ${w}x${h}`); }
  putRgba(px: Uint8ClampedArray, x: number, y: number, w: number, h: number) { this.ops.push(`rgba ${x},${y} ${w}x${h} [${px[0]}]`); }
}

// JPEG "decoding" waits for the test to resolve each tile by its first data byte.
class ControlledDecoders implements TileDecoders {
  jpegs = new Map<number, Deferred<DecodedImage>>();
  jpeg(data: Uint8Array): Promise<DecodedImage> {
    const d = deferred<DecodedImage>();
    this.jpegs.set(data[0], d);
    return d.promise;
  }
  inflate(data: Uint8Array, expected: number): Promise<Uint8Array> {
    return inflateExact(data, expected);
  }
}

const jpegTile = (id: number, x: number, y = 0, w = 8, h = 8) =>
  ({ rect: { x, y, width: w, height: h }, codec: Codec.JPEG, data: new Uint8Array([id]) });
const solidTile = (x: number, rgba: number, w = 8, h = 8) =>
  ({ rect: { x, y: 0, width: w, height: h }, codec: Codec.SOLID, solidRgba: rgba });

function frame(id: number, tiles: MessageInitShape<typeof TileSchema>[], width = 64, height = 8): VideoFrame {
  return create(VideoFrameSchema, { frameId: BigInt(id), monitor: 1, width, height, keyFrame: false, tiles });
}

function setup() {
  const target = new RecordingTarget();
  const decoders = new ControlledDecoders();
  const drawn: [bigint, number][] = [];
  const errors: string[] = [];
  let clock = 0;
  const renderer = new VideoRenderer({
    target,
    decoders,
    now: () => clock,
    onFrameDrawn: (f, us) => drawn.push([f.frameId, us]),
    onError: (m) => errors.push(m),
  });
  return { target, decoders, drawn, errors, renderer, tick: (ms: number) => { clock += ms; } };
}

const settle = async () => { for (let i = 0; i < 20; i++) await Promise.resolve(); };

describe('VideoRenderer', () => {
  it('draws tiles in order even when they decode out of order', async () => {
    const t = setup();
    t.renderer.push(frame(1, [jpegTile(1, 0), jpegTile(2, 8), solidTile(16, 0x112233ff), jpegTile(3, 24)]));
    t.decoders.jpegs.get(3)!.resolve(new FakeImage('c'));
    t.decoders.jpegs.get(2)!.resolve(new FakeImage('b'));
    await settle();
    expect(t.target.ops).toEqual([]);   // tile 1 still decoding
    t.decoders.jpegs.get(1)!.resolve(new FakeImage('a'));
    await t.renderer.idle();
    expect(t.target.ops).toEqual([
      'resize 64x8', 'image a 0,0 8x8', 'image b 8,0 8x8', 'fill 16,0 8x8 #112233ff', 'image c 24,0 8x8',
    ]);
    expect(t.drawn.map((d) => d[0])).toEqual([1n]);
  });

  it('decodes the tiles of a frame concurrently', () => {
    const t = setup();
    t.renderer.push(frame(1, [jpegTile(1, 0), jpegTile(2, 8), jpegTile(3, 16)]));
    expect([...t.decoders.jpegs.keys()]).toEqual([1, 2, 3]);
  });

  it('draws frames strictly in order, even when a later frame decodes first', async () => {
    const t = setup();
    t.renderer.push(frame(1, [jpegTile(1, 0)]));
    t.renderer.push(frame(2, [jpegTile(2, 8)]));
    t.renderer.push(frame(3, [solidTile(0, 0xff)]));
    expect(t.renderer.pending).toBe(3);
    t.decoders.jpegs.get(2)!.resolve(new FakeImage('two'));
    await settle();
    expect(t.drawn).toEqual([]);
    t.decoders.jpegs.get(1)!.resolve(new FakeImage('one'));
    await t.renderer.idle();
    expect(t.drawn.map((d) => d[0])).toEqual([1n, 2n, 3n]);
    expect(t.target.ops.filter((o) => !o.startsWith('resize'))).toEqual(['image one 0,0 8x8', 'image two 8,0 8x8', 'fill 0,0 8x8 #ff']);
    expect(t.renderer.pending).toBe(0);
  });

  it('resizes only when the frame size changes, and closes bitmaps after drawing', async () => {
    const t = setup();
    const img = new FakeImage('x');
    t.renderer.push(frame(1, [jpegTile(1, 0)]));
    t.decoders.jpegs.get(1)!.resolve(img);
    t.renderer.push(frame(2, [solidTile(0, 0xff)]));
    t.renderer.push(frame(3, [solidTile(0, 0xff, 8, 8)], 32, 16));
    await t.renderer.idle();
    expect(t.target.ops.filter((o) => o.startsWith('resize'))).toEqual(['resize 64x8', 'resize 32x16']);
    expect(img.closed).toBe(true);
    expect(t.renderer.size).toEqual({ width: 32, height: 16 });
  });

  it('reports the decode time in microseconds', async () => {
    const t = setup();
    t.renderer.push(frame(1, [jpegTile(1, 0)]));
    t.tick(3.5);
    t.decoders.jpegs.get(1)!.resolve(new FakeImage('a'));
    await t.renderer.idle();
    expect(t.drawn).toEqual([[1n, 3500]]);
  });

  it('inflates deflate tiles to RGBA', async () => {
    const t = setup();
    const raw = new Uint8Array(4 * 2 * 4).fill(7);
    t.renderer.push(frame(1, [{ rect: { x: 4, y: 2, width: 4, height: 2 }, codec: Codec.DEFLATE_RGBA, data: zlib.deflateSync(raw) }]));
    await t.renderer.idle();
    expect(t.target.ops).toEqual(['resize 64x8', 'rgba 4,2 4x2 [7]']);
  });

  it('skips bad tiles, reports them, and still acknowledges the frame', async () => {
    const t = setup();
    t.renderer.push(frame(1, [
      solidTile(0, 0xff),
      { rect: { x: 60, y: 0, width: 8, height: 8 }, codec: Codec.SOLID },              // sticks out
      { rect: { x: 0, y: 0, width: 2, height: 2 }, codec: Codec.DEFLATE_RGBA, data: zlib.deflateSync(new Uint8Array(3)) },  // short
      { rect: { x: 0, y: 0, width: 2, height: 2 }, codec: Codec.DEFLATE_RGBA, data: new Uint8Array([1, 2, 3]) },  // not zlib
      { rect: { x: 0, y: 0, width: 2, height: 2 }, codec: 99 as Codec },
      { codec: Codec.SOLID },
      jpegTile(5, 8),
    ]));
    t.decoders.jpegs.get(5)!.reject(new Error('broken JPEG'));
    await t.renderer.idle();
    expect(t.target.ops).toEqual(['resize 64x8', 'fill 0,0 8x8 #ff']);
    expect(t.errors).toHaveLength(6);
    expect(t.errors.join('\n')).toMatch(/outside the 64×8 frame/);
    expect(t.errors.join('\n')).toMatch(/broken JPEG/);
    expect(t.drawn.map((d) => d[0])).toEqual([1n]);
  });

  it('acknowledges but does not draw a frame without a size', async () => {
    const t = setup();
    t.renderer.push(frame(1, [solidTile(0, 0xff)], 0, 0));
    await t.renderer.idle();
    expect(t.target.ops).toEqual([]);
    expect(t.errors).toEqual(['frame 1 has no size']);
    expect(t.drawn.map((d) => d[0])).toEqual([1n]);
  });

  it('drops queued frames on reset, without acknowledging them', async () => {
    const t = setup();
    const img = new FakeImage('old');
    t.renderer.push(frame(1, [jpegTile(1, 0)]));
    t.renderer.reset();
    t.renderer.push(frame(2, [solidTile(0, 0xff)]));
    t.decoders.jpegs.get(1)!.resolve(img);
    await t.renderer.idle();
    expect(t.drawn.map((d) => d[0])).toEqual([2n]);
    expect(img.closed).toBe(true);
    expect(t.renderer.pending).toBe(0);
  });
});

describe('tile helpers', () => {
  it('formats 0xRRGGBBAA as CSS', () => {
    expect(rgbaToCss(0x336699ff)).toBe('rgb(51,102,153)');
    expect(rgbaToCss(0xff000080)).toBe('rgba(255,0,0,0.502)');
    expect(rgbaToCss(0)).toBe('rgba(0,0,0,0)');
  });

  it('checks tile bounds', () => {
    const tile = (x: number, y: number, width: number, height: number) => ({ rect: { x, y, width, height } }) as never;
    expect(checkTile(tile(0, 0, 10, 10), 10, 10)).toBeNull();
    expect(checkTile(tile(-1, 0, 5, 5), 10, 10)).toMatch(/outside/);
    expect(checkTile(tile(6, 6, 5, 5), 10, 10)).toMatch(/outside/);
    expect(checkTile(tile(0, 0, 0, 5), 10, 10)).toBe('empty tile');
  });

  it('inflates exactly, and refuses more than expected', async () => {
    const raw = new Uint8Array(1000).map((_, i) => i & 0xff);
    expect(Array.from(await inflateExact(zlib.deflateSync(raw), 1000))).toEqual(Array.from(raw));
    const bomb = zlib.deflateSync(new Uint8Array(10 * 1024 * 1024));
    await expect(inflateExact(bomb, 4096)).rejects.toThrow(/more than 4096/);
    await expect(inflateExact(zlib.deflateSync(raw), 2000)).rejects.toThrow(/expected 2000/);
    await expect(inflateExact(zlib.deflateRawSync(raw), 1000)).rejects.toThrow();  // raw deflate is not zlib
  });
});

// --- palette tiles ----------------------------------------------------------------------

// A picture in memory: what a canvas would show (fills and RGBA puts; no JPEG).
class FramebufferTarget implements DrawTarget {
  width = 0;
  height = 0;
  pixels = new Uint8Array(0);
  resize(w: number, h: number) { this.width = w; this.height = h; this.pixels = new Uint8Array(w * h * 4); }
  fillRect(x: number, y: number, w: number, h: number, rgba: number) {
    for (let j = y; j < y + h; j++) {
      for (let i = x; i < x + w; i++) {
        this.pixels.set([rgba >>> 24, (rgba >>> 16) & 0xff, (rgba >>> 8) & 0xff, rgba & 0xff], (j * this.width + i) * 4);
      }
    }
  }
  drawImage() { throw new Error('no images here'); }
  putRgba(px: Uint8ClampedArray, x: number, y: number, w: number, h: number) {
    expect(px.byteLength).toBe(w * h * 4);
    for (let j = 0; j < h; j++) this.pixels.set(px.subarray(j * w * 4, (j + 1) * w * 4), ((y + j) * this.width + x) * 4);
  }
}

function renderInto(target: DrawTarget) {
  const errors: string[] = [];
  const drawn: bigint[] = [];
  const renderer = new VideoRenderer({
    target,
    decoders: { jpeg: () => Promise.reject(new Error('no JPEG')), inflate: inflateExact },
    onFrameDrawn: (f) => drawn.push(f.frameId),
    onError: (m) => errors.push(m),
  });
  return { renderer, errors, drawn };
}

// A palette tile's payload, packed as docs/protocol.md says (the encoder under test is the
// C++ one; this is the specification written out again, for odd cases).
function palettePayload(bits: number, colors: number[], rows: number[][], opts: { colorCount?: number; zlibBody?: Uint8Array } = {}): Uint8Array {
  const width = rows[0]?.length ?? 0;
  const rowBytes = paletteRowBytes(width, bits);
  const packed = new Uint8Array(rowBytes * rows.length);
  rows.forEach((row, y) => row.forEach((index, x) => {
    packed[y * rowBytes + ((x * bits) >> 3)] |= index << (8 - bits - ((x * bits) & 7));
  }));
  const count = opts.colorCount ?? colors.length;
  const head = new Uint8Array(2 + colors.length * 4);
  head[0] = bits;
  head[1] = count - 1;
  colors.forEach((c, i) => head.set([c >>> 24, (c >>> 16) & 0xff, (c >>> 8) & 0xff, c & 0xff], 2 + i * 4));
  const body = opts.zlibBody ?? zlib.deflateSync(packed);
  const out = new Uint8Array(head.byteLength + body.byteLength);
  out.set(head);
  out.set(body, head.byteLength);
  return out;
}

const paletteTile = (x: number, y: number, w: number, h: number, data: Uint8Array) =>
  ({ rect: { x, y, width: w, height: h }, codec: Codec.PALETTE_DEFLATE, data });

const hexBytes = (hex: string) => Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16));

describe('palette tiles', () => {
  it('draws the golden vector made by the C++ encoder exactly', async () => {
    const vectors = JSON.parse(fs.readFileSync(new URL('../../../tests/vectors/frames.json', import.meta.url), 'utf8')) as
      { name: string; hex: string; picture_rgba?: string }[];
    const v = vectors.find((x) => x.name === 'video_key_frame_palette');
    expect(v?.picture_rgba).toBeDefined();
    const decoded = decodeFrame(hexBytes(v!.hex));
    if (isFrameError(decoded)) throw decoded.error;
    const msg = fromBinary(VideoMessageSchema, decoded.payload);
    expect(msg.msg.case).toBe('frame');
    const f = msg.msg.value as VideoFrame;
    expect(f.tiles.map((t) => t.codec)).toEqual([Codec.PALETTE_DEFLATE, Codec.PALETTE_DEFLATE]);
    expect(f.tiles.map((t) => t.data[0])).toEqual([2, 1]);  // 2 and 1 bits per index

    const target = new FramebufferTarget();
    const t = renderInto(target);
    t.renderer.push(f);
    await t.renderer.idle();
    expect(t.errors).toEqual([]);
    expect(t.drawn).toEqual([f.frameId]);
    expect(Buffer.from(target.pixels).toString('hex')).toBe(v!.picture_rgba);
  });

  it('expands every index width, with rows padded to a byte', async () => {
    const colors = Array.from({ length: 256 }, (_, i) => ((i * 0x01020304 + 0x10203000) | 0xff) >>> 0);
    for (const bits of [1, 2, 4, 8]) {
      const n = 1 << bits;
      for (const [w, h] of [[1, 1], [3, 2], [7, 5], [9, 3], [64, 64]]) {
        const rows = Array.from({ length: h }, (_, y) => Array.from({ length: w }, (_, x) => (x * 7 + y * 3) % n));
        const target = new FramebufferTarget();
        const t = renderInto(target);
        t.renderer.push(frame(1, [paletteTile(0, 0, w, h, palettePayload(bits, colors.slice(0, n), rows))], w, h));
        await t.renderer.idle();
        expect(t.errors).toEqual([]);
        const want = new Uint8Array(w * h * 4);
        rows.flat().forEach((index, i) => {
          const c = colors[index];
          want.set([c >>> 24, (c >>> 16) & 0xff, (c >>> 8) & 0xff, c & 0xff], i * 4);
        });
        expect(target.pixels, `${bits} bits, ${w}x${h}`).toEqual(want);
      }
    }
  });

  it('ignores the padding bits but not an index beyond a short palette', () => {
    const three = parsePalette(palettePayload(2, [0x000000ff, 0xffffffff, 0xff0000ff], [[0]]));
    // One row of 3 pixels at 2 bits: indices 0, 1, 2 and then 2 padding bits set.
    expect(Array.from(new Uint32Array(expandPalette(three, Uint8Array.of(0b00011011), 3, 1).buffer)))
      .toEqual([three.entries[0], three.entries[1], three.entries[2]]);
    expect(() => expandPalette(three, Uint8Array.of(0b11000000), 1, 1)).toThrow(/beyond the 3 colours/);
    const two = parsePalette(palettePayload(8, [0x000000ff, 0xffffffff], [[0]]));
    expect(() => expandPalette(two, Uint8Array.of(0, 1, 2), 3, 1)).toThrow(/beyond the 2 colours/);
    expect(() => expandPalette(two, Uint8Array.of(0, 1), 3, 1)).toThrow(/cut short/);
  });

  it('rejects malformed palette tiles without stopping the frame', async () => {
    const bw = [0x000000ff, 0xffffffff];
    const rows2x2 = [[0, 1], [1, 0]];
    const target = new RecordingTarget();
    const t = renderInto(target);
    t.renderer.push(frame(1, [
      paletteTile(0, 0, 2, 2, new Uint8Array(0)),                                       // no header
      paletteTile(0, 0, 2, 2, Uint8Array.of(1)),                                        // half a header
      paletteTile(0, 0, 2, 2, palettePayload(3, bw, rows2x2)),                          // 3 bits per index
      paletteTile(0, 0, 2, 2, palettePayload(1, bw, rows2x2, { colorCount: 3 })),       // 3 colours at 1 bit
      paletteTile(0, 0, 2, 2, Uint8Array.of(2, 3, 0, 0, 0, 255, 255, 255, 255, 255)),   // 4 colours, 2 sent
      paletteTile(0, 0, 2, 2, palettePayload(2, bw, [[0, 3], [1, 0]])),                 // index 3 of 2 colours
      paletteTile(0, 0, 2, 3, palettePayload(1, bw, rows2x2)),                          // rows for 2x2, rect 2x3
      paletteTile(0, 0, 2, 1, palettePayload(1, bw, rows2x2)),                          // rows for 2x2, rect 2x1
      paletteTile(0, 0, 2, 2, palettePayload(1, bw, rows2x2, { zlibBody: Uint8Array.of(1, 2, 3) })),  // not zlib
      paletteTile(0, 0, 2, 2, palettePayload(1, bw, rows2x2, { zlibBody: zlib.deflateRawSync(Uint8Array.of(0x40, 0x80)) })),  // raw deflate
      paletteTile(62, 0, 4, 2, palettePayload(1, bw, [[0, 1, 0, 1], [1, 0, 1, 0]])),   // outside the frame
      paletteTile(4, 2, 2, 2, palettePayload(1, bw, rows2x2)),                          // good
    ]));
    await t.renderer.idle();
    expect(t.errors).toHaveLength(11);
    expect(t.errors.join('\n')).toMatch(/shorter than its header/);
    expect(t.errors.join('\n')).toMatch(/3 bits per index/);
    expect(t.errors.join('\n')).toMatch(/3 colours for 1-bit indices/);
    expect(t.errors.join('\n')).toMatch(/cut short/);
    expect(t.errors.join('\n')).toMatch(/beyond the 2 colours/);
    expect(t.errors.join('\n')).toMatch(/expected 3/);
    expect(t.errors.join('\n')).toMatch(/more than 1 bytes/);
    expect(t.errors.join('\n')).toMatch(/incorrect header check/);
    expect(target.ops).toEqual(['resize 64x8', 'rgba 4,2 2x2 [0]']);
    expect(t.drawn).toEqual([1n]);
  });
});
