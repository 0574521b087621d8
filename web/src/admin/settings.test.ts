import { describe, expect, it } from 'vitest';
import type { SecuritySetting } from '../api/client';
import { editText, grouped, metaOf, parseInput, shown } from './settings';

const s = (key: string, value: number | boolean | string | string[]): SecuritySetting =>
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

  it('edits an IP list one entry per line', () => {
    const list = s('security.ip.admin.allow', ['10.0.0.0/8', '::1/128']);
    expect(editText(list.value)).toBe('10.0.0.0/8\n::1/128');
    expect(parseInput(list, ' 10.0.0.0/8\n\n192.0.2.1, 2001:db8::/32 \n')).toEqual(['10.0.0.0/8', '192.0.2.1', '2001:db8::/32']);
    expect(parseInput(list, '')).toEqual([]);
    expect(shown([])).toBe('none');
    expect(metaOf('security.ip.admin.allow').label).toBe('Administration: only these may connect');
    expect(grouped([list, s('security.two_factor', 'off')]).map((x) => x.title)).toEqual(['Two-factor authentication', 'IP restrictions']);
  });
});
