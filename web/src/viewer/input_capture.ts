// Mouse, wheel and keyboard on the screen canvas → InputMessages. The scaling math and the
// translations are pure functions (tested in input_capture.test.ts); InputCapture wires them to
// DOM events.
import type { MessageInitShape } from '@bufbuild/protobuf';
import { keysymFromKey, XK } from '../protocol/keysym';
import type { KeyEventSchema, PointerEventSchema } from '../protocol/gen/tether/v1/media_pb';

export type PointerInit = MessageInitShape<typeof PointerEventSchema>;
export type KeyInit = MessageInitShape<typeof KeyEventSchema>;

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

// A point on the displayed canvas (client coordinates) → monitor pixels, whatever the scale.
// Clamped to the monitor, so a drag that leaves the canvas ends at its edge.
export function toMonitorPoint(clientX: number, clientY: number, box: Box, frameWidth: number, frameHeight: number): { x: number; y: number } {
  if (box.width <= 0 || box.height <= 0 || frameWidth <= 0 || frameHeight <= 0) return { x: 0, y: 0 };
  const x = Math.floor(((clientX - box.left) * frameWidth) / box.width);
  const y = Math.floor(((clientY - box.top) * frameHeight) / box.height);
  return {
    x: Math.min(frameWidth - 1, Math.max(0, x)),
    y: Math.min(frameHeight - 1, Math.max(0, y)),
  };
}

export type ScaleMode = 'fit' | 'actual';

// The CSS size of the screen canvas. 'fit': as large as fits in the available area, keeping the
// aspect ratio. 'actual': one monitor pixel per device pixel (CSS size = pixels / DPR).
export function displaySize(frameWidth: number, frameHeight: number, availWidth: number, availHeight: number,
  mode: ScaleMode, devicePixelRatio = 1): { width: number; height: number; scale: number } {
  if (frameWidth <= 0 || frameHeight <= 0) return { width: 0, height: 0, scale: 1 };
  const dpr = devicePixelRatio > 0 ? devicePixelRatio : 1;
  const scale = mode === 'actual' || availWidth <= 0 || availHeight <= 0
    ? 1 / dpr
    : Math.min(availWidth / frameWidth, availHeight / frameHeight);
  return { width: frameWidth * scale, height: frameHeight * scale, scale };
}

// DOM MouseEvent.buttons (1 left, 2 right, 4 middle, 8 back, 16 forward) → PointerButton bits
// (1 left, 2 middle, 4 right, 8 back, 16 forward).
export function protocolButtons(domButtons: number): number {
  let b = 0;
  if (domButtons & 1) b |= 1;
  if (domButtons & 4) b |= 2;
  if (domButtons & 2) b |= 4;
  if (domButtons & 8) b |= 8;
  if (domButtons & 16) b |= 16;
  return b;
}

const DOM_DELTA_PIXEL = 0;
const DOM_DELTA_LINE = 1;
const PIXELS_PER_NOTCH = 100;  // Chromium and Firefox report 100 px per wheel notch (120 on some systems: rounds to 1)
const LINES_PER_NOTCH = 3;

// Wheel deltas → whole notches. Fractions (touchpads, high-resolution wheels) add up until a
// notch is complete; positive = right / down, as in the protocol.
export class WheelAccumulator {
  private x = 0;
  private y = 0;

  add(deltaX: number, deltaY: number, deltaMode: number): { x: number; y: number } {
    const unit = deltaMode === DOM_DELTA_PIXEL ? PIXELS_PER_NOTCH : deltaMode === DOM_DELTA_LINE ? LINES_PER_NOTCH : 1;
    this.x += deltaX / unit;
    this.y += deltaY / unit;
    const nx = Math.trunc(this.x);
    const ny = Math.trunc(this.y);
    this.x -= nx;
    this.y -= ny;
    return { x: clampNotches(nx), y: clampNotches(ny) };
  }

  reset(): void {
    this.x = 0;
    this.y = 0;
  }
}

