import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, checkPassword, describeProblems } from './password_policy';

const failing = (pw: string) => checkPassword(pw).rules.filter((r) => !r.ok).map((r) => r.id);

describe('checkPassword', () => {
  it('accepts a password that meets every rule', () => {
    const r = checkPassword('Correct-Horse-9-Battery');
    expect(r.ok).toBe(true);
    expect(failing('Correct-Horse-9-Battery')).toEqual([]);
    expect(describeProblems(r)).toBeNull();
  });

  it('accepts exactly the minimum length', () => {
    expect(checkPassword('Abcdefghij1!').ok).toBe(true); // 12 characters
    expect(failing('Abcdefghi1!')).toEqual(['length']); // 11 characters
  });

  it('reports each missing class', () => {
    expect(failing('')).toEqual(['length', 'upper', 'lower', 'digit', 'symbol']);
    expect(failing('abcdefghijk1!')).toEqual(['upper']);
    expect(failing('ABCDEFGHIJK1!')).toEqual(['lower']);
    expect(failing('Abcdefghijkl!')).toEqual(['digit']);
    expect(failing('Abcdefghijk12')).toEqual(['symbol']);
  });

  it('counts space and non-ASCII characters as symbols, like the server', () => {
    expect(checkPassword('Abcdefghij1 ').ok).toBe(true);
    expect(checkPassword('Abcdefghij1é').ok).toBe(true);
    // Non-ASCII letters are not upper or lower case for the policy.
    expect(failing('ÀBCDEFGHIJ1!')).toEqual(['lower']);
  });

  it('counts characters, not UTF-16 code units', () => {
    // 11 code points, 12 UTF-16 units (the emoji is a surrogate pair): too short.
    expect(failing('Abcdefgh1!😀')).toEqual(['length']);
  });

  it('follows a custom policy', () => {
    const policy = { ...DEFAULT_POLICY, minLength: 16, requireSymbol: false };
    const r = checkPassword('Abcdefghijklmno1', policy);
    expect(r.ok).toBe(true);
    expect(r.rules.map((x) => x.id)).toEqual(['length', 'upper', 'lower', 'digit']);
    expect(checkPassword('Abcdefghij1!', policy).ok).toBe(false);
  });

  it('never weakens the default policy by accident', () => {
    expect(DEFAULT_POLICY.minLength).toBe(12);
    expect(Object.isFrozen(DEFAULT_POLICY)).toBe(true);
  });
});

describe('describeProblems', () => {
  it('names one missing rule', () => {
    expect(describeProblems(checkPassword('Abcdefghijk12'))).toBe('The password needs a symbol.');
  });

  it('lists several missing rules', () => {
    expect(describeProblems(checkPassword('abc'))).toBe(
      'The password needs at least 12 characters, an upper-case letter, a digit and a symbol.',
    );
  });
});
