// Draws VideoFrames. The tiles of a frame are decoded concurrently (and while earlier frames
// are still being drawn), but drawn in order, and frames are drawn strictly in the order they
// arrived. The drawing surface and the decoders are injected: the browser uses a canvas,
// createImageBitmap and DecompressionStream; the tests use fakes. Codecs: solid, JPEG,
// deflated RGBA and palettes (expanded here to RGBA). A bad tile is reported and skipped.
import { Codec, type Rect, type Tile, type VideoFrame } from '../protocol/gen/tether/v1/media_pb';

export const MAX_DIMENSION = 16384;  // the largest canvas side browsers allow

export interface DecodedImage {
  close?(): void;
}

export interface DrawTarget {
  resize(width: number, height: number): void;
  fillRect(x: number, y: number, width: number, height: number, rgba: number): void;
  drawImage(image: DecodedImage, x: number, y: number, width: number, height: number): void;
  putRgba(pixels: Uint8ClampedArray<ArrayBuffer>, x: number, y: number, width: number, height: number): void;
}

export interface TileDecoders {
  jpeg(data: Uint8Array): Promise<DecodedImage>;
  inflate(data: Uint8Array, expectedBytes: number): Promise<Uint8Array>;
}

export interface RendererOptions {
  target: DrawTarget;
  decoders: TileDecoders;
  now?: () => number;  // ms
  // After each frame is drawn (including frames with bad tiles, so flow control never stalls).
  onFrameDrawn?: (frame: VideoFrame, decodeTimeUs: number) => void;
  // A tile or frame could not be drawn: the picture may be wrong until the next key frame.
  onError?: (message: string) => void;
}

type Decoded =
  | { kind: 'solid'; rect: Rect; rgba: number }
  | { kind: 'image'; rect: Rect; image: DecodedImage }
  | { kind: 'rgba'; rect: Rect; pixels: Uint8ClampedArray<ArrayBuffer> }
  | { kind: 'error'; message: string };

// The CSS colour of 0xRRGGBBAA.
export function rgbaToCss(rgba: number): string {
  const v = rgba >>> 0;
  const r = v >>> 24;
  const g = (v >>> 16) & 0xff;
  const b = (v >>> 8) & 0xff;
  const a = v & 0xff;
  return a === 0xff ? `rgb(${r},${g},${b})` : `rgba(${r},${g},${b},${+(a / 255).toFixed(4)})`;
}

// Why a frame cannot be drawn at all, or null.
export function checkFrame(frame: VideoFrame): string | null {
  if (frame.width === 0 || frame.height === 0) return `frame ${frame.frameId} has no size`;
  if (frame.width > MAX_DIMENSION || frame.height > MAX_DIMENSION) return `frame ${frame.frameId} is too large (${frame.width}×${frame.height})`;
  return null;
}

// Why a tile cannot be drawn on a frame of this size, or null.
export function checkTile(tile: Tile, frameWidth: number, frameHeight: number): string | null {
  const r = tile.rect;
  if (!r) return 'tile without a rect';
  if (r.width === 0 || r.height === 0) return 'empty tile';
  if (r.x < 0 || r.y < 0 || r.x + r.width > frameWidth || r.y + r.height > frameHeight) {
    return `tile ${r.width}×${r.height}+${r.x}+${r.y} outside the ${frameWidth}×${frameHeight} frame`;
  }
  return null;
}

export class VideoRenderer {
  private readonly target: DrawTarget;
  private readonly decoders: TileDecoders;
  private readonly now: () => number;
  private readonly onFrameDrawn?: (frame: VideoFrame, decodeTimeUs: number) => void;
  private readonly onError?: (message: string) => void;

  private chain: Promise<void> = Promise.resolve();
  private epoch = 0;
  private pendingCount = 0;
  private width = 0;
  private height = 0;
  private lastDrawnAt = 0;

  constructor(options: RendererOptions) {
    this.target = options.target;
    this.decoders = options.decoders;
    this.now = options.now ?? (() => performance.now());
    this.onFrameDrawn = options.onFrameDrawn;
    this.onError = options.onError;
  }

  // Frames received but not drawn yet.
  get pending(): number {
    return this.pendingCount;
  }

  get size(): { width: number; height: number } {
    return { width: this.width, height: this.height };
  }

  // Frames still queued are dropped (a new connection, another monitor): no draw, no ack.
  reset(): void {
    this.epoch++;
  }

