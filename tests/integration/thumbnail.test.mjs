// The small live thumbnail of the guest's screen, with the real agent on Xvfb and its guest
// window clicked with xdotool: nothing before the guest allows a technician (404, however long
// a panel asks); after Allow a JPEG about 240 px wide that looks like the X screen scaled down;
// dropped the moment the guest stops sharing or disconnects; never served for another session
// or without a login. A raw guest that sends a thumbnail nobody asked for has it ignored.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchChromium } from '../lib/browser.mjs';
import { clickGuestButton, allowInGuestWindow } from '../lib/guest_window.mjs';
import { metric, supportSession } from '../lib/relay_session.mjs';
import { login, request, setupAdmin, startAgent, startTetherd, strongPassword } from '../lib/tetherd.mjs';
import {
  CONSENT, CONTROL, CONTROL_KIND, connectRelay, connectViewer, consentAskAgain, consentStateOf, field, frame,
  guestHello, hostHello, kindOf, msg,
} from '../lib/wire.mjs';
import { compareRgba, testPicture, xScreenshot, xShowPicture } from '../lib/x11shot.mjs';
import { startXvfb } from '../lib/xvfb.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const W = 640, H = 480;

// Box-filters RGBA to width x height, as the agent does.
function downscale(src, sw, sh, width, height) {
  const out = Buffer.alloc(width * height * 4);
  for (let dy = 0; dy < height; dy++) {
    const y0 = Math.floor(dy * sh / height), y1 = Math.max(y0 + 1, Math.floor((dy + 1) * sh / height));
    for (let dx = 0; dx < width; dx++) {
      const x0 = Math.floor(dx * sw / width), x1 = Math.max(x0 + 1, Math.floor((dx + 1) * sw / width));
      const sum = [0, 0, 0];
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) for (let c = 0; c < 3; c++) sum[c] += src[(y * sw + x) * 4 + c];
      }
      const n = (y1 - y0) * (x1 - x0);
      for (let c = 0; c < 3; c++) out[(dy * width + dx) * 4 + c] = Math.round(sum[c] / n);
      out[(dy * width + dx) * 4 + 3] = 255;
    }
  }
  return out;
}

