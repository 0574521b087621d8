// Browser end-to-end helpers: a Chromium profile for a test (tests/lib/browser.mjs starts it),
// the viewer page's canvas (state, pixels, quiet periods) and its comparison with a screenshot
// taken from the X server itself.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { artifactsDir, launchChromiumProfile } from './browser.mjs';
import { tempDir } from './tetherd.mjs';
import { compareRgba, encodePng, xScreenshot } from './x11shot.mjs';

export const STEP_TIMEOUT = 15000;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function waitUntil(what, fn, timeoutMs = STEP_TIMEOUT, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

// A headless Chromium with a fresh profile. Console errors and page errors of every page go to
// `problems`. Pushes its own cleanups (close, remove the profile) onto `cleanups`.
export async function launchBrowser(cleanups, problems) {
  const profile = tempDir('tether-e2e-chromium-');
  cleanups.push(() => fs.rmSync(profile, { recursive: true, force: true }));
  const context = await launchChromiumProfile(profile, { ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
  cleanups.push(() => context.close());
  context.setDefaultTimeout(STEP_TIMEOUT);
  const watch = (page) => {
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console.${msg.type()}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  };
  for (const p of context.pages()) watch(p);
  context.on('page', watch);
  const page = context.pages()[0] ?? await context.newPage();
  return { context, page };
}

export const canvasState = (page) => page.evaluate(() => {
  const c = document.getElementById('screen');
  const status = document.querySelector('[data-testid=viewer-status]');
  return {
    frames: Number(c?.dataset.frames ?? 0), width: Number(c?.dataset.width ?? 0), height: Number(c?.dataset.height ?? 0),
    status: status?.textContent ?? '',
  };
});

// Waits until no frame was drawn for `quietMs`; returns the frame count.
export async function waitQuiet(page, quietMs = 500, timeoutMs = STEP_TIMEOUT) {
  const deadline = Date.now() + timeoutMs;
  let last = (await canvasState(page)).frames;
  let since = Date.now();
  for (;;) {
    await sleep(50);
    const now = (await canvasState(page)).frames;
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return now;
    }
    if (Date.now() > deadline) throw new Error(`the screen never went quiet for ${quietMs} ms (frames ${now})`);
  }
}

// The canvas pixels (RGBA) and the frame count at the moment they were read.
export async function readCanvas(page) {
  const { b64, width, height, frames } = await page.evaluate(() => {
    const c = document.getElementById('screen');
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let bin = '';
    for (let i = 0; i < data.length; i += 0x8000) bin += String.fromCharCode.apply(null, data.subarray(i, i + 0x8000));
    return { b64: btoa(bin), width: c.width, height: c.height, frames: Number(c.dataset.frames) };
  });
  return { rgba: Buffer.from(b64, 'base64'), width, height, frames };
}

// Compares a page's canvas with a screenshot from the X server: once no frame was drawn for a
// while, and only if no frame arrived between the X screenshot and the canvas read. `rects`
// names areas to report separately; `lossless` (one of them) must match exactly. Logs the
// figures, saves both images on failure, and returns the frame count compared.
export async function assertCanvasMatchesX(page, display, label, { rects = {}, lossless = null, prefix = 'e2e' } = {}) {
  let attempt = 0, shot, canvas;
  for (;;) {
    attempt++;
    const quietFrames = await waitQuiet(page);
    shot = await xScreenshot(display);
    canvas = await readCanvas(page);
    if (canvas.frames === quietFrames) break;
    if (attempt >= 5) throw new Error(`${label}: frames kept arriving while comparing with the X screen`);
  }
  assert.equal(canvas.width, shot.width);
  assert.equal(canvas.height, shot.height);
  const all = compareRgba(canvas.rgba, shot.rgba, shot.width, shot.height);
  const parts = Object.fromEntries(Object.entries(rects).map(([name, rect]) =>
    [name, compareRgba(canvas.rgba, shot.rgba, shot.width, shot.height, { rect })]));
  const fmt = (c) => `mean abs diff ${c.meanAbs.toFixed(4)}/channel, ${(c.bad * 100).toFixed(4)}% of pixels off by > 48, ` +
    `max ${c.maxDiff}`;
  console.log(`# canvas vs X screen, ${label} (${canvas.frames} frames drawn, attempt ${attempt}): ` +
    `whole screen: ${fmt(all)}${Object.entries(parts).map(([n, c]) => ` | ${n}: ${fmt(c)}`).join('')}`);
  try {
    assert.ok(all.meanAbs < 6, `${label}: mean absolute difference ${all.meanAbs} ≥ 6`);
    assert.ok(all.bad < 0.02, `${label}: ${(all.bad * 100).toFixed(3)}% of pixels differ by more than 48`);
    if (lossless) {
      const c = parts[lossless];
      assert.ok(c.meanAbs < 1 && c.bad === 0,
        `${label}: the ${lossless} area (sent lossless) differs: mean ${c.meanAbs}, ${c.bad * 100}% off by > 48, max ${c.maxDiff}`);
    }
  } catch (err) {
    fs.mkdirSync(artifactsDir, { recursive: true });
    const stamp = Date.now();
    const xFile = path.join(artifactsDir, `${prefix}-x-${stamp}.png`);
    const cFile = path.join(artifactsDir, `${prefix}-canvas-${stamp}.png`);
    fs.writeFileSync(xFile, encodePng(shot.rgba, shot.width, shot.height));
    fs.writeFileSync(cFile, encodePng(canvas.rgba, canvas.width, canvas.height));
    err.message += `\nX screen: ${xFile}\ncanvas: ${cFile}`;
    throw err;
  }
  return canvas.frames;
}

// Logs in through the login page as `username`.
export async function logInPage(page, baseUrl, username, password) {
  await page.goto(new URL('/login', baseUrl).href);
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((u) => u.pathname === '/');
}
