// Browser end-to-end test of remote support: the real agent on an Xvfb display with an xterm,
// a real tetherd, and the viewer page in Debian's Chromium (through playwright-core from
// web/node_modules). The host logs in, joins the session from the panel, sees the guest's
// screen once the guest clicks Allow in the agent's guest window (compared with a screenshot
// taken from the X server itself), types a command into the xterm, switches to view-only, and
// keeps watching across a server restart.
//
//   node --test --test-concurrency=1 tests/e2e/
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  agentBin, login, request, setupAdmin, startAgent, startTetherd, strongPassword, tetherdBin,
} from '../lib/tetherd.mjs';
import {
  STEP_TIMEOUT, assertCanvasMatchesX, canvasState, launchBrowser, logInPage, sleep, waitUntil,
} from '../lib/e2e_browser.mjs';
import {
  CONTROL, CONTROL_KIND, connectViewer, consentGranted, field, frame, hostHello, keyEvent, keysymsFor,
} from '../lib/wire.mjs';
import { allowInGuestWindow, clickGuestButton } from '../lib/guest_window.mjs';
import { testPicture, xShowPicture } from '../lib/x11shot.mjs';
import { artifactsDir, assertUiBuilt } from '../lib/browser.mjs';
import { startXvfb } from '../lib/xvfb.mjs';

const SCREEN = { width: 1024, height: 768 };
const SESSION_NAME = 'Remote control e2e';
// A photograph-like picture beside the xterm, so that the screen has lossy (JPEG) tiles and
// colours (a black-and-white screen would not show swapped channels).
const PICTURE = { x: 620, y: 420, width: 380, height: 330 };
// ControlMessage{view_only: {view_only}}
const viewOnlyFrame = (v) => frame(CONTROL, field(10, v ? field(1, true) : []));