describe('guest screen thumbnail', () => {
  let x, server, auth, browser, page, picture;
  const thumbnail = (id, headers = { cookie: auth.cookie }) =>
    request(server, 'GET', `/api/v1/sessions/${encodeURIComponent(id)}/thumbnail`, { headers });
  async function waitThumbnail(id, pred = (r) => r.status === 200, timeoutMs = 15000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await thumbnail(id);
      if (pred(r)) return r;
      if (Date.now() > deadline) throw new Error(`thumbnail never as expected; last ${r.status} ${r.body.slice(0, 80)}`);
      await sleep(250);
    }
  }
  // Decodes a JPEG the way the panel does: in the browser.
  const decode = (jpeg) => page.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/jpeg' }));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d');
    ctx.drawImage(bitmap, 0, 0);
    return { width: bitmap.width, height: bitmap.height, rgba: Array.from(ctx.getImageData(0, 0, bitmap.width, bitmap.height).data) };
  }, jpeg.toString('base64'));
  async function viewer(s) {
    const v = await connectViewer(server, s.id, { cookie: auth.cookie });
    v.send(hostHello());
    await v.control(CONTROL_KIND.welcome);
    return v;
  }
  const consentState = (state) => (f) => f.channel === CONTROL && kindOf(f.payload) === CONTROL_KIND.consent_state &&
    consentStateOf(f.payload).state === state;

  before(async () => {
    x = await startXvfb({ width: W, height: H });
    // A busy picture over the whole screen (the guest window opens on top of it).
    picture = await xShowPicture(x.display, { x: 0, y: 0, width: W, height: H, rgba: testPicture(W, H, 3) });
    server = await startTetherd();
    await setupAdmin(server);
    auth = await login(server, 'admin', strongPassword);
    browser = await launchChromium();
    page = await browser.newPage();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await picture?.close();
    await x?.stop();
  });

  test('none before consent; after Allow a downscaled picture of the screen; dropped when the guest stops sharing or leaves', async () => {
    const s = await supportSession(server, auth, 'Thumbnail');
    const other = await supportSession(server, auth, 'Other');
    const agent = startAgent(server, s.code, x.display);
    try {
      await agent.waitFor(/joined through tetherd/);
      // A panel keeps asking, a technician waits for consent: still nothing, for longer than
      // the relay's 5 s asking interval.
      const host = await viewer(s);
      for (let i = 0; i < 7; i++) {
        const r = await thumbnail(s.id);
        assert.equal(r.status, 404, 'no thumbnail before consent');
        assert.equal(r.json.error, 'not_found');
        await sleep(1000);
      }

      await allowInGuestWindow(x.display);
      await host.next(consentState(CONSENT.GRANTED), 5000);
      const grantedAt = Math.floor(Date.now() / 1000);
      // A fresh one, taken once the guest window has settled after the answer.
      const r = await waitThumbnail(s.id, (r) => r.status === 200 && Number(r.headers['x-thumbnail-captured-at']) >= grantedAt + 2, 20000);
      const shot = await xScreenshot(x.display);
      assert.equal(r.headers['content-type'], 'image/jpeg');
      assert.equal(r.headers['cache-control'], 'no-store');
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.ok(r.raw.length > 500 && r.raw.length <= 63 * 1024, `${r.raw.length} bytes`);
      const img = await decode(r.raw);
      assert.equal(img.width, 240);
      assert.equal(img.height, 180);
      const expected = downscale(shot.rgba, W, H, 240, 180);
      const same = compareRgba(Buffer.from(img.rgba), expected, 240, 180);
      console.log(`thumbnail: ${r.raw.length} bytes, mean difference from the scaled X screen ${same.meanAbs.toFixed(1)}`);
      assert.ok(same.meanAbs < 12, `looks like the screen: mean difference ${same.meanAbs.toFixed(1)}`);
      // The comparison can fail: the same screen upside down does not pass.
      const flipped = Buffer.alloc(expected.length);
      for (let y = 0; y < 180; y++) expected.copy(flipped, (179 - y) * 960, y * 960, (y + 1) * 960);
      assert.ok(compareRgba(Buffer.from(img.rgba), flipped, 240, 180).meanAbs > 20, 'a different picture differs');

      assert.equal((await thumbnail(other.id)).status, 404, 'another session has none');
      assert.equal((await thumbnail('no-such-session')).status, 404);
      assert.equal((await thumbnail(s.id, {})).status, 401, 'no login, no picture');

      // Stop sharing: gone at once, and not asked for again.
      await clickGuestButton(x.display, 'stopSharing');
      await host.next(consentState(CONSENT.WITHDRAWN), 5000);
      assert.equal((await thumbnail(s.id)).status, 404, 'dropped on withdrawal');
      await sleep(6000);
      assert.equal((await thumbnail(s.id)).status, 404, 'not fetched again after withdrawal');

      // Allowed again, then the guest disconnects: gone at once.
      host.send(consentAskAgain());
      await allowInGuestWindow(x.display);
      await host.next(consentState(CONSENT.GRANTED), 5000);
      await waitThumbnail(s.id);
      await agent.stop();
      await waitThumbnail(s.id, (r) => r.status === 404, 3000);
      host.close();
    } finally {
      await agent.stop();
    }
  });

  test('a thumbnail a guest sends unasked is ignored', async () => {
    const s = await supportSession(server, auth, 'Unasked');
    const g = await connectRelay(server);
    g.send(guestHello(s.code));
    await g.control(CONTROL_KIND.welcome);
    const before = await metric(server, 'tether_relay_thumbnails_ignored_total');
    // ControlMessage{thumbnail(18): {jpeg: SOI..EOI, width 1, height 1}}
    const jpeg = [0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, 0, 1, 0, 1, 1, 1, 0x11, 0, 0xff, 0xd9];
    g.send(frame(CONTROL, field(18, msg(field(1, Buffer.from(jpeg)), field(2, 1), field(3, 1)))));
    await sleep(300);
    assert.equal(await metric(server, 'tether_relay_thumbnails_ignored_total'), before + 1);
    assert.equal((await thumbnail(s.id)).status, 404);
  });
});