function clampNotches(n: number): number {
  return Math.max(-100, Math.min(100, n)) + 0;  // + 0 turns -0 into 0
}

// Tracks held keys so that a key is released with the keysym it was pressed with (Shift may be
// let go first: "A" down, "a" up), and so that a focus loss knows whether anything is held.
export class KeyTracker {
  private readonly held = new Map<string, number>();

  // The KeyEvent for a keydown/keyup, or null when there is nothing to send.
  event(key: string, code: string, down: boolean): KeyInit | null {
    const id = code || `key:${key}`;
    if (down) {
      const keysym = this.held.get(id) ?? keysymFromKey(key, code);  // auto-repeat keeps the first keysym
      if (keysym === null) return null;
      this.held.set(id, keysym);
      return { keysym, code, down: true };
    }
    const keysym = this.held.get(id) ?? keysymFromKey(key, code);
    this.held.delete(id);
    if (keysym === null) return null;
    return { keysym, code, down: false };
  }

  get anyHeld(): boolean {
    return this.held.size > 0;
  }

  clear(): void {
    this.held.clear();
  }
}

// The "Send keys" menu: key chords the browser or the host's OS would otherwise keep.
export interface KeyCombo {
  label: string;
  keys: { keysym: number; code: string }[];  // pressed in order, released in reverse
}

export const KEY_COMBOS: readonly KeyCombo[] = [
  { label: 'Ctrl+Alt+Del', keys: [{ keysym: XK.Control_L, code: 'ControlLeft' }, { keysym: XK.Alt_L, code: 'AltLeft' }, { keysym: XK.Delete, code: 'Delete' }] },
  { label: 'Ctrl+Esc', keys: [{ keysym: XK.Control_L, code: 'ControlLeft' }, { keysym: XK.Escape, code: 'Escape' }] },
  { label: 'Alt+Tab', keys: [{ keysym: XK.Alt_L, code: 'AltLeft' }, { keysym: XK.Tab, code: 'Tab' }] },
  { label: 'Alt+F4', keys: [{ keysym: XK.Alt_L, code: 'AltLeft' }, { keysym: XK.F1 + 3, code: 'F4' }] },
  { label: 'Super', keys: [{ keysym: XK.Super_L, code: 'MetaLeft' }] },
];

export function comboEvents(combo: KeyCombo): KeyInit[] {
  return [
    ...combo.keys.map((k) => ({ keysym: k.keysym, code: k.code, down: true })),
    ...[...combo.keys].reverse().map((k) => ({ keysym: k.keysym, code: k.code, down: false })),
  ];
}

// --- DOM wiring ----------------------------------------------------------------------------

export interface InputSink {
  pointer(event: PointerInit): void;
  key(event: KeyInit): void;
  releaseAll(): void;
}

export interface FrameGeometry {
  monitor: number;
  width: number;
  height: number;
}

export class InputCapture {
  private readonly el: HTMLElement;
  private readonly sink: InputSink;
  private readonly geometry: () => FrameGeometry | null;
  private readonly keys = new KeyTracker();
  private readonly wheel = new WheelAccumulator();
  private enabled = false;
  private buttons = 0;
  private last: { x: number; y: number; buttons: number } | null = null;
  private readonly cleanups: (() => void)[] = [];

  constructor(el: HTMLElement, sink: InputSink, geometry: () => FrameGeometry | null) {
    this.el = el;
    this.sink = sink;
    this.geometry = geometry;
  }

