import { describe, expect, it } from 'vitest';
import { keysymFromCodePoint, keysymFromKey } from './keysym';

describe('keysymFromKey: printable characters', () => {
  it('maps ASCII to itself', () => {
    expect(keysymFromKey('a', 'KeyA')).toBe(0x61);
    expect(keysymFromKey('A', 'KeyA')).toBe(0x41);
    expect(keysymFromKey(' ', 'Space')).toBe(0x20);
    expect(keysymFromKey('~', 'Backquote')).toBe(0x7e);
    expect(keysymFromKey('1', 'Numpad1')).toBe(0x31);
  });

  it('maps Latin-1 0xa0–0xff to the same value', () => {
    expect(keysymFromKey('\u00a0')).toBe(0xa0);
    expect(keysymFromKey('é', 'Digit2')).toBe(0xe9);
    expect(keysymFromKey('ß', 'Minus')).toBe(0xdf);
    expect(keysymFromKey('ÿ')).toBe(0xff);
  });

  it('maps other code points to 0x01000000 + code point', () => {
    expect(keysymFromKey('€', 'KeyE')).toBe(0x010020ac);
    expect(keysymFromKey('Ж')).toBe(0x01000416);
    expect(keysymFromKey('あ')).toBe(0x01003042);
    expect(keysymFromKey('😀')).toBe(0x0101f600);   // one code point, two UTF-16 units
  });

  it('has no keysym for control characters', () => {
    expect(keysymFromCodePoint(0x00)).toBeNull();
    expect(keysymFromCodePoint(0x1f)).toBeNull();
    expect(keysymFromCodePoint(0x7f)).toBeNull();
    expect(keysymFromCodePoint(0x9f)).toBeNull();
    expect(keysymFromCodePoint(0xd800)).toBeNull();
    expect(keysymFromCodePoint(0x110000)).toBeNull();
  });
});

describe('keysymFromKey: named keys', () => {
  const table: [string, number][] = [
    ['Enter', 0xff0d], ['Tab', 0xff09], ['Escape', 0xff1b], ['Backspace', 0xff08], ['Delete', 0xffff],
    ['ArrowLeft', 0xff51], ['ArrowUp', 0xff52], ['ArrowRight', 0xff53], ['ArrowDown', 0xff54],
    ['Home', 0xff50], ['End', 0xff57], ['PageUp', 0xff55], ['PageDown', 0xff56], ['Insert', 0xff63],
    ['CapsLock', 0xffe5], ['ContextMenu', 0xff67], ['PrintScreen', 0xff61], ['Pause', 0xff13],
    ['AltGraph', 0xfe03], ['NumLock', 0xff7f], ['ScrollLock', 0xff14],
  ];
  it.each(table)('%s → %i', (key, sym) => expect(keysymFromKey(key)).toBe(sym));

  it('maps F1–F12 to 0xffbe–0xffc9 (and up to F24)', () => {
    for (let n = 1; n <= 12; n++) expect(keysymFromKey(`F${n}`, `F${n}`)).toBe(0xffbe + n - 1);
    expect(keysymFromKey('F1')).toBe(0xffbe);
    expect(keysymFromKey('F12')).toBe(0xffc9);
    expect(keysymFromKey('F24')).toBe(0xffd5);
    expect(keysymFromKey('F25')).toBeNull();
    expect(keysymFromKey('F0')).toBeNull();
  });

  it('tells left and right modifiers apart by code', () => {
    expect(keysymFromKey('Shift', 'ShiftLeft')).toBe(0xffe1);
    expect(keysymFromKey('Shift', 'ShiftRight')).toBe(0xffe2);
    expect(keysymFromKey('Control', 'ControlLeft')).toBe(0xffe3);
    expect(keysymFromKey('Control', 'ControlRight')).toBe(0xffe4);
    expect(keysymFromKey('Alt', 'AltLeft')).toBe(0xffe9);
    expect(keysymFromKey('Alt', 'AltRight')).toBe(0xffea);
    expect(keysymFromKey('Meta', 'MetaLeft')).toBe(0xffeb);
    expect(keysymFromKey('Meta', 'MetaRight')).toBe(0xffec);
    expect(keysymFromKey('OS', 'OSLeft')).toBe(0xffeb);
    expect(keysymFromKey('Shift')).toBe(0xffe1);   // no code: the left one
  });

  it('has no keysym for dead keys, IME and unknown keys', () => {
    expect(keysymFromKey('Dead', 'BracketLeft')).toBeNull();
    expect(keysymFromKey('Unidentified')).toBeNull();
    expect(keysymFromKey('Process')).toBeNull();
    expect(keysymFromKey('')).toBeNull();
    expect(keysymFromKey('ab')).toBeNull();
  });
});
