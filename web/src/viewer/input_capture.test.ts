import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  InputCapture,
  KEY_COMBOS,
  KeyTracker,
  WheelAccumulator,
  comboEvents,
  displaySize,
  protocolButtons,
  toMonitorPoint,
  type KeyInit,
  type PointerInit,
} from './input_capture';

describe('toMonitorPoint', () => {
  const box = { left: 100, top: 50, width: 960, height: 540 };

  it('maps a canvas scaled to half size', () => {
    expect(toMonitorPoint(100, 50, box, 1920, 1080)).toEqual({ x: 0, y: 0 });
    expect(toMonitorPoint(580, 320, box, 1920, 1080)).toEqual({ x: 960, y: 540 });
    expect(toMonitorPoint(1059.9, 589.9, box, 1920, 1080)).toEqual({ x: 1919, y: 1079 });
    expect(toMonitorPoint(100.4, 50.6, box, 1920, 1080)).toEqual({ x: 0, y: 1 });
  });

  it('maps 1:1 and enlarged canvases', () => {
    expect(toMonitorPoint(110, 60, { left: 100, top: 50, width: 800, height: 600 }, 800, 600)).toEqual({ x: 10, y: 10 });
    expect(toMonitorPoint(130, 80, { left: 100, top: 50, width: 1600, height: 1200 }, 800, 600)).toEqual({ x: 15, y: 15 });
  });

  it('clamps points outside the canvas to its edges', () => {
    expect(toMonitorPoint(0, 0, box, 1920, 1080)).toEqual({ x: 0, y: 0 });
    expect(toMonitorPoint(5000, 5000, box, 1920, 1080)).toEqual({ x: 1919, y: 1079 });
  });

  it('copes with a canvas that has no size yet', () => {
    expect(toMonitorPoint(10, 10, { left: 0, top: 0, width: 0, height: 0 }, 1920, 1080)).toEqual({ x: 0, y: 0 });
    expect(toMonitorPoint(10, 10, box, 0, 0)).toEqual({ x: 0, y: 0 });
  });
});

describe('displaySize', () => {
  it('fits keeping the aspect ratio', () => {
    expect(displaySize(1920, 1080, 960, 1000, 'fit')).toEqual({ width: 960, height: 540, scale: 0.5 });
    expect(displaySize(1920, 1080, 2000, 540, 'fit')).toEqual({ width: 960, height: 540, scale: 0.5 });
    expect(displaySize(800, 600, 1600, 1600, 'fit')).toEqual({ width: 1600, height: 1200, scale: 2 });
  });

  it('shows one monitor pixel per device pixel at 1:1', () => {
    expect(displaySize(1920, 1080, 960, 540, 'actual')).toEqual({ width: 1920, height: 1080, scale: 1 });
    expect(displaySize(1920, 1080, 960, 540, 'actual', 2)).toEqual({ width: 960, height: 540, scale: 0.5 });
  });

  it('handles empty frames and areas', () => {
    expect(displaySize(0, 0, 100, 100, 'fit')).toEqual({ width: 0, height: 0, scale: 1 });
    expect(displaySize(100, 50, 0, 0, 'fit')).toEqual({ width: 100, height: 50, scale: 1 });
  });
});

describe('protocolButtons', () => {
  it('swaps the DOM\'s right (2) and middle (4)', () => {
    expect(protocolButtons(0)).toBe(0);
    expect(protocolButtons(1)).toBe(1);   // left
    expect(protocolButtons(4)).toBe(2);   // middle
    expect(protocolButtons(2)).toBe(4);   // right
    expect(protocolButtons(8)).toBe(8);   // back
    expect(protocolButtons(16)).toBe(16); // forward
    expect(protocolButtons(1 | 2 | 4 | 8 | 16)).toBe(31);
    expect(protocolButtons(32)).toBe(0);  // pen eraser etc.
  });
});

describe('WheelAccumulator', () => {
  it('turns 100 px into one notch, keeping the sign', () => {
    const w = new WheelAccumulator();
    expect(w.add(0, 100, 0)).toEqual({ x: 0, y: 1 });
    expect(w.add(0, -100, 0)).toEqual({ x: 0, y: -1 });
    expect(w.add(-200, 0, 0)).toEqual({ x: -2, y: 0 });
  });

  it('adds touchpad fractions up to whole notches', () => {
    const w = new WheelAccumulator();
    expect(w.add(0, 30, 0)).toEqual({ x: 0, y: 0 });
    expect(w.add(0, 30, 0)).toEqual({ x: 0, y: 0 });
    expect(w.add(0, 45, 0)).toEqual({ x: 0, y: 1 });
    expect(w.add(0, 100, 0)).toEqual({ x: 0, y: 1 });  // 5 left over + 100
    w.reset();
    expect(w.add(0, 99, 0)).toEqual({ x: 0, y: 0 });
  });

  it('counts three lines, or one page, as a notch', () => {
    const w = new WheelAccumulator();
    expect(w.add(0, 3, 1)).toEqual({ x: 0, y: 1 });
    expect(w.add(0, 1, 2)).toEqual({ x: 0, y: 1 });
  });

  it('clamps absurd deltas', () => {
    expect(new WheelAccumulator().add(0, 1e9, 0)).toEqual({ x: 0, y: 100 });
  });
});

