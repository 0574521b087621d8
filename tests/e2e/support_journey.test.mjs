// A support session as a help desk lives it, in Chromium against a real tetherd and agent: the
// host (a user with the Host role) creates the session in the control panel; the guest, in a
// separate browser, types the code on the guest page and downloads the signed configuration;
// the real agent runs that file on an Xvfb display; the host joins from the panel and waits
// until the guest clicks Allow in the guest window; the host sees the guest's screen; the guest
// presses End session; the host's view says so, and the session's timeline in the panel lists
// created, guest connected, consent granted, host joined and ended, in order, with the names.
//
//   node --test --test-concurrency=1 tests/e2e/support_journey.test.mjs
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  login, request, setupAdmin, spawnAgent, startTetherd, strongPassword, tempDir, tether,
} from '../lib/tetherd.mjs';
import { allowInGuestWindow, clickGuestButton } from '../lib/guest_window.mjs';
import { compareRgba, testPicture, xScreenshot, xShowPicture } from '../lib/x11shot.mjs';
import { artifactsDir, assertUiBuilt, launchChromium } from '../lib/browser.mjs';
import { startXvfb } from '../lib/xvfb.mjs';

const STEP_TIMEOUT = 15000;
const SCREEN = { width: 800, height: 600 };
const PICTURE = { x: 420, y: 300, width: 360, height: 280 };
const HOST = 'maria';
const SESSION_NAME = 'Anna cannot print';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let server, browser, x, dir, picture;
const problems = [];

before(async () => {
  assertUiBuilt();
  x = await startXvfb(SCREEN);
  x.run('xterm', ['-geometry', '60x20+0+0', '-e', 'sh']);
  picture = await xShowPicture(x.display, { ...PICTURE, rgba: testPicture(PICTURE.width, PICTURE.height, 7) });
  server = await startTetherd();
  await setupAdmin(server);
  const added = await tether(server, ['user', 'add', HOST, '--role', 'Host', '--password-stdin'], { input: `${strongPassword}\n` });
  assert.equal(added.code, 0, added.stderr);
  dir = tempDir('tether-e2e-journey-');
  browser = await launchChromium();
});

