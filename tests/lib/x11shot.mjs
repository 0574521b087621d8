// A screenshot of an X display's root window, taken straight over the X11 protocol (a
// connection setup and one GetImage request on the display's Unix socket), so the tests need
// neither xwd nor ImageMagick. Only TrueColor/DirectColor visuals with 24 or 32 bits per pixel
// (what Xvfb -screen 0 WxHx24 gives) are supported.
import fs from 'node:fs';
import net from 'node:net';
import zlib from 'node:zlib';

const pad4 = (n) => (n + 3) & ~3;

// Reads exactly the bytes asked for, in order, from a socket.
function reader(sock) {
  let buf = Buffer.alloc(0);
  let want = null;
  let failed = null;
  sock.on('data', (d) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    if (want && buf.length >= want.n) {
      const w = want;
      want = null;
      const out = buf.subarray(0, w.n);
      buf = buf.subarray(w.n);
      w.resolve(out);
    }
  });
  const fail = (err) => {
    failed = err;
    if (want) { const w = want; want = null; w.reject(err); }
  };
  sock.on('error', fail);
  sock.on('close', () => fail(new Error('X server closed the connection')));
  return (n) => new Promise((resolve, reject) => {
    if (buf.length >= n) {
      const out = buf.subarray(0, n);
      buf = buf.subarray(n);
      resolve(out);
    } else if (failed) {
      reject(failed);
    } else {
      want = { n, resolve, reject };
    }
  });
}