describe('KeyTracker', () => {
  it('releases a key with the keysym it was pressed with', () => {
    const k = new KeyTracker();
    expect(k.event('Shift', 'ShiftLeft', true)).toEqual({ keysym: 0xffe1, code: 'ShiftLeft', down: true });
    expect(k.event('A', 'KeyA', true)).toEqual({ keysym: 0x41, code: 'KeyA', down: true });
    expect(k.event('Shift', 'ShiftLeft', false)).toEqual({ keysym: 0xffe1, code: 'ShiftLeft', down: false });
    expect(k.event('a', 'KeyA', false)).toEqual({ keysym: 0x41, code: 'KeyA', down: false });
    expect(k.anyHeld).toBe(false);
  });

  it('repeats with the first keysym', () => {
    const k = new KeyTracker();
    k.event('a', 'KeyA', true);
    expect(k.event('A', 'KeyA', true)).toEqual({ keysym: 0x61, code: 'KeyA', down: true });
  });

  it('sends nothing for dead keys and knows what is held', () => {
    const k = new KeyTracker();
    expect(k.event('Dead', 'BracketLeft', true)).toBeNull();
    expect(k.anyHeld).toBe(false);
    k.event('Control', 'ControlRight', true);
    expect(k.anyHeld).toBe(true);
    k.clear();
    expect(k.anyHeld).toBe(false);
  });

  it('works without a code', () => {
    const k = new KeyTracker();
    expect(k.event('x', '', true)).toEqual({ keysym: 0x78, code: '', down: true });
    expect(k.event('x', '', false)).toEqual({ keysym: 0x78, code: '', down: false });
  });
});

describe('key combos', () => {
  it('press in order and release in reverse', () => {
    const cad = KEY_COMBOS.find((c) => c.label === 'Ctrl+Alt+Del')!;
    expect(comboEvents(cad).map((e) => [e.keysym, e.down])).toEqual([
      [0xffe3, true], [0xffe9, true], [0xffff, true], [0xffff, false], [0xffe9, false], [0xffe3, false],
    ]);
  });

  it('offer the brief\'s chords', () => {
    expect(KEY_COMBOS.map((c) => c.label)).toEqual(['Ctrl+Alt+Del', 'Ctrl+Esc', 'Alt+Tab', 'Alt+F4', 'Super']);
    const f4 = KEY_COMBOS.find((c) => c.label === 'Alt+F4')!;
    expect(f4.keys[1].keysym).toBe(0xffc1);
    const sup = KEY_COMBOS.find((c) => c.label === 'Super')!;
    expect(comboEvents(sup)).toEqual([{ keysym: 0xffeb, code: 'MetaLeft', down: true }, { keysym: 0xffeb, code: 'MetaLeft', down: false }]);
  });
});

// --- InputCapture with a minimal fake DOM -------------------------------------------------

class FakeElement extends EventTarget {
  focused = false;
  captured: number[] = [];
  box = { left: 10, top: 20, width: 400, height: 300 };
  getBoundingClientRect() { return { ...this.box, right: this.box.left + this.box.width, bottom: this.box.top + this.box.height, x: this.box.left, y: this.box.top }; }
  focus() { this.focused = true; }
  setPointerCapture(id: number) { this.captured.push(id); }
}

function domEvent(type: string, props: Record<string, unknown>): Event {
  const e = new Event(type, { cancelable: true });
  for (const [k, v] of Object.entries(props)) Object.defineProperty(e, k, { value: v });
  return e;
}

