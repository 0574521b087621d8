import { describe, expect, it } from 'vitest';
import { dateOf, expiryChoices, tokenFormError } from './tokens';

describe('API token form', () => {
  it('requires a name, a scope and an expiry within the bound', () => {
    expect(tokenFormError('ci', ['ViewSessionGroup'], 30, 365)).toBeNull();
    expect(tokenFormError('  ', ['ViewSessionGroup'], 30, 365)).toMatch(/name/);
    expect(tokenFormError('x'.repeat(65), ['ViewSessionGroup'], 30, 365)).toMatch(/64/);
    expect(tokenFormError('ci', [], 30, 365)).toMatch(/permission/);
    expect(tokenFormError('ci', ['EndSession'], 366, 365)).toMatch(/1 to 365/);
    expect(tokenFormError('ci', ['EndSession'], 0, 365)).toMatch(/1 to 365/);
  });

  it('offers only expiries the server allows', () => {
    expect(expiryChoices(365)).toEqual([7, 30, 90, 365]);
    expect(expiryChoices(60)).toEqual([7, 30]);
    expect(expiryChoices(3)).toEqual([3]);
  });

  it('shows dates in UTC', () => {
    expect(dateOf(0)).toBe('never');
    expect(dateOf(1700000000)).toBe('2023-11-14');
  });
});