async function metric(server, name) {
  const r = await request(server, 'GET', '/metrics');
  assert.equal(r.status, 200, `GET /metrics: ${r.status}`);
  const m = r.body.match(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm'));
  assert.ok(m, `${name} missing from /metrics`);
  return Number(m[1]);
}

// Everything one test needs, started in order; `cleanup` undoes it in reverse, whatever failed.
async function startStack(name) {
  for (const bin of [tetherdBin, agentBin]) assert.ok(fs.existsSync(bin), `binary missing: ${bin} (build it first)`);
  assertUiBuilt();
  const s = { name, cleanups: [], problems: [] };
  s.cleanup = async () => {
    for (const c of s.cleanups.reverse()) {
      try {
        await c();
      } catch (err) {
        console.log(`cleanup: ${err.message}`);
      }
    }
  };
  try {
    s.x = await startXvfb(SCREEN);
    s.cleanups.push(() => s.x.stop());
    s.x.run('xterm', ['-geometry', '100x30+0+0', '-e', 'sh']);
    const picture = await xShowPicture(s.x.display, { ...PICTURE, rgba: testPicture(PICTURE.width, PICTURE.height) });
    s.cleanups.push(() => picture.close());

    s.server = await startTetherd();
    const dataDir = s.server.dataDir;
    s.cleanups.push(async () => {
      await s.server.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });
    await setupAdmin(s.server);
    const auth = await login(s.server, 'admin', strongPassword);
    const r = await request(s.server, 'POST', '/api/v1/sessions', {
      headers: { cookie: auth.cookie, 'x-csrf-token': auth.csrf }, body: { type: 'support', name: SESSION_NAME },
    });
    assert.equal(r.status, 201, `POST /api/v1/sessions: ${r.status} ${r.body}`);
    s.session = r.json.session;

    // The xterm must be mapped before the agent's first picture.
    await sleep(1000);
    s.agent = startAgent(s.server, s.session.code, s.x.display);
    s.cleanups.push(async () => {
      await Promise.race([s.agent.stop(), sleep(5000)]);
      if (s.agent.proc.exitCode === null && s.agent.proc.signalCode === null) s.agent.proc.kill('SIGKILL');
    });
    await s.agent.waitFor(/joined through tetherd/);

    ({ context: s.context, page: s.page } = await launchBrowser(s.cleanups, s.problems));
    return s;
  } catch (err) {
    await s.cleanup();
    throw err;
  }
}

// Runs a test body on a fresh stack; on failure saves a screenshot and adds the logs.
async function withStack(name, body) {
  const s = await startStack(name);
  try {
    await body(s);
  } catch (err) {
    fs.mkdirSync(artifactsDir, { recursive: true });
    const file = path.join(artifactsDir, `remote_control-${name}-${Date.now()}.png`);
    await s.page?.screenshot({ path: file, fullPage: true }).catch(() => {});
    err.message += `\nscreenshot: ${file}\npage: ${s.page?.url()}\nbrowser: ${s.problems.join('\n') || '(quiet)'}` +
      `\nagent output (tail):\n${s.agent?.output.slice(-3000)}` +
      `\ntetherd stderr (tail):\n${s.server?.stderr.slice(-3000)}`;
    throw err;
  } finally {
    await s.cleanup();
  }
}

// Logs in through the page, joins the session from the panel and waits for the first picture.
async function joinFromPanel(s) {
  const { page, server } = s;
  await logInPage(page, server.baseUrl, 'admin', strongPassword);
  const row = page.getByRole('row').filter({ hasText: SESSION_NAME });
  await row.getByRole('button', { name: 'Join' }).click();
  await page.waitForURL((u) => u.pathname === `/sessions/${s.session.id}/view`);
  // Nothing is shown until the guest allows it in the guest window.
  await page.waitForFunction(() => /Waiting for the guest to allow the connection/
    .test(document.querySelector('[data-testid=viewer-status]')?.textContent ?? ''), null, { timeout: STEP_TIMEOUT });
  assert.equal((await canvasState(page)).frames, 0, 'no picture before the guest allows');
  await allowInGuestWindow(s.x.display);
  await page.waitForFunction(({ w, h }) => {
    const c = document.getElementById('screen');
    const status = document.querySelector('[data-testid=viewer-status]');
    return status?.textContent === 'Connected' && c && Number(c.dataset.frames) >= 1 &&
      Number(c.dataset.width) === w && Number(c.dataset.height) === h;
  }, { w: SCREEN.width, h: SCREEN.height }, { timeout: STEP_TIMEOUT });
}

// The grid tiles (64 px) that hold only xterm text and its background: sent lossless.
const TEXT_AREA = { x: 0, y: 0, width: 576, height: 384 };

// Compares the canvas with a screenshot from the X server (tests/lib/e2e_browser.mjs).
const assertMatchesX = (s, label) => assertCanvasMatchesX(s.page, s.x.display, label, {
  rects: { picture: PICTURE, text: TEXT_AREA }, lossless: 'text', prefix: 'remote_control',
});

// A point of the guest's screen → a click position on the (scaled) canvas, in CSS pixels.
async function canvasPoint(page, gx, gy) {
  const box = await page.locator('#screen').boundingBox();
  assert.ok(box && box.width > 0, 'the screen canvas is laid out');
  return { x: (gx + 0.5) * box.width / SCREEN.width, y: (gy + 0.5) * box.height / SCREEN.height };
}

const fileContent = (file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : null);

test('the host sees the guest\'s screen and controls it', { timeout: 180000 }, async () => {
  await withStack('control', async (s) => {
    const { page } = s;
    const t0 = Date.now();
    await joinFromPanel(s);
    console.log(`# joined and first picture after ${Date.now() - t0} ms`);

    // (a) The canvas shows what the X server has.
    await assertMatchesX(s, 'first picture');

    // (b) Typing on the page runs a command in the guest's xterm. Click inside the xterm
    // (without a window manager the X focus follows the pointer).
    const stamp = `${process.pid}-${Date.now()}`;
    const typed = path.join(os.tmpdir(), `tether-e2e-typed-${stamp}`);
    const blocked = path.join(os.tmpdir(), `tether-e2e-viewonly-${stamp}`);
    const rogueFile = path.join(os.tmpdir(), `tether-e2e-rogue-${stamp}`);
    try {
      await page.locator('#screen').click({ position: await canvasPoint(page, 200, 150) });
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'screen', 'the canvas has the focus');
      const tType = Date.now();
      await page.keyboard.type(`echo e2e-typed > ${typed}`);
      await page.keyboard.press('Enter');
      await waitUntil(`${typed} with "e2e-typed"`, () => fileContent(typed) === 'e2e-typed', 10000);
      console.log(`# typed command ran after ${Date.now() - tType} ms`);
      // The echo and the new prompt reached the canvas too (delta frames).
      await assertMatchesX(s, 'after typing');

      // (c) View-only: the button shows it is on, and keys typed on the page change nothing.
      const viewOnly = page.getByRole('button', { name: 'View only' });
      assert.equal(await viewOnly.getAttribute('aria-pressed'), 'false');
      const droppedBefore = await metric(s.server, 'tether_relay_input_dropped_view_only_total');
      await viewOnly.click();
      await page.waitForFunction(() => [...document.querySelectorAll('button')]
        .some((b) => b.textContent.trim() === 'View only' && b.getAttribute('aria-pressed') === 'true'));
      // "Send keys" and "Send clipboard" are off while view-only.
      assert.equal(await page.getByRole('button', { name: 'Send clipboard' }).isDisabled(), true);
      // Give the relay's ViewOnly answer a moment, then put the focus back on the screen (the
      // click went to the button; Enter there would switch view-only off again).
      await sleep(300);
      await page.locator('#screen').click({ position: await canvasPoint(page, 200, 150) });
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'screen', 'the canvas has the focus');
      assert.equal(await viewOnly.getAttribute('aria-pressed'), 'true', 'still view-only after clicking the screen');
      await page.keyboard.type(`echo e2e-blocked > ${blocked}`);
      await page.keyboard.press('Enter');
      await sleep(2000);
      assert.equal(fs.existsSync(blocked), false, 'a command typed while view-only ran on the guest');
      const droppedAfter = await metric(s.server, 'tether_relay_input_dropped_view_only_total');
      console.log(`# tether_relay_input_dropped_view_only_total: ${droppedBefore} before view-only, ${droppedAfter} after ` +
        'typing on the page');
      // The page itself sends no input while view-only, so the relay has nothing to drop.
      assert.equal(droppedAfter, droppedBefore, 'the viewer sent input to the relay while view-only');

      // The relay enforces view-only too: a host that asks for view-only and then sends keys
      // anyway (a raw WebSocket, not the page) has them dropped and counted.
      const auth = await login(s.server, 'admin', strongPassword);
      const rogue = await connectViewer(s.server, s.session.id, { cookie: auth.cookie });
      try {
        rogue.send(hostHello());
        await rogue.control(CONTROL_KIND.welcome);
        // The guest allowed admin already in this run: the agent allows this connection by itself.
        await consentGranted(rogue, 10000);
        rogue.send(viewOnlyFrame(true));
        await rogue.next((f) => f.channel === CONTROL && f.raw.equals(viewOnlyFrame(true)), 5000);
        const keys = keysymsFor(`echo e2e-rogue > ${rogueFile}\n`);
        for (const ks of keys) {
          rogue.send(keyEvent(ks, true));
          rogue.send(keyEvent(ks, false));
        }
        await waitUntil('the relay to count the dropped keys', async () =>
          (await metric(s.server, 'tether_relay_input_dropped_view_only_total')) >= droppedAfter + 2 * keys.length, 5000);
        await sleep(2000);
        assert.equal(fs.existsSync(rogueFile), false, 'keys from a view-only host reached the guest');
        const droppedRogue = await metric(s.server, 'tether_relay_input_dropped_view_only_total');
        console.log(`# tether_relay_input_dropped_view_only_total after ${2 * keys.length} key events from a view-only raw host: ` +
          `${droppedRogue}`);
        assert.equal(droppedRogue, droppedAfter + 2 * keys.length);
      } finally {
        rogue.close();
      }
    } finally {
      fs.rmSync(typed, { force: true });
      fs.rmSync(blocked, { force: true });
      fs.rmSync(rogueFile, { force: true });
    }
  });
});

