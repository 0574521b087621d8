// The guest window of the real tether-agent on Xvfb, clicked with xdotool as the guest would:
// Allow lets the technician see the screen, Deny disconnects the technician, Stop sharing stops
// the video at once, End session ends the session for everyone, and while a question is open
// no technician's input is played. (Consent in time, with a real agent: consent.test.mjs.)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { login, request, setupAdmin, startAgent, startTetherd, strongPassword, tether } from '../lib/tetherd.mjs';
import {
  CONSENT, CONTROL, CONTROL_KIND, VIDEO, consentStateOf, keyEvent, keysymsFor,
  kindOf, parse,
} from '../lib/wire.mjs';
import {
  GUEST_WINDOW, clickGuestButton, findGuestWindow, promptShown, waitForPrompt, xdotool,
} from '../lib/guest_window.mjs';
import { consentEvents as consentEventsOf, joinViewer, keepWatching } from '../lib/relay_session.mjs';
import { startXvfb } from '../lib/xvfb.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const isVideoFrame = (f) => f.channel === VIDEO && kindOf(f.payload) === 1;
const consentState = (state) => (f) => f.channel === CONTROL && kindOf(f.payload) === CONTROL_KIND.consent_state &&
  consentStateOf(f.payload).state === state;

async function typeText(v, text) {
  for (const ks of keysymsFor(text)) {
    v.send(keyEvent(ks, true));
    v.send(keyEvent(ks, false));
  }
}

