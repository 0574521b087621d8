// Viewer statistics: pure counters, with the time passed in (milliseconds, any monotonic clock).
//
// * fps and kbit/s are counted over a sliding window (1 s by default).
// * Round-trip latency is the last Ping/Pong round trip, plus a smoothed value.

export interface StatsSnapshot {
  fps: number;            // frames drawn per second over the window
  kbps: number;           // kilobits per second received over the window
  rttMs: number | null;   // last round trip, null before the first
  smoothedRttMs: number | null;
  framesDrawn: number;    // totals since the viewer opened
  framesAcked: number;
  bytesReceived: number;
}

class Window {
  private times: number[] = [];
  private values: number[] = [];
  private head = 0;
  private sum = 0;

  add(now: number, value: number): void {
    this.times.push(now);
    this.values.push(value);
    this.sum += value;
  }

  // Drops entries at or before `cutoff`; returns the sum of those left.
  total(cutoff: number): number {
    while (this.head < this.times.length && this.times[this.head] <= cutoff) {
      this.sum -= this.values[this.head];
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.values = this.values.slice(this.head);
      this.head = 0;
    }
    return this.sum;
  }

  clear(): void {
    this.times = [];
    this.values = [];
    this.head = 0;
    this.sum = 0;
  }
}

export class ViewerStats {
  private readonly windowMs: number;
  private readonly frames = new Window();
  private readonly bytes = new Window();
  private framesDrawn = 0;
  private framesAcked = 0;
  private bytesReceived = 0;
  private rttMs: number | null = null;
  private smoothedRttMs: number | null = null;

  constructor(windowMs = 1000) {
    if (!(windowMs > 0)) throw new RangeError('windowMs must be positive');
    this.windowMs = windowMs;
  }

  frameDrawn(now: number): void {
    this.framesDrawn++;
    this.frames.add(now, 1);
  }

  frameAcked(): void {
    this.framesAcked++;
  }

  received(byteCount: number, now: number): void {
    if (byteCount <= 0) return;
    this.bytesReceived += byteCount;
    this.bytes.add(now, byteCount);
  }

  roundTrip(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.rttMs = ms;
    // The usual TCP-style smoothing (RFC 6298, alpha = 1/8).
    this.smoothedRttMs = this.smoothedRttMs === null ? ms : this.smoothedRttMs + (ms - this.smoothedRttMs) / 8;
  }

  // Rates start again from zero (after a reconnect); totals are kept.
  resetRates(): void {
    this.frames.clear();
    this.bytes.clear();
    this.rttMs = null;
    this.smoothedRttMs = null;
  }

  snapshot(now: number): StatsSnapshot {
    const cutoff = now - this.windowMs;
    const perSecond = 1000 / this.windowMs;
    return {
      fps: this.frames.total(cutoff) * perSecond,
      kbps: (this.bytes.total(cutoff) * 8 / 1000) * perSecond,
      rttMs: this.rttMs,
      smoothedRttMs: this.smoothedRttMs,
      framesDrawn: this.framesDrawn,
      framesAcked: this.framesAcked,
      bytesReceived: this.bytesReceived,
    };
  }
}