test('the view comes back by itself after the server restarts', { timeout: 180000 }, async () => {
  await withStack('restart', async (s) => {
    const { page } = s;
    await joinFromPanel(s);  // frames flow: at least one drawn

    // Every status the page shows from now on.
    await page.evaluate(() => {
      const el = document.querySelector('[data-testid=viewer-status]');
      window.__statuses = [el.textContent];
      new MutationObserver(() => {
        const t = el.textContent;
        if (window.__statuses[window.__statuses.length - 1] !== t) window.__statuses.push(t);
      }).observe(el, { childList: true, characterData: true, subtree: true });
    });
    const before = await canvasState(page);

    const old = s.server;
    const tStop = Date.now();
    await old.stop();
    await page.waitForFunction(() => /Reconnecting/.test(document.querySelector('[data-testid=viewer-status]').textContent),
      null, { timeout: STEP_TIMEOUT });
    const tReconnecting = Date.now();
    s.server = await startTetherd({
      dataDir: old.dataDir,
      webListen: `127.0.0.1:${old.webPort}`,
      relayListen: `127.0.0.1:${old.relayPort}`,
    });
    const tStarted = Date.now();
    assert.equal(s.server.pin, old.pin, 'the server kept its key');

    // Back to "Connected" with new frames, without any click.
    await page.waitForFunction((n) => {
      const status = document.querySelector('[data-testid=viewer-status]').textContent;
      return status === 'Connected' && Number(document.getElementById('screen').dataset.frames) > n;
    }, before.frames, { timeout: 30000, polling: 100 }).catch(async (err) => {
      const now = await canvasState(page).catch(() => null);
      throw new Error(`the viewer did not come back within 30 s of the restart: ${err.message}\n` +
        `now: ${JSON.stringify(now)}; statuses: ${JSON.stringify(await page.evaluate(() => window.__statuses).catch(() => null))}`);
    });
    const tBack = Date.now();
    const after = await canvasState(page);
    const statuses = await page.evaluate(() => window.__statuses);
    console.log(`# restart: stopped in ${tReconnecting - tStop} ms to "Reconnecting…", new server ready after ` +
      `${tStarted - tStop} ms, viewer "Connected" with new frames ${tBack - tStarted} ms after that ` +
      `(${tBack - tStop} ms in all); frames ${before.frames} → ${after.frames}; statuses ${JSON.stringify(statuses)}`);
    assert.ok(statuses.some((t) => /Reconnecting/.test(t)), 'the page said it was reconnecting');
    assert.equal(after.status, 'Connected');
    assert.equal(after.width, SCREEN.width);
    assert.equal(after.height, SCREEN.height);
    await assertMatchesX(s, 'after the restart');
  });
});