describe('guest window', () => {
  let x, server, auth;
  before(async () => {
    x = await startXvfb({ width: 1024, height: 768 });
    // A shell to type into, and a clock that changes the screen every 200 ms (there is always
    // something to send). Without a window manager the keyboard focus follows the pointer.
    x.run('xterm', ['-geometry', '80x20+0+0', '-e', 'sh']);
    x.run('xterm', ['-geometry', '40x4+0+560', '-e', 'sh', '-c', 'while true; do date +%T.%N; sleep 0.2; done']);
    await sleep(500);
    await xdotool(x.display, ['mousemove', '200', '150']);
    server = await startTetherd();
    await setupAdmin(server);
    auth = await login(server, 'admin', strongPassword);
  });
  after(async () => {
    await server?.stop();
    await x?.stop();
  });

  async function supportSession(name) {
    const r = await request(server, 'POST', '/api/v1/sessions', {
      headers: { cookie: auth.cookie, 'x-csrf-token': auth.csrf }, body: { type: 'support', name },
    });
    assert.equal(r.status, 201, r.body);
    return r.json.session;
  }
  const consentEvents = (s, count) => consentEventsOf(server, auth, s.id, count);


  test('the window is there from the start, kept small in the corner', async () => {
    const s = await supportSession('Window');
    const agent = startAgent(server, s.code, x.display);
    try {
      await agent.waitFor(/joined through tetherd/);
      const win = await findGuestWindow(x.display);
      assert.equal(win.width, GUEST_WINDOW.width);
      assert.equal(win.height, GUEST_WINDOW.height);
      assert.ok(win.x + win.width <= 1024 && win.y + win.height <= 768, JSON.stringify(win));
      assert.equal(await promptShown(x.display, win), false, 'no question before a technician asks');
    } finally {
      await agent.stop();
    }
  });

  test('Allow lets the technician see the screen; Stop sharing stops the video at once', async () => {
    const s = await supportSession('Allow');
    const agent = startAgent(server, s.code, x.display);
    try {
      await agent.waitFor(/joined through tetherd/);
      const v = await joinViewer(server, s.id, auth);
      await v.next(consentState(CONSENT.WAITING));
      await agent.waitFor(/technician admin asks to see and control this screen/);
      await waitForPrompt(x.display);
      await sleep(1000);
      assert.equal(v.frames.findIndex(isVideoFrame), -1, 'no picture before the guest allows');

      await clickGuestButton(x.display, 'allow');
      await v.next(consentState(CONSENT.GRANTED));
      await waitForPrompt(x.display, { shown: false });
      const seen = keepWatching(v);
      while (seen.frames < 3) await sleep(50);

      await clickGuestButton(x.display, 'stopSharing');
      await v.next(consentState(CONSENT.WITHDRAWN));
      await sleep(300);  // frames already on the way
      const at = seen.frames;
      await sleep(1500);  // the clock keeps changing the screen
      assert.equal(seen.frames, at, 'no frame after the guest stopped sharing');
      assert.equal(v.closed, false, 'the technician stays connected');
      assert.deepEqual(await consentEvents(s, 3), ['consent_asked:admin:', 'consent_granted:guest:admin',
        'consent_withdrawn:guest:admin']);
      seen.stop = true;
      v.close();
    } finally {
      await agent.stop();
    }
  });

  test('Deny disconnects the technician', async () => {
    const s = await supportSession('Deny');
    const agent = startAgent(server, s.code, x.display);
    try {
      await agent.waitFor(/joined through tetherd/);
      const v = await joinViewer(server, s.id, auth);
      await waitForPrompt(x.display);
      await clickGuestButton(x.display, 'deny');
      const denied = await v.next(consentState(CONSENT.DENIED));
      assert.equal(consentStateOf(denied.payload).timedOut, false);
      const err = parse(parse((await v.control(CONTROL_KIND.error)).payload)[5][0]);
      assert.equal(err[1][0], 4, 'FORBIDDEN');
      await v.waitClosed();
      assert.equal(v.frames.findIndex(isVideoFrame), -1);
      assert.deepEqual(await consentEvents(s, 2), ['consent_asked:admin:', 'consent_denied:guest:admin']);
    } finally {
      await agent.stop();
    }
  });

  test('while a question is open, no technician\'s input is played', async () => {
    const s = await supportSession('Second technician');
    const add = await tether(server, ['user', 'add', 'bob', '--role', 'Host', '--password-stdin'], { input: `${strongPassword}\n` });
    assert.equal(add.code, 0, add.stderr);
    const bob = await login(server, 'bob', strongPassword);
    const agent = startAgent(server, s.code, x.display);
    const file = path.join(os.tmpdir(), `tether-guest-window-${process.pid}`);
    fs.rmSync(file, { force: true });
    try {
      await agent.waitFor(/joined through tetherd/);
      const admin = await joinViewer(server, s.id, auth);
      await waitForPrompt(x.display);
      await clickGuestButton(x.display, 'allow');
      await admin.next(consentState(CONSENT.GRANTED));
      await waitForPrompt(x.display, { shown: false });

      // bob asks; while the question is on screen, admin's keys do nothing on the guest.
      const b = await joinViewer(server, s.id, bob);
      await agent.waitFor(/technician bob asks/);
      await waitForPrompt(x.display);
      await typeText(admin, `echo typed-while-asking > ${file}\n`);
      await sleep(1500);
      assert.equal(fs.existsSync(file), false, 'a key was played while the guest was being asked');
      await clickGuestButton(x.display, 'deny');
      await b.waitClosed();
      // The question is gone: admin's keys work again.
      await waitForPrompt(x.display, { shown: false });
      await typeText(admin, `echo typed-after > ${file}\n`);
      const deadline = Date.now() + 10000;
      while (!fs.existsSync(file) && Date.now() < deadline) await sleep(100);
      assert.equal(fs.readFileSync(file, 'utf8').trim(), 'typed-after');
      admin.close();
    } finally {
      fs.rmSync(file, { force: true });
      await agent.stop();
    }
  });

  test('End session ends the session for everyone', async () => {
    const s = await supportSession('End');
    const agent = startAgent(server, s.code, x.display);
    try {
      await agent.waitFor(/joined through tetherd/);
      const v = await joinViewer(server, s.id, auth);
      await waitForPrompt(x.display);
      await clickGuestButton(x.display, 'allow');
      await v.next(consentState(CONSENT.GRANTED));
      await clickGuestButton(x.display, 'endSession');
      const err = parse(parse((await v.control(CONTROL_KIND.error, 10000)).payload)[5][0]);
      assert.equal(err[1][0], 6, 'SESSION_ENDED');
      assert.equal(err[3]?.[0], 1, 'ended by the guest');
      assert.equal((await agent.exited).code, 0, agent.output);
      const r = await request(server, 'GET', `/api/v1/sessions/${s.id}`, { headers: { cookie: auth.cookie } });
      assert.ok(r.json.session.ended_at > 0, r.body);
    } finally {
      await agent.stop();
    }
  });
});
