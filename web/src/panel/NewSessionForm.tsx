import { useState } from 'preact/hooks';
import { api, type Session } from '../api/client';
import { Alert, Field } from '../ui/components';

// Creates a support session (the guest joins with its code) or a meeting (the presenter joins
// with its code; hosts watch).
export function NewSessionForm({ type, onCreated, onAuthLost }: {
  type: 'support' | 'meeting'; onCreated: (s: Session) => void; onAuthLost: (err: unknown) => boolean;
}) {
  const [name, setName] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    const n = name.trim();
    if (!n) return setError('Enter a session name.');
    setBusy(true);
    try {
      const c = code.trim();
      const created = await api.createSession({ type, name: n, ...(c ? { code: c } : {}) });
      setName('');
      setCode('');
      onCreated(created);
    } catch (err) {
      if (!onAuthLost(err)) setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="new-session" onSubmit={submit} aria-labelledby="new-session-title">
      <h2 id="new-session-title">{type === 'meeting' ? 'New meeting' : 'New support session'}</h2>
      <div class="row">
        <Field id="session-name" label="Session name" value={name} onInput={setName} required maxLength={128} />
        <Field id="session-code" label="Code (optional)" value={code} onInput={setCode} maxLength={32} />
        <button type="submit" class="primary" disabled={busy}>{type === 'meeting' ? 'Create meeting' : 'Create session'}</button>
      </div>
      {error && <Alert>{error}</Alert>}
    </form>
  );
}
