// The agent's guest window (src/agent/ui/gtk_guest_window.h, docs/guest.md), driven as a person
// would: found by its title with xdotool, its buttons clicked with the mouse at their fixed
// places in the window. Whether the consent prompt is on screen is read from the X server's
// pixels (Allow is drawn blue, Deny red, both only while a question is open).
import { spawn } from 'node:child_process';
import { xScreenshot } from './x11shot.mjs';

export const GUEST_WINDOW = {
  title: 'Tether remote support',
  width: 440,
  height: 230,
  // x, y, width, height inside the window (GuestWindowLayout in gtk_guest_window.h)
  buttons: {
    deny: [224, 148, 96, 32],
    allow: [328, 148, 96, 32],
    stopSharing: [16, 186, 128, 32],
    endSession: [296, 186, 128, 32],
  },
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function xdotool(display, args, { timeoutMs = 5000 } = {}) {
  return new Promise((resolve) => {
    const p = spawn('xdotool', args, { env: { ...process.env, DISPLAY: display }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', (e) => { clearTimeout(timer); resolve({ code: -1, stdout, stderr: e.message }); });
    p.on('exit', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

const shellVars = (text) => Object.fromEntries(text.trim().split('\n').filter((l) => l.includes('='))
  .map((l) => { const i = l.indexOf('='); return [l.slice(0, i), Number(l.slice(i + 1))]; }));

// {id, x, y, width, height} of the guest window, once it is mapped.
export async function findGuestWindow(display, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await xdotool(display, ['search', '--onlyvisible', '--name', `^${GUEST_WINDOW.title}$`]);
    const id = found.stdout.trim().split('\n').filter(Boolean).pop();
    if (id) {
      const g = shellVars((await xdotool(display, ['getwindowgeometry', '--shell', id])).stdout);
      if (g.WIDTH === GUEST_WINDOW.width && g.HEIGHT === GUEST_WINDOW.height) {
        return { id, x: g.X, y: g.Y, width: g.WIDTH, height: g.HEIGHT };
      }
    }
    if (Date.now() > deadline) throw new Error(`no "${GUEST_WINDOW.title}" window on ${display} within ${timeoutMs} ms`);
    await sleep(100);
  }
}

// The mean colour of a button's middle, from the X server's pixels.
function buttonColour(shot, win, name) {
  const [bx, by, bw, bh] = GUEST_WINDOW.buttons[name];
  let r = 0, g = 0, b = 0, n = 0;
  // The middle band without the label: the left quarter of the button.
  for (let y = win.y + by + 6; y < win.y + by + bh - 6; y++) {
    for (let x = win.x + bx + 4; x < win.x + bx + Math.floor(bw / 4); x++) {
      const i = (y * shot.width + x) * 4;
      r += shot.rgba[i]; g += shot.rgba[i + 1]; b += shot.rgba[i + 2]; n++;
    }
  }
  return { r: r / n, g: g / n, b: b / n };
}

// Whether the consent prompt (blue Allow, red Deny) is on screen now.
export async function promptShown(display, win) {
  const shot = await xScreenshot(display);
  const allow = buttonColour(shot, win, 'allow');
  const deny = buttonColour(shot, win, 'deny');
  return allow.b > allow.r + 60 && deny.r > deny.b + 60;
}

export async function waitForPrompt(display, { shown = true, timeoutMs = 15000 } = {}) {
  const win = await findGuestWindow(display, timeoutMs);
  const deadline = Date.now() + timeoutMs;
  while ((await promptShown(display, win)) !== shown) {
    if (Date.now() > deadline) throw new Error(`the consent prompt was ${shown ? 'never shown' : 'still shown'} after ${timeoutMs} ms`);
    await sleep(100);
  }
  return win;
}

// Clicks a button of the guest window with the mouse, then puts the pointer back where it was
// (without a window manager the keyboard focus follows the pointer).
export async function clickGuestButton(display, name) {
  const win = await findGuestWindow(display);
  const [bx, by, bw, bh] = GUEST_WINDOW.buttons[name];
  const before = shellVars((await xdotool(display, ['getmouselocation', '--shell'])).stdout);
  const x = win.x + bx + Math.floor(bw / 2), y = win.y + by + Math.floor(bh / 2);
  const r = await xdotool(display, ['mousemove', '--sync', String(x), String(y), 'sleep', '0.1', 'click', '1', 'sleep', '0.1',
    'mousemove', '--sync', String(before.X ?? 0), String(before.Y ?? 0)]);
  if (r.code !== 0) throw new Error(`xdotool click failed: ${r.stderr}`);
  return win;
}

// Waits for the consent prompt and clicks Allow (or Deny); resolves once the prompt is gone.
export async function answerConsent(display, allow = true, { timeoutMs = 15000 } = {}) {
  await waitForPrompt(display, { timeoutMs });
  await clickGuestButton(display, allow ? 'allow' : 'deny');
  await waitForPrompt(display, { shown: false, timeoutMs: 5000 });
}

export const allowInGuestWindow = (display, opts) => answerConsent(display, true, opts);
export const denyInGuestWindow = (display, opts) => answerConsent(display, false, opts);