  attach(): void {
    const on = <K extends keyof HTMLElementEventMap>(type: K, fn: (e: HTMLElementEventMap[K]) => void, opts?: AddEventListenerOptions) => {
      this.el.addEventListener(type, fn, opts);
      this.cleanups.push(() => this.el.removeEventListener(type, fn, opts));
    };
    on('pointerdown', (e) => this.onPointer(e, 'down'));
    on('pointermove', (e) => this.onPointer(e, 'move'));
    on('pointerup', (e) => this.onPointer(e, 'up'));
    on('pointercancel', () => this.releaseAll(false));
    on('pointerleave', () => { if (this.buttons !== 0) this.releaseAll(false); });
    on('wheel', (e) => this.onWheel(e), { passive: false });
    on('contextmenu', (e) => { if (this.enabled) e.preventDefault(); });
    on('keydown', (e) => this.onKey(e, true));
    on('keyup', (e) => this.onKey(e, false));
    // Focus lost: whatever the guest thinks is held (even keys pressed before the focus came
    // here) is released.
    on('blur', () => this.releaseAll(true));
    const onWindowBlur = () => this.releaseAll(true);
    const onVisibility = () => { if (document.visibilityState === 'hidden') this.releaseAll(true); };
    window.addEventListener('blur', onWindowBlur);
    document.addEventListener('visibilitychange', onVisibility);
    this.cleanups.push(() => window.removeEventListener('blur', onWindowBlur));
    this.cleanups.push(() => document.removeEventListener('visibilitychange', onVisibility));
  }

  detach(): void {
    for (const c of this.cleanups.splice(0)) c();
  }

  setEnabled(enabled: boolean): void {
    if (this.enabled && !enabled) this.releaseAll(false);
    this.enabled = enabled;
  }

  // Sends a key chord from the "Send keys" menu.
  sendCombo(combo: KeyCombo): void {
    if (!this.enabled) return;
    for (const k of comboEvents(combo)) this.sink.key(k);
  }

  // Sends ReleaseAll when something is held, or always with `force`.
  private releaseAll(force: boolean): void {
    const held = force || this.buttons !== 0 || this.keys.anyHeld;
    this.buttons = 0;
    this.last = null;
    this.keys.clear();
    this.wheel.reset();
    if (this.enabled && held) this.sink.releaseAll();
  }

  private point(e: MouseEvent): (FrameGeometry & { x: number; y: number }) | null {
    const g = this.geometry();
    if (!g || g.width === 0) return null;
    const r = this.el.getBoundingClientRect();
    return { ...g, ...toMonitorPoint(e.clientX, e.clientY, r, g.width, g.height) };
  }

  private onPointer(e: PointerEvent, kind: 'down' | 'move' | 'up'): void {
    if (!this.enabled) return;
    if (kind === 'down') {
      this.el.focus({ preventScroll: true });
      try {
        this.el.setPointerCapture(e.pointerId);  // a drag keeps going outside the canvas
      } catch {
        // Synthetic events have no active pointer.
      }
    }
    if (kind !== 'move') e.preventDefault();
    const p = this.point(e);
    if (!p) return;
    const buttons = protocolButtons(e.buttons);
    this.buttons = buttons;
    if (kind === 'move' && this.last && this.last.x === p.x && this.last.y === p.y && this.last.buttons === buttons) return;
    this.last = { x: p.x, y: p.y, buttons };
    this.sink.pointer({ monitor: p.monitor, x: p.x, y: p.y, buttons });
  }

  private onWheel(e: WheelEvent): void {
    if (!this.enabled) return;
    e.preventDefault();  // the page must not scroll
    const p = this.point(e);
    if (!p) return;
    const n = this.wheel.add(e.deltaX, e.deltaY, e.deltaMode);
    if (n.x === 0 && n.y === 0) return;
    this.sink.pointer({ monitor: p.monitor, x: p.x, y: p.y, buttons: this.buttons, wheelX: n.x, wheelY: n.y });
  }

  private onKey(e: KeyboardEvent, down: boolean): void {
    if (!this.enabled) return;
    if (e.isComposing || e.keyCode === 229) return;  // an IME is composing
    // Everything goes to the guest: Tab, F5, Backspace, Ctrl+W (where the browser lets us).
    e.preventDefault();
    e.stopPropagation();
    const ev = this.keys.event(e.key, e.code, down);
    if (ev) this.sink.key(ev);
  }
}
