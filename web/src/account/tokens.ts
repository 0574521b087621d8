// The API tokens page's checks, kept apart from the page so they are testable. The server
// checks the same things; these only give an earlier, clearer message.

export const EXPIRY_CHOICES = [7, 30, 90, 365];

// The expiry choices the server allows, the largest first capped at `maxDays`.
export function expiryChoices(maxDays: number): number[] {
  const allowed = EXPIRY_CHOICES.filter((d) => d <= maxDays);
  return allowed.length > 0 ? allowed : [Math.max(1, maxDays)];
}

// Why the form cannot be sent, or null.
export function tokenFormError(name: string, scope: string[], days: number, maxDays: number): string | null {
  const trimmed = name.trim();
  if (trimmed.length === 0) return 'Give the token a name.';
  if ([...trimmed].length > 64) return 'The name is longer than 64 characters.';
  if (scope.length === 0) return 'Choose at least one permission.';
  if (!Number.isInteger(days) || days < 1 || days > maxDays) return `The expiry must be 1 to ${maxDays} days.`;
  return null;
}

// "2026-12-07" for a Unix time; "never" for 0.
export function dateOf(unix: number): string {
  return unix === 0 ? 'never' : new Date(unix * 1000).toISOString().slice(0, 10);
}
