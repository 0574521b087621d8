import { describe, expect, it } from 'vitest';
import { ViewerStats } from './stats';

describe('ViewerStats', () => {
  it('starts at zero', () => {
    expect(new ViewerStats().snapshot(0)).toEqual({
      fps: 0, kbps: 0, rttMs: null, smoothedRttMs: null, framesDrawn: 0, framesAcked: 0, bytesReceived: 0,
    });
  });

  it('counts frames drawn in the last second', () => {
    const s = new ViewerStats();
    for (let t = 0; t < 1000; t += 100) s.frameDrawn(t);   // 10 frames at 0..900
    expect(s.snapshot(950).fps).toBe(10);
    expect(s.snapshot(1000).fps).toBe(9);   // the frame at 0 left the window
    expect(s.snapshot(1450).fps).toBe(5);
    expect(s.snapshot(5000).fps).toBe(0);
    expect(s.snapshot(5000).framesDrawn).toBe(10);
  });

  it('computes kbit/s over the window', () => {
    const s = new ViewerStats();
    s.received(50_000, 100);
    s.received(75_000, 600);
    s.received(0, 700);
    expect(s.snapshot(900).kbps).toBe(1000);   // 125 000 bytes = 1 000 kbit in one second
    expect(s.snapshot(1200).kbps).toBe(600);
    expect(s.snapshot(1200).bytesReceived).toBe(125_000);
  });

  it('scales rates for a window other than one second', () => {
    const s = new ViewerStats(2000);
    for (let t = 0; t < 2000; t += 100) s.frameDrawn(t);
    expect(s.snapshot(1999).fps).toBe(10);
  });

  it('counts acknowledgements', () => {
    const s = new ViewerStats();
    s.frameAcked();
    s.frameAcked();
    expect(s.snapshot(0).framesAcked).toBe(2);
  });

  it('keeps the last and a smoothed round trip, ignoring nonsense', () => {
    const s = new ViewerStats();
    s.roundTrip(80);
    expect(s.snapshot(0)).toMatchObject({ rttMs: 80, smoothedRttMs: 80 });
    s.roundTrip(160);
    expect(s.snapshot(0)).toMatchObject({ rttMs: 160, smoothedRttMs: 90 });
    s.roundTrip(-1);
    s.roundTrip(NaN);
    expect(s.snapshot(0).rttMs).toBe(160);
  });

  it('resets rates but keeps totals', () => {
    const s = new ViewerStats();
    s.frameDrawn(0);
    s.received(1000, 0);
    s.roundTrip(10);
    s.resetRates();
    expect(s.snapshot(10)).toMatchObject({ fps: 0, kbps: 0, rttMs: null, framesDrawn: 1, bytesReceived: 1000 });
  });

  it('stays correct over many entries (compaction)', () => {
    const s = new ViewerStats();
    for (let t = 0; t < 10_000; t++) s.frameDrawn(t);
    expect(s.snapshot(9999).fps).toBe(1000);
    s.frameDrawn(10_000);
    expect(s.snapshot(10_000).fps).toBe(1000);
  });

  it('refuses a non-positive window', () => {
    expect(() => new ViewerStats(0)).toThrow(RangeError);
  });
});
