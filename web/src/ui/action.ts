import { useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { redirect } from './nav';

// The text to show for a failed call.
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// The state of a page's buttons while one of its API calls runs: `run` clears the last error,
// marks the page busy, and on failure shows the error — or goes to /login when the session
// has ended (401).
export function useAction() {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function run(action: () => Promise<void>) {
    setError(null);
    setBusy(true);
    try {
      await action();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return redirect('/login');
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }
  return { error, setError, busy, run };
}