// Opens an X connection (little-endian, no authorization: the test Xvfb runs without -auth)
// and reads what the server says about itself and its first screen.
async function xConnect(display, timeoutMs) {
  const num = Number(String(display).replace(/^.*:/, '').split('.')[0]);
  const socketPath = `/tmp/.X11-unix/X${num}`;
  if (!fs.existsSync(socketPath)) throw new Error(`no X socket ${socketPath}`);
  const sock = net.connect(socketPath);
  const timer = setTimeout(() => sock.destroy(new Error(`X request to ${display} timed out`)), timeoutMs);
  try {
    await new Promise((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
    const read = reader(sock);
    const setup = Buffer.alloc(12);
    setup[0] = 0x6c;  // 'l'
    setup.writeUInt16LE(11, 2);
    sock.write(setup);
    const head = await read(8);
    const extra = await read(head.readUInt16LE(6) * 4);
    if (head[0] !== 1) throw new Error(`X connection refused: ${extra.subarray(0, head[1]).toString()}`);
    const idBase = extra.readUInt32LE(4);
    const idMask = extra.readUInt32LE(8);
    const vendorLen = extra.readUInt16LE(16);
    const maxRequestBytes = extra.readUInt16LE(18) * 4;
    const nScreens = extra[20];
    const nFormats = extra[21];
    const imageByteOrder = extra[22];  // 0 LSBFirst, 1 MSBFirst
    let off = 32 + pad4(vendorLen);
    const formats = new Map();
    for (let i = 0; i < nFormats; i++, off += 8) formats.set(extra[off], { bpp: extra[off + 1], pad: extra[off + 2] });
    if (nScreens < 1) throw new Error('X server has no screens');
    // Screen 0.
    const root = extra.readUInt32LE(off);
    const width = extra.readUInt16LE(off + 20);
    const height = extra.readUInt16LE(off + 22);
    const rootVisual = extra.readUInt32LE(off + 32);
    const rootDepth = extra[off + 38];
    const nDepths = extra[off + 39];
    off += 40;
    let visual = null;
    for (let d = 0; d < nDepths; d++) {
      const nVisuals = extra.readUInt16LE(off + 2);
      off += 8;
      for (let v = 0; v < nVisuals; v++, off += 24) {
        if (extra.readUInt32LE(off) === rootVisual) {
          visual = { cls: extra[off + 4], red: extra.readUInt32LE(off + 8), green: extra.readUInt32LE(off + 12), blue: extra.readUInt32LE(off + 16) };
        }
      }
    }
    if (!visual || (visual.cls !== 4 && visual.cls !== 5)) throw new Error('the root visual is not TrueColor/DirectColor');
    const format = formats.get(rootDepth);
    if (!format || format.bpp !== 32) throw new Error(`unsupported pixmap format for depth ${rootDepth}: ${JSON.stringify(format)}`);
    const shift = (mask) => { let s = 0; while (mask && !(mask & 1)) { mask >>>= 1; s++; } return s; };
    let nextId = 1;
    return {
      sock, read, timer, root, width, height, rootDepth, visual, imageByteOrder, maxRequestBytes,
      shifts: { r: shift(visual.red), g: shift(visual.green), b: shift(visual.blue) },
      newId: () => (idBase | ((nextId++) & idMask)) >>> 0,
    };
  } catch (err) {
    clearTimeout(timer);
    sock.destroy();
    throw err;
  }
}

// Returns {width, height, rgba: Buffer (width*height*4, alpha 255)} of the whole root window of
// `display` (":N"), read from the X server's memory (the pointer is not included).
export async function xScreenshot(display, { timeoutMs = 10000 } = {}) {
  const x = await xConnect(display, timeoutMs);
  try {
    const { width, height, visual, shifts } = x;
    // GetImage(ZPixmap, root, 0, 0, width, height, all planes).
    const req = Buffer.alloc(20);
    req[0] = 73;
    req[1] = 2;
    req.writeUInt16LE(5, 2);
    req.writeUInt32LE(x.root, 4);
    req.writeUInt16LE(width, 12);
    req.writeUInt16LE(height, 14);
    req.writeUInt32LE(0xffffffff, 16);
    x.sock.write(req);
    const reply = await x.read(32);
    if (reply[0] === 0) throw new Error(`X GetImage failed: error code ${reply[1]}`);
    const data = await x.read(reply.readUInt32LE(4) * 4);
    const stride = pad4(width * 4);  // 32 bpp: every scanline pad is met
    const rgba = Buffer.alloc(width * height * 4);
    for (let y = 0; y < height; y++) {
      for (let i = y * stride, o = y * width * 4, end = o + width * 4; o < end; i += 4, o += 4) {
        const p = x.imageByteOrder === 0 ? data.readUInt32LE(i) : data.readUInt32BE(i);
        rgba[o] = (p & visual.red) >>> shifts.r;
        rgba[o + 1] = (p & visual.green) >>> shifts.g;
        rgba[o + 2] = (p & visual.blue) >>> shifts.b;
        rgba[o + 3] = 255;
      }
    }
    return { width, height, rgba };
  } finally {
    clearTimeout(x.timer);
    x.sock.destroy();
  }
}

// A photograph-like test picture: smooth colour gradients with a little grain, the kind of
// content a screen encoder sends lossy. Returns RGBA.
export function testPicture(width, height, seed = 1) {
  const rgba = Buffer.alloc(width * height * 4);
  let r = seed >>> 0;
  const rand = () => { r = (Math.imul(r, 1664525) + 1013904223) >>> 0; return r / 2 ** 32; };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      const grain = () => (rand() - 0.5) * 12;
      const v = [
        128 + 110 * Math.sin(x / 37 + y / 53),
        128 + 110 * Math.cos(x / 29 - y / 41),
        128 + 110 * Math.sin((x + y) / 61 + 1),
      ];
      for (let c = 0; c < 3; c++) rgba[o + c] = Math.max(0, Math.min(255, Math.round(v[c] + grain())));
      rgba[o + 3] = 255;
    }
  }
  return rgba;
}

