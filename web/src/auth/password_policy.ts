// Client-side copy of the server's default password policy (the server checks again).
// It mirrors the server's classes: A-Z is upper case, a-z lower case, 0-9 a digit, and every
// other character (punctuation, space, non-ASCII) counts as a symbol.

export interface PasswordPolicy {
  minLength: number;
  requireUpper: boolean;
  requireLower: boolean;
  requireDigit: boolean;
  requireSymbol: boolean;
}

export const DEFAULT_POLICY: Readonly<PasswordPolicy> = Object.freeze({
  minLength: 12,
  requireUpper: true,
  requireLower: true,
  requireDigit: true,
  requireSymbol: true,
});

export type RuleId = 'length' | 'upper' | 'lower' | 'digit' | 'symbol';

export interface RuleResult {
  id: RuleId;
  label: string;
  ok: boolean;
}

export interface PolicyResult {
  ok: boolean;
  rules: RuleResult[];
}

function classify(password: string) {
  let upper = false, lower = false, digit = false, symbol = false;
  for (const ch of password) {
    if (ch >= 'A' && ch <= 'Z') upper = true;
    else if (ch >= 'a' && ch <= 'z') lower = true;
    else if (ch >= '0' && ch <= '9') digit = true;
    else symbol = true;
  }
  // Count characters (code points), not UTF-16 units: never weaker than the server's byte count.
  return { length: [...password].length, upper, lower, digit, symbol };
}

export function checkPassword(password: string, policy: PasswordPolicy = DEFAULT_POLICY): PolicyResult {
  const c = classify(password);
  const rules: RuleResult[] = [
    { id: 'length', label: `At least ${policy.minLength} characters`, ok: c.length >= policy.minLength },
  ];
  if (policy.requireUpper) rules.push({ id: 'upper', label: 'An upper-case letter', ok: c.upper });
  if (policy.requireLower) rules.push({ id: 'lower', label: 'A lower-case letter', ok: c.lower });
  if (policy.requireDigit) rules.push({ id: 'digit', label: 'A digit', ok: c.digit });
  if (policy.requireSymbol) rules.push({ id: 'symbol', label: 'A symbol', ok: c.symbol });
  return { ok: rules.every((r) => r.ok), rules };
}

// One sentence naming what is missing, or null when the password is acceptable.
export function describeProblems(result: PolicyResult): string | null {
  const missing = result.rules.filter((r) => !r.ok).map((r) => r.label.toLowerCase());
  if (missing.length === 0) return null;
  const list = missing.length === 1
    ? missing[0]
    : `${missing.slice(0, -1).join(', ')} and ${missing[missing.length - 1]}`;
  return `The password needs ${list}.`;
}