describe('InputCapture', () => {
  let el: FakeElement;
  let sent: (PointerInit | KeyInit | 'releaseAll')[];
  let capture: InputCapture;
  const g = globalThis as unknown as { window?: unknown; document?: unknown };
  let savedWindow: unknown;
  let savedDocument: unknown;

  beforeEach(() => {
    savedWindow = g.window;
    savedDocument = g.document;
    g.window = new EventTarget();
    g.document = Object.assign(new EventTarget(), { visibilityState: 'visible' });
    el = new FakeElement();
    sent = [];
    capture = new InputCapture(el as unknown as HTMLElement, {
      pointer: (p) => sent.push(p),
      key: (k) => sent.push(k),
      releaseAll: () => sent.push('releaseAll'),
    }, () => ({ monitor: 7, width: 800, height: 600 }));
    capture.attach();
    capture.setEnabled(true);
  });

  afterEach(() => {
    capture.detach();
    g.window = savedWindow;
    g.document = savedDocument;
  });

  it('maps pointer events through the display scale', () => {
    const down = domEvent('pointerdown', { clientX: 210, clientY: 170, buttons: 1, pointerId: 3 });
    el.dispatchEvent(down);
    expect(down.defaultPrevented).toBe(true);
    expect(el.focused).toBe(true);
    expect(el.captured).toEqual([3]);
    el.dispatchEvent(domEvent('pointermove', { clientX: 210.2, clientY: 170.2, buttons: 1 }));  // same monitor pixel
    el.dispatchEvent(domEvent('pointermove', { clientX: 212, clientY: 170, buttons: 1 }));
    el.dispatchEvent(domEvent('pointerup', { clientX: 212, clientY: 170, buttons: 0 }));
    expect(sent).toEqual([
      { monitor: 7, x: 400, y: 300, buttons: 1 },
      { monitor: 7, x: 404, y: 300, buttons: 1 },
      { monitor: 7, x: 404, y: 300, buttons: 0 },
    ]);
  });

  it('sends wheel notches and keeps the page from scrolling', () => {
    const wheel = domEvent('wheel', { clientX: 10, clientY: 20, deltaX: 0, deltaY: 200, deltaMode: 0 });
    el.dispatchEvent(wheel);
    expect(wheel.defaultPrevented).toBe(true);
    expect(sent).toEqual([{ monitor: 7, x: 0, y: 0, buttons: 0, wheelX: 0, wheelY: 2 }]);
  });

  it('captures keys, including the browser\'s own shortcuts', () => {
    const tab = domEvent('keydown', { key: 'Tab', code: 'Tab' });
    el.dispatchEvent(tab);
    expect(tab.defaultPrevented).toBe(true);
    el.dispatchEvent(domEvent('keyup', { key: 'Tab', code: 'Tab' }));
    const composing = domEvent('keydown', { key: 'Process', code: 'KeyA', isComposing: true });
    el.dispatchEvent(composing);
    expect(composing.defaultPrevented).toBe(false);
    expect(sent).toEqual([{ keysym: 0xff09, code: 'Tab', down: true }, { keysym: 0xff09, code: 'Tab', down: false }]);
  });

  it('releases everything when the focus goes', () => {
    el.dispatchEvent(domEvent('keydown', { key: 'Control', code: 'ControlLeft' }));
    el.dispatchEvent(new Event('blur'));
    (globalThis as unknown as { window: EventTarget }).window.dispatchEvent(new Event('blur'));
    expect(sent.slice(1)).toEqual(['releaseAll', 'releaseAll']);
  });

  it('releases held buttons when the pointer leaves', () => {
    el.dispatchEvent(domEvent('pointerleave', {}));
    expect(sent).toEqual([]);
    el.dispatchEvent(domEvent('pointerdown', { clientX: 20, clientY: 30, buttons: 2, pointerId: 1 }));
    el.dispatchEvent(domEvent('pointerleave', {}));
    expect(sent).toEqual([{ monitor: 7, x: 20, y: 20, buttons: 4 }, 'releaseAll']);
  });

  it('does nothing, and lets the browser have its keys, while view-only', () => {
    capture.setEnabled(false);
    const key = domEvent('keydown', { key: 'F5', code: 'F5' });
    el.dispatchEvent(key);
    el.dispatchEvent(domEvent('pointerdown', { clientX: 20, clientY: 30, buttons: 1, pointerId: 1 }));
    const wheel = domEvent('wheel', { clientX: 10, clientY: 20, deltaX: 0, deltaY: 200, deltaMode: 0 });
    el.dispatchEvent(wheel);
    capture.sendCombo(KEY_COMBOS[0]);
    expect(key.defaultPrevented).toBe(false);
    expect(wheel.defaultPrevented).toBe(false);
    expect(sent).toEqual([]);
  });

  it('sends a key combo', () => {
    capture.sendCombo(KEY_COMBOS[2]);
    expect(sent.map((e) => (e as KeyInit).keysym)).toEqual([0xffe9, 0xff09, 0xff09, 0xffe9]);
  });
});
