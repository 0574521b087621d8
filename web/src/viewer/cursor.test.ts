import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { MonitorSchema } from '../protocol/gen/tether/v1/control_pb';
import { CursorPositionSchema, CursorShapeSchema } from '../protocol/gen/tether/v1/media_pb';
import { ALL_MONITORS } from './connection';
import { cursorPoint, shapeIsValid } from './cursor';

const monitors = [
  create(MonitorSchema, { id: 1, x: 0, y: 0, width: 1920, height: 1080, primary: true }),
  create(MonitorSchema, { id: 2, x: -1280, y: 100, width: 1280, height: 1024 }),
];
const pos = (monitor: number, x: number, y: number) => create(CursorPositionSchema, { monitor, x, y, visible: true });

describe('cursorPoint', () => {
  it('uses the position as is on the monitor shown', () => {
    expect(cursorPoint(pos(1, 10, 20), 1, monitors)).toEqual({ x: 10, y: 20 });
  });

  it('hides the cursor when it is on another monitor', () => {
    expect(cursorPoint(pos(2, 10, 20), 1, monitors)).toBeNull();
  });

  it('offsets a monitor position into the all-monitors frame', () => {
    expect(cursorPoint(pos(1, 10, 20), ALL_MONITORS, monitors)).toEqual({ x: 1290, y: 20 });
    expect(cursorPoint(pos(2, 10, 20), ALL_MONITORS, monitors)).toEqual({ x: 10, y: 120 });
    expect(cursorPoint(pos(9, 10, 20), ALL_MONITORS, monitors)).toBeNull();
  });

  it('maps a desktop position onto the monitor shown', () => {
    expect(cursorPoint(pos(ALL_MONITORS, 1290, 20), 1, monitors)).toEqual({ x: 10, y: 20 });
    expect(cursorPoint(pos(ALL_MONITORS, 10, 20), 1, monitors)).toBeNull();
  });
});

describe('shapeIsValid', () => {
  it('needs width × height × 4 bytes of a sane size', () => {
    expect(shapeIsValid(create(CursorShapeSchema, { width: 2, height: 2, rgba: new Uint8Array(16) }))).toBe(true);
    expect(shapeIsValid(create(CursorShapeSchema, { width: 2, height: 2, rgba: new Uint8Array(15) }))).toBe(false);
    expect(shapeIsValid(create(CursorShapeSchema, { width: 0, height: 2, rgba: new Uint8Array(0) }))).toBe(false);
    expect(shapeIsValid(create(CursorShapeSchema, { width: 1024, height: 1, rgba: new Uint8Array(4096) }))).toBe(false);
  });
});