after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
  await picture?.close().catch(() => {});
  await x?.stop();
  if (server) fs.rmSync(server.dataDir, { recursive: true, force: true });
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function newPage(name) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(STEP_TIMEOUT);
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`${name} console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`${name} pageerror: ${e.message}`));
  return page;
}

const viewerStatus = (page) => page.evaluate(() => document.querySelector('[data-testid=viewer-status]')?.textContent ?? '');

async function waitFor(what, fn, timeoutMs = STEP_TIMEOUT) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

test('a host helps a guest from the panel: guest page, signed file, consent, view, End session, timeline', { timeout: 180000 }, async () => {
  const host = await newPage('host');
  const guest = await newPage('guest');
  let agent;
  try {
    const base = `https://127.0.0.1:${server.webPort}`;
    // The host logs in and creates the session in the panel.
    await host.goto(`${base}/login`);
    await host.getByLabel('User name').fill(HOST);
    await host.getByLabel('Password', { exact: true }).fill(strongPassword);
    await host.getByRole('button', { name: 'Log in' }).click();
    await host.waitForURL((u) => u.pathname === '/');
    await host.getByLabel('Session name').fill(SESSION_NAME);
    await host.getByRole('button', { name: 'Create session' }).click();
    const row = host.getByRole('row').filter({ hasText: SESSION_NAME });
    await row.waitFor();
    const code = (await row.locator('td.code').textContent()).trim();
    assert.match(code, /^\d{6,}$/, 'the panel shows the generated code');

    // The guest types the code on the guest page and gets the signed file in one step.
    await guest.goto(`${base}/guest`);
    await guest.fill('#code', code);
    const [download] = await Promise.all([
      guest.waitForEvent('download'),
      guest.getByRole('button', { name: 'Download my connection file' }).click(),
    ]);
    const file = path.join(dir, download.suggestedFilename());
    await download.saveAs(file);
    const key = (await request(server, 'GET', '/api/v1/guest/signing-key')).json.public_key;
    agent = spawnAgent(['--display', x.display, 'run', '--config', file, '--trust-key', key], { env: { TETHER_AGENT_TRUST: '' } });
    await agent.waitFor(/joined through tetherd/);

    // The host joins from the panel; nothing is shown until the guest allows it.
    await row.getByRole('button', { name: 'Join' }).click();
    await host.waitForURL((u) => u.pathname.endsWith('/view'));
    await waitFor('the viewer to wait for consent', async () => /Waiting for the guest to allow/.test(await viewerStatus(host)));
    await allowInGuestWindow(x.display);
    await host.waitForFunction(({ w, h }) => {
      const c = document.getElementById('screen');
      return document.querySelector('[data-testid=viewer-status]')?.textContent === 'Connected' &&
        c && Number(c.dataset.frames) >= 1 && Number(c.dataset.width) === w && Number(c.dataset.height) === h;
    }, { w: SCREEN.width, h: SCREEN.height });

    // What the host sees is the guest's screen (the picture area, compared with the X server).
    const match = await waitFor('the canvas to show the guest\'s picture', async () => {
      const shot = await xScreenshot(x.display);
      const b64 = await host.evaluate(() => {
        const c = document.getElementById('screen');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let bin = '';
        for (let i = 0; i < d.length; i += 0x8000) bin += String.fromCharCode.apply(null, d.subarray(i, i + 0x8000));
        return btoa(bin);
      });
      const c = compareRgba(Buffer.from(b64, 'base64'), shot.rgba, shot.width, shot.height, { rect: PICTURE });
      return c.meanAbs < 6 && c.bad < 0.02 ? c : null;
    });
    console.log(`# picture area, canvas vs X screen: mean abs diff ${match.meanAbs.toFixed(3)}/channel`);

    // The guest ends the session from the guest window: the host is told, the agent leaves.
    await clickGuestButton(x.display, 'endSession');
    await waitFor('"The guest ended the session"', async () => (await viewerStatus(host)) === 'The guest ended the session');
    const exit = await Promise.race([agent.exited, sleep(10000).then(() => null)]);
    assert.deepEqual(exit, { code: 0, signal: null }, agent.output);

    // The timeline in the panel, in order, with the names.
    await host.goto(`${base}/`);
    await host.getByLabel('Show ended').check();
    await host.getByRole('row').filter({ hasText: SESSION_NAME }).getByRole('button', { name: SESSION_NAME }).click();
    const timeline = host.getByRole('list', { name: 'Timeline' });
    const want = [`Created by ${HOST}`, 'Guest connected', `Consent granted to ${HOST}`, `${HOST} joined`, 'Ended by guest'];
    const lines = await waitFor('the ended event on the timeline', async () => {
      const items = await timeline.locator('li > span').allTextContents();
      return items.includes('Ended by guest') ? items : null;
    });
    assert.deepEqual(lines.filter((l) => want.includes(l)), want, lines.join(' | '));
    // And the same through the API, with the actors.
    const auth = await login(server, HOST, strongPassword);
    const session = (await request(server, 'GET', '/api/v1/sessions?ended=true&limit=5', { headers: { cookie: auth.cookie } }))
      .json.sessions.find((s) => s.name === SESSION_NAME);
    const events = (await request(server, 'GET', `/api/v1/sessions/${session.id}/events`, { headers: { cookie: auth.cookie } })).json.events;
    const kinds = events.map((e) => `${e.kind}:${e.actor}`);
    const wantKinds = [`created:${HOST}`, 'guest_connected:guest', 'consent_granted:guest', `host_joined:${HOST}`, 'ended:guest'];
    assert.deepEqual(kinds.filter((k) => wantKinds.includes(k)), wantKinds, kinds.join(', '));
    assert.equal(events.find((e) => e.kind === 'consent_granted').detail, HOST);
    assert.deepEqual(problems, []);
  } catch (err) {
    fs.mkdirSync(artifactsDir, { recursive: true });
    await host.screenshot({ path: path.join(artifactsDir, 'support_journey-host.png'), fullPage: true }).catch(() => {});
    err.message += `\nagent output:\n${agent?.output.slice(-3000) ?? ''}\ntetherd stderr:\n${server.stderr.slice(-3000)}`;
    throw err;
  } finally {
    if (agent && agent.proc.exitCode === null) agent.proc.kill('SIGTERM');
    await host.context().close();
    await guest.context().close();
  }
});
