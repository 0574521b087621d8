// The guest's pointer: CursorShape is drawn on an overlay canvas the size of the screen canvas
// (so it scales with it) at the CursorPosition. While the host's own pointer is over the
// screen and input is allowed, the overlay steps aside and the host's pointer takes the
// guest's shape instead (a CSS cursor from a data: URL; CSP allows data: images).
import type { Monitor } from '../protocol/gen/tether/v1/control_pb';
import type { CursorPosition, CursorShape } from '../protocol/gen/tether/v1/media_pb';
import { ALL_MONITORS } from './connection';

export const MAX_CURSOR_SIDE = 256;
const MAX_CSS_CURSOR_SIDE = 128;  // browsers ignore larger CSS cursors

export function shapeIsValid(shape: CursorShape): boolean {
  return shape.width > 0 && shape.height > 0 && shape.width <= MAX_CURSOR_SIDE && shape.height <= MAX_CURSOR_SIDE &&
    shape.rgba.byteLength === shape.width * shape.height * 4;
}

// Where the cursor is on the frame being shown, or null when it is on another monitor.
// With "All monitors" the frame is the bounding box of the whole layout.
export function cursorPoint(pos: CursorPosition, shownMonitor: number, monitors: readonly Monitor[]): { x: number; y: number } | null {
  if (pos.monitor === shownMonitor) return { x: pos.x, y: pos.y };
  const minX = Math.min(...monitors.map((m) => m.x));
  const minY = Math.min(...monitors.map((m) => m.y));
  if (shownMonitor === ALL_MONITORS) {
    const m = monitors.find((mon) => mon.id === pos.monitor);
    return m ? { x: pos.x + m.x - minX, y: pos.y + m.y - minY } : null;
  }
  if (pos.monitor === ALL_MONITORS) {
    const m = monitors.find((mon) => mon.id === shownMonitor);
    if (!m) return null;
    const x = pos.x - (m.x - minX);
    const y = pos.y - (m.y - minY);
    return x >= 0 && y >= 0 && x < m.width && y < m.height ? { x, y } : null;
  }
  return null;
}

export class CursorOverlay {
  private readonly overlay: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D | null;
  private image: HTMLCanvasElement | null = null;
  private hotX = 0;
  private hotY = 0;
  private css = 'default';
  private point: { x: number; y: number } | null = null;
  private visible = true;
  private localInside = false;
  private drawn: { x: number; y: number; w: number; h: number } | null = null;

  constructor(overlay: HTMLCanvasElement) {
    this.overlay = overlay;
    this.ctx = overlay.getContext('2d');
  }

  // The CSS cursor for the screen canvas while input is allowed.
  get cssCursor(): string {
    return this.visible ? this.css : 'none';
  }

  resize(width: number, height: number): void {
    if (this.overlay.width === width && this.overlay.height === height) return;
    this.overlay.width = width;
    this.overlay.height = height;
    this.drawn = null;
    this.redraw();
  }

  setShape(shape: CursorShape): void {
    if (!shapeIsValid(shape)) return;
    const c = document.createElement('canvas');
    c.width = shape.width;
    c.height = shape.height;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    const pixels = new Uint8ClampedArray(shape.rgba.byteLength);
    pixels.set(shape.rgba);
    ctx.putImageData(new ImageData(pixels, shape.width, shape.height), 0, 0);
    this.image = c;
    this.hotX = Math.min(Math.max(0, shape.hotX), shape.width - 1);
    this.hotY = Math.min(Math.max(0, shape.hotY), shape.height - 1);
    this.css = shape.width <= MAX_CSS_CURSOR_SIDE && shape.height <= MAX_CSS_CURSOR_SIDE
      ? `url("${c.toDataURL('image/png')}") ${this.hotX} ${this.hotY}, default`
      : 'default';
    this.redraw();
  }

  setPosition(pos: CursorPosition, shownMonitor: number, monitors: readonly Monitor[]): void {
    this.visible = pos.visible;
    this.point = cursorPoint(pos, shownMonitor, monitors);
    this.redraw();
  }

  // The host's own pointer entered (true) or left (false) the screen while input is allowed.
  setLocalPointerInside(inside: boolean): void {
    if (this.localInside === inside) return;
    this.localInside = inside;
    this.redraw();
  }

  private redraw(): void {
    const ctx = this.ctx;
    if (!ctx) return;
    if (this.drawn) {
      ctx.clearRect(this.drawn.x, this.drawn.y, this.drawn.w, this.drawn.h);
      this.drawn = null;
    }
    if (!this.image || !this.point || !this.visible || this.localInside) return;
    const x = this.point.x - this.hotX;
    const y = this.point.y - this.hotY;
    ctx.drawImage(this.image, x, y);
    this.drawn = { x, y, w: this.image.width, h: this.image.height };
  }
}