  // Resolves when everything pushed so far is drawn or dropped.
  idle(): Promise<void> {
    return this.chain;
  }

  push(frame: VideoFrame): void {
    const epoch = this.epoch;
    const receivedAt = this.now();
    const invalid = checkFrame(frame);
    // Start every tile's decode now; they run concurrently with each other and with the
    // drawing of earlier frames.
    const decodes: Promise<Decoded>[] = invalid ? [] : frame.tiles.map((t) => this.decode(t, frame.width, frame.height));
    this.pendingCount++;
    this.chain = this.chain.then(async () => {
      const tiles = await Promise.all(decodes);
      try {
        if (epoch !== this.epoch) {
          for (const t of tiles) if (t.kind === 'image') t.image.close?.();
          return;
        }
        const startedAt = Math.max(receivedAt, this.lastDrawnAt);
        if (invalid) {
          this.onError?.(invalid);
        } else {
          this.draw(frame, tiles);
        }
        const drawnAt = this.now();
        this.lastDrawnAt = drawnAt;
        this.onFrameDrawn?.(frame, Math.max(0, Math.round((drawnAt - startedAt) * 1000)));
      } catch (err) {
        this.onError?.(`drawing frame ${frame.frameId} failed: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        this.pendingCount--;
      }
    });
  }

  private draw(frame: VideoFrame, tiles: Decoded[]): void {
    if (frame.width !== this.width || frame.height !== this.height) {
      this.width = frame.width;
      this.height = frame.height;
      this.target.resize(frame.width, frame.height);
    }
    for (const t of tiles) {
      switch (t.kind) {
        case 'solid':
          this.target.fillRect(t.rect.x, t.rect.y, t.rect.width, t.rect.height, t.rgba);
          break;
        case 'image':
          try {
            this.target.drawImage(t.image, t.rect.x, t.rect.y, t.rect.width, t.rect.height);
          } finally {
            t.image.close?.();
          }
          break;
        case 'rgba':
          this.target.putRgba(t.pixels, t.rect.x, t.rect.y, t.rect.width, t.rect.height);
          break;
        case 'error':
          this.onError?.(`frame ${frame.frameId}: ${t.message}`);
          break;
      }
    }
  }

  private async decode(tile: Tile, frameWidth: number, frameHeight: number): Promise<Decoded> {
    const bad = checkTile(tile, frameWidth, frameHeight);
    if (bad) return { kind: 'error', message: bad };
    const rect = tile.rect!;
    try {
      switch (tile.codec) {
        case Codec.SOLID:
          return { kind: 'solid', rect, rgba: tile.solidRgba };
        case Codec.JPEG:
          return { kind: 'image', rect, image: await this.decoders.jpeg(tile.data) };
        case Codec.DEFLATE_RGBA: {
          const expected = rect.width * rect.height * 4;
          const raw = await this.decoders.inflate(tile.data, expected);
          if (raw.byteLength !== expected) return { kind: 'error', message: `deflate tile has ${raw.byteLength} bytes, expected ${expected}` };
          const pixels = new Uint8ClampedArray(raw.buffer as ArrayBuffer, raw.byteOffset, raw.byteLength);
          return { kind: 'rgba', rect, pixels };
        }
        case Codec.PALETTE_DEFLATE: {
          const palette = parsePalette(tile.data);
          const expected = paletteRowBytes(rect.width, palette.bits) * rect.height;
          const packed = await this.decoders.inflate(palette.indices, expected);
          if (packed.byteLength !== expected) return { kind: 'error', message: `palette tile has ${packed.byteLength} bytes of indices, expected ${expected}` };
          return { kind: 'rgba', rect, pixels: expandPalette(palette, packed, rect.width, rect.height) };
        }
        default:
          return { kind: 'error', message: `unknown codec ${tile.codec}` };
      }
    } catch (err) {
      return { kind: 'error', message: `${Codec[tile.codec] ?? tile.codec} tile: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
}

// --- CODEC_PALETTE_DEFLATE (docs/protocol.md, section 3.2, "Tile payloads") ----------------

export interface Palette {
  bits: 1 | 2 | 4 | 8;        // per index
  colors: number;             // 1..256
  entries: Uint32Array;       // the RGBA entries as they lie in memory (one word per colour)
  indices: Uint8Array;        // the zlib stream of the packed indices
}

// Bytes of one packed row of `width` indices.
export function paletteRowBytes(width: number, bits: number): number {
  return Math.ceil((width * bits) / 8);
}

// The header and palette of a palette tile; throws on a malformed one.
export function parsePalette(data: Uint8Array): Palette {
  if (data.byteLength < 2) throw new Error('palette tile shorter than its header');
  const bits = data[0];
  if (bits !== 1 && bits !== 2 && bits !== 4 && bits !== 8) throw new Error(`palette tile with ${bits} bits per index`);
  const colors = data[1] + 1;
  if (colors > 1 << bits) throw new Error(`palette of ${colors} colours for ${bits}-bit indices`);
  const end = 2 + colors * 4;
  if (data.byteLength < end) throw new Error(`palette of ${colors} colours cut short`);
  // Copied, so the words are aligned whatever the offset of the tile in the frame.
  const entries = new Uint32Array(data.slice(2, end).buffer);
  return { bits, colors, entries, indices: data.subarray(end) };
}

// Packed indices (rows of paletteRowBytes, first pixel in the high bits) to RGBA; throws on an
// index beyond the palette. Padding bits at the end of a row are ignored.
export function expandPalette(palette: Palette, packed: Uint8Array, width: number, height: number): Uint8ClampedArray<ArrayBuffer> {
  const { bits, colors, entries } = palette;
  const rowBytes = paletteRowBytes(width, bits);
  if (packed.byteLength < rowBytes * height) throw new Error('palette indices cut short');
  const out = new Uint32Array(width * height);
  const mask = (1 << bits) - 1;
  const perByte = 8 / bits;
  let o = 0;
  let bad = 0;  // any index beyond the palette, checked once at the end
  for (let y = 0; y < height; y++) {
    let p = y * rowBytes;
    if (bits === 8) {
      for (let x = 0; x < width; x++) {
        const i = packed[p++];
        bad |= +(i >= colors);
        out[o++] = entries[i];
      }
      continue;
    }
    for (let x = 0; x < width; p++) {
      const byte = packed[p];
      for (let k = 0; k < perByte && x < width; k++, x++) {
        const i = (byte >> (8 - bits * (k + 1))) & mask;
        bad |= +(i >= colors);
        out[o++] = entries[i];
      }
    }
  }
  if (bad) throw new Error(`palette index beyond the ${colors} colours`);
  return new Uint8ClampedArray(out.buffer);
}

// --- the browser's decoders and canvas --------------------------------------------------

// zlib (RFC 1950) → exactly `expected` bytes; stops early rather than inflate a bomb.
export async function inflateExact(data: Uint8Array, expected: number): Promise<Uint8Array> {
  const ds = new DecompressionStream('deflate');
  const writer = ds.writable.getWriter();
  writer.write(data as Uint8Array<ArrayBuffer>).catch(() => {});
  writer.close().catch(() => {});
  const reader = ds.readable.getReader();
  const out = new Uint8Array(expected);
  let offset = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (offset + value.byteLength > expected) {
      reader.cancel().catch(() => {});
      throw new Error(`inflates to more than ${expected} bytes`);
    }
    out.set(value, offset);
    offset += value.byteLength;
  }
  if (offset !== expected) throw new Error(`inflates to ${offset} bytes, expected ${expected}`);
  return out;
}

export const browserDecoders: TileDecoders = {
  jpeg: (data) => createImageBitmap(new Blob([data as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' })),
  inflate: inflateExact,
};

export class CanvasTarget implements DrawTarget {
  private readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;

  constructor(canvas: HTMLCanvasElement) {
    this.canvas = canvas;
    const ctx = canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('This browser cannot draw on a canvas.');
    this.ctx = ctx;
  }

  resize(width: number, height: number): void {
    this.canvas.width = width;
    this.canvas.height = height;
  }

  fillRect(x: number, y: number, width: number, height: number, rgba: number): void {
    this.ctx.fillStyle = rgbaToCss(rgba);
    this.ctx.fillRect(x, y, width, height);
  }

  drawImage(image: DecodedImage, x: number, y: number, width: number, height: number): void {
    this.ctx.drawImage(image as ImageBitmap, x, y, width, height);
  }

  putRgba(pixels: Uint8ClampedArray<ArrayBuffer>, x: number, y: number, width: number, height: number): void {
    this.ctx.putImageData(new ImageData(pixels, width, height), x, y);
  }
}