// Shows an RGBA picture on `display` in an override-redirect window at (x, y) whose background
// is the picture (the X server repaints it by itself). The window lives as long as the
// connection: call close() to remove it.
export async function xShowPicture(display, { x: left, y: top, width, height, rgba }, { timeoutMs = 10000 } = {}) {
  const x = await xConnect(display, timeoutMs);
  try {
    const { sock, visual, shifts } = x;
    const pixmap = x.newId();
    const gc = x.newId();
    const win = x.newId();
    const reqs = [];
    // CreatePixmap(depth, pid, drawable, width, height)
    const cp = Buffer.alloc(16);
    cp[0] = 53; cp[1] = x.rootDepth; cp.writeUInt16LE(4, 2);
    cp.writeUInt32LE(pixmap, 4); cp.writeUInt32LE(x.root, 8); cp.writeUInt16LE(width, 12); cp.writeUInt16LE(height, 14);
    reqs.push(cp);
    // CreateGC(cid, drawable, no values)
    const cg = Buffer.alloc(16);
    cg[0] = 55; cg.writeUInt16LE(4, 2); cg.writeUInt32LE(gc, 4); cg.writeUInt32LE(x.root, 8);
    reqs.push(cg);
    // PutImage(ZPixmap) in strips that fit the maximum request length.
    const rowBytes = width * 4;
    const rowsPer = Math.max(1, Math.floor((x.maxRequestBytes - 24) / rowBytes));
    for (let y0 = 0; y0 < height; y0 += rowsPer) {
      const rows = Math.min(rowsPer, height - y0);
      const req = Buffer.alloc(24 + rows * rowBytes);
      req[0] = 72; req[1] = 2; req.writeUInt16LE(req.length / 4, 2);
      req.writeUInt32LE(pixmap, 4); req.writeUInt32LE(gc, 8);
      req.writeUInt16LE(width, 12); req.writeUInt16LE(rows, 14);
      req.writeInt16LE(0, 16); req.writeInt16LE(y0, 18);
      req[20] = 0; req[21] = x.rootDepth;
      for (let i = 0; i < rows * width; i++) {
        const s = (y0 * width + i) * 4;
        const p = ((((rgba[s] << shifts.r) & visual.red) | ((rgba[s + 1] << shifts.g) & visual.green) |
          ((rgba[s + 2] << shifts.b) & visual.blue)) >>> 0);
        if (x.imageByteOrder === 0) req.writeUInt32LE(p, 24 + i * 4);
        else req.writeUInt32BE(p, 24 + i * 4);
      }
      reqs.push(req);
    }
    // CreateWindow(CopyFromParent depth, wid, root, x, y, w, h, border 0, InputOutput,
    // CopyFromParent visual, {background-pixmap, override-redirect})
    const cw = Buffer.alloc(40);
    cw[0] = 1; cw[1] = 0; cw.writeUInt16LE(10, 2);
    cw.writeUInt32LE(win, 4); cw.writeUInt32LE(x.root, 8);
    cw.writeInt16LE(left, 12); cw.writeInt16LE(top, 14); cw.writeUInt16LE(width, 16); cw.writeUInt16LE(height, 18);
    cw.writeUInt16LE(0, 20); cw.writeUInt16LE(1, 22); cw.writeUInt32LE(0, 24);
    cw.writeUInt32LE(0x1 | 0x200, 28); cw.writeUInt32LE(pixmap, 32); cw.writeUInt32LE(1, 36);
    reqs.push(cw);
    // MapWindow(win)
    const mw = Buffer.alloc(8);
    mw[0] = 8; mw.writeUInt16LE(2, 2); mw.writeUInt32LE(win, 4);
    reqs.push(mw);
    // GetInputFocus: a round trip, so errors (sent before its reply) are seen here.
    const gif = Buffer.alloc(4);
    gif[0] = 43; gif.writeUInt16LE(1, 2);
    reqs.push(gif);
    sock.write(Buffer.concat(reqs));
    for (;;) {
      const ev = await x.read(32);
      if (ev[0] === 0) throw new Error(`X error ${ev[1]} for request opcode ${ev[10]}`);
      if (ev[0] === 1) break;  // the GetInputFocus reply
      // Events (none selected) are skipped.
    }
    clearTimeout(x.timer);
    return { close: () => new Promise((resolve) => { sock.once('close', resolve); sock.end(); setTimeout(() => { sock.destroy(); resolve(); }, 1000); }) };
  } catch (err) {
    clearTimeout(x.timer);
    x.sock.destroy();
    throw err;
  }
}

// Compares two RGBA images of the same size, over `rect` ({x, y, width, height}; default the
// whole image). Returns {meanAbs: per-channel mean absolute difference over R, G, B; bad:
// fraction of pixels off by more than `threshold` in any channel; maxDiff}.
export function compareRgba(a, b, width, height, { threshold = 48, rect = { x: 0, y: 0, width, height } } = {}) {
  let sum = 0, bad = 0, maxDiff = 0;
  for (let y = rect.y; y < rect.y + rect.height; y++) {
    for (let x = rect.x; x < rect.x + rect.width; x++) {
      const o = (y * width + x) * 4;
      const dr = Math.abs(a[o] - b[o]), dg = Math.abs(a[o + 1] - b[o + 1]), db = Math.abs(a[o + 2] - b[o + 2]);
      sum += dr + dg + db;
      const m = Math.max(dr, dg, db);
      if (m > threshold) bad++;
      if (m > maxDiff) maxDiff = m;
    }
  }
  const n = rect.width * rect.height;
  return { meanAbs: sum / (n * 3), bad: bad / n, maxDiff };
}

// A minimal PNG encoder (8-bit RGBA, no filtering), for saving images as test artifacts.
export function encodePng(rgba, width, height) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;   // bit depth
  ihdr[9] = 6;   // RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0;
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
