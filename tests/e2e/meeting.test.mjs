// Browser end-to-end test of a meeting: the host creates it on the panel's Meeting tab, the
// real agent presents with its code (no question in the guest window: joining a meeting is the
// presenter's consent), three viewer pages in Chromium watch at once, view-only. The late
// viewer's first picture is complete: its canvas matches a screenshot from the X server
// within a bounded number of frames.
//
//   node --test --test-concurrency=1 tests/e2e/meeting.test.mjs
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import {
  agentBin, login, request, setupAdmin, startAgent, startTetherd, strongPassword, tetherdBin,
} from '../lib/tetherd.mjs';
import { artifactsDir, assertUiBuilt } from '../lib/browser.mjs';
import {
  STEP_TIMEOUT, assertCanvasMatchesX, canvasState, launchBrowser, logInPage, sleep,
} from '../lib/e2e_browser.mjs';
import { xdotool } from '../lib/guest_window.mjs';
import { testPicture, xShowPicture } from '../lib/x11shot.mjs';
import { startXvfb } from '../lib/xvfb.mjs';

const SCREEN = { width: 1024, height: 768 };
const PICTURE = { x: 620, y: 420, width: 380, height: 330 };
const TEXT_AREA = { x: 0, y: 0, width: 576, height: 384 };
const MEETING = 'Quarterly review';
// The late viewer's canvas must match the X screen after at most this many frames: its first
// frame is a key frame of the whole screen, and a frame or two may follow (cursor, xterm).
const LATE_FRAME_BOUND = 3;

const connected = (page) => page.waitForFunction(({ w, h }) => {
  const c = document.getElementById('screen');
  const status = document.querySelector('[data-testid=viewer-status]');
  return status?.textContent === 'Connected' && c && Number(c.dataset.frames) >= 1 &&
    Number(c.dataset.width) === w && Number(c.dataset.height) === h;
}, { w: SCREEN.width, h: SCREEN.height }, { timeout: STEP_TIMEOUT, polling: 20 });

test('a meeting: made on the panel, presented by the agent, watched by three viewers; the late one sees everything at once',
  { timeout: 240000 }, async () => {
    for (const bin of [tetherdBin, agentBin]) assert.ok(fs.existsSync(bin), `binary missing: ${bin} (build it first)`);
    assertUiBuilt();
    const cleanups = [], problems = [];
    let server, agent, page;
    try {
      const x = await startXvfb(SCREEN);
      cleanups.push(() => x.stop());
      x.run('xterm', ['-geometry', '100x30+0+0', '-e', 'sh']);
      const picture = await xShowPicture(x.display, { ...PICTURE, rgba: testPicture(PICTURE.width, PICTURE.height, 7) });
      cleanups.push(() => picture.close());
      server = await startTetherd();
      cleanups.push(() => server.stop());
      await setupAdmin(server);
      let context;
      ({ context, page } = await launchBrowser(cleanups, problems));

      // The Meeting tab makes the meeting.
      await logInPage(page, server.baseUrl, 'admin', strongPassword);
      await page.getByRole('tab', { name: 'Meeting' }).click();
      await page.getByLabel('Session name').fill(MEETING);
      await page.getByRole('button', { name: 'Create meeting' }).click();
      const row = page.getByRole('row').filter({ hasText: MEETING });
      await row.waitFor();
      const auth = await login(server, 'admin', strongPassword);
      const list = await request(server, 'GET', '/api/v1/sessions?type=meeting', { headers: { cookie: auth.cookie } });
      const meeting = list.json.sessions.find((s) => s.name === MEETING);
      assert.ok(meeting?.code, `the meeting has a code: ${list.body}`);

      // The presenter joins with the code; nobody clicks anything in the guest window.
      await sleep(500);  // the xterm is mapped
      agent = startAgent(server, meeting.code, x.display);
      cleanups.push(async () => {
        await Promise.race([agent.stop(), sleep(5000)]);
        if (agent.proc.exitCode === null && agent.proc.signalCode === null) agent.proc.kill('SIGKILL');
      });
      await agent.waitFor(/joined through tetherd/);

      // Two viewers: from the panel's Join, and by the viewer's address.
      await row.getByRole('button', { name: 'Join' }).click();
      await connected(page);
      const second = await context.newPage();
      await second.goto(new URL(`/sessions/${meeting.id}/view`, server.baseUrl).href);
      await connected(second);
      for (const p of [page, second]) {
        assert.equal(await p.getByRole('button', { name: 'View only' }).getAttribute('aria-pressed'), 'true',
          'a meeting viewer is view-only');
      }

      // The screen changes while they watch (typed by an X client on the presenter's side).
      await xdotool(x.display, ['mousemove', '200', '150']);
      await xdotool(x.display, ['type', '--delay', '20', 'echo meeting in progress']);
      await sleep(500);

      // The late viewer.
      const late = await context.newPage();
      const tJoin = Date.now();
      await late.goto(new URL(`/sessions/${meeting.id}/view`, server.baseUrl).href);
      await connected(late);
      const tFirst = Date.now();
      const first = await canvasState(late);
      const frames = await assertCanvasMatchesX(late, x.display, 'late viewer', {
        rects: { picture: PICTURE, text: TEXT_AREA }, lossless: 'text', prefix: 'meeting',
      });
      console.log(`# late viewer: first picture ${tFirst - tJoin} ms after opening the page (page load included); ` +
        `${first.frames} frame(s) drawn then; matched the X screen after ${frames} frame(s)`);
      assert.ok(frames <= LATE_FRAME_BOUND, `the late viewer needed ${frames} frames (bound ${LATE_FRAME_BOUND})`);
      for (const [p, label] of [[page, 'first viewer'], [second, 'second viewer']]) {
        await assertCanvasMatchesX(p, x.display, label, { rects: { picture: PICTURE, text: TEXT_AREA }, lossless: 'text', prefix: 'meeting' });
      }
      assert.doesNotMatch(agent.output, /asks to see and control/, 'the presenter was not asked');
    } catch (err) {
      fs.mkdirSync(artifactsDir, { recursive: true });
      const file = path.join(artifactsDir, `meeting-${Date.now()}.png`);
      await page?.screenshot({ path: file, fullPage: true }).catch(() => {});
      err.message += `\nscreenshot: ${file}\nbrowser: ${problems.join('\n') || '(quiet)'}` +
        `\nagent output (tail):\n${agent?.output.slice(-3000)}\ntetherd stderr (tail):\n${server?.stderr.slice(-3000)}`;
      throw err;
    } finally {
      for (const c of cleanups.reverse()) {
        try { await c(); } catch (e) { console.log(`cleanup: ${e.message}`); }
      }
    }
  });