test('the viewer follows the guest window: stopped sharing, asked again, ended by the guest', { timeout: 180000 }, async () => {
  await withStack('consent', async (s) => {
    const { page } = s;
    await joinFromPanel(s);  // the guest clicked Allow; frames flow
    const status = () => page.evaluate(() => document.querySelector('[data-testid=viewer-status]')?.textContent ?? '');

    // Stop sharing: the viewer says so and hides the picture; it may ask again.
    await clickGuestButton(s.x.display, 'stopSharing');
    await waitUntil('"The guest stopped sharing"', async () => (await status()) === 'The guest stopped sharing');
    assert.equal(await page.locator('.screen-wrap.hidden').count(), 1, 'the last picture is hidden');
    await page.getByRole('button', { name: 'Ask the guest again' }).click();
    await waitUntil('"Waiting for the guest to allow"', async () => /Waiting for the guest to allow/.test(await status()));
    await allowInGuestWindow(s.x.display);
    await waitUntil('"Connected" with a picture again', async () => (await status()) === 'Connected' &&
      (await page.locator('.screen-wrap.hidden').count()) === 0);

    // End session in the guest window: the viewer says the guest ended it.
    await clickGuestButton(s.x.display, 'endSession');
    await waitUntil('"The guest ended the session"', async () => (await status()) === 'The guest ended the session');
    assert.equal((await s.agent.exited).code, 0, s.agent.output);

    // The timeline, in order, with the right names.
    const auth = await login(s.server, 'admin', strongPassword);
    let kinds = [];
    await waitUntil('the ended event', async () => {
      const r = await request(s.server, 'GET', `/api/v1/sessions/${s.session.id}/events`, { headers: { cookie: auth.cookie } });
      kinds = r.json.events.map((e) => `${e.kind}:${e.actor}${e.detail && e.kind.startsWith('consent_') ? `:${e.detail}` : ''}`);
      return kinds.includes('ended:guest');
    });
    const want = ['created:admin', 'guest_connected:guest', 'host_waiting:admin', 'consent_asked:admin',
      'consent_granted:guest:admin', 'host_joined:admin', 'consent_withdrawn:guest:admin', 'consent_asked:admin',
      'consent_granted:guest:admin', 'ended:guest'];
    const got = kinds.filter((k) => want.includes(k));
    assert.deepEqual(got, want, kinds.join(', '));
  });
});
