import { describe, expect, it } from 'vitest';
import type { SecuritySetting } from '../api/client';
import { grouped, parseInput, shown } from './settings';

const s = (key: string, value: number | boolean | string): SecuritySetting =>
  ({ key, value, file: value, default: value, source: 'default', changeable: true });

describe('administration settings', () => {
  it('groups settings by section, in order', () => {
    const g = grouped([s('security.consent.grant_lifetime_seconds', 0), s('security.lockout_failures', 5),
      s('security.password_min_length', 12)]);
    expect(g.map((x) => x.title)).toEqual(['Passwords', 'Lockout', 'Consent']);
  });

  it('turns typed text into the value the server expects', () => {
    expect(parseInput(s('security.lockout_failures', 5), ' 3 ')).toBe(3);
    expect(parseInput(s('security.lockout_failures', 5), '3.5')).toBe('3.5');  // the server refuses it
    expect(parseInput(s('security.password_require_digit', true), 'false')).toBe(false);
    expect(parseInput(s('security.two_factor', 'off'), 'everyone')).toBe('everyone');
    expect(shown(true)).toBe('yes');
  });
});
