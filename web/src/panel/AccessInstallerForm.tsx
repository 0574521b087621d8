import { useState } from 'preact/hooks';
import { api, PROPERTY_KEYS, type PropertyKey, type SessionProperties } from '../api/client';
import { saveConfiguration } from '../guest/guest';
import { Alert, Field } from '../ui/components';

const LABELS: Record<PropertyKey, string> = { company: 'Company', site: 'Site', department: 'Department', tag: 'Tag' };

// The Access tab's installer builder (administrators): a name, the custom properties of the
// access session the agent will create, and how long the single-use install token stays valid.
// The signed file is downloaded as the server sent it.
export function AccessInstallerForm({ onAuthLost }: { onAuthLost: (err: unknown) => boolean }) {
  const [name, setName] = useState('');
  const [props, setProps] = useState<SessionProperties>({});
  const [days, setDays] = useState('7');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    setDone(null);
    const n = name.trim();
    if (!n) return setError('Enter a name for the machine.');
    const d = Number(days);
    if (!Number.isInteger(d) || d < 1 || d > 90) return setError('The installer is valid for 1 to 90 days.');
    const properties: SessionProperties = {};
    for (const k of PROPERTY_KEYS) {
      const v = props[k]?.trim();
      if (v) properties[k] = v;
    }
    setBusy(true);
    try {
      const file = await api.buildInstaller({ name: n, properties, expires_in_hours: d * 24 });
      saveConfiguration({ ...file, summary: null });
      setDone(`Downloaded ${file.filename}. On the machine, run: sudo tether-agent install --config ${file.filename}`);
      setName('');
      setProps({});
    } catch (err) {
      if (!onAuthLost(err)) setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="new-session" onSubmit={submit} aria-labelledby="installer-title">
      <h2 id="installer-title">Build an access agent installer</h2>
      <div class="row">
        <Field id="installer-name" label="Machine name" value={name} onInput={setName} required maxLength={128} />
        {PROPERTY_KEYS.map((k) => (
          <Field key={k} id={`installer-${k}`} label={LABELS[k]} value={props[k] ?? ''} maxLength={128}
            onInput={(v) => setProps({ ...props, [k]: v })} />
        ))}
        <Field id="installer-days" label="Valid for (days)" value={days} onInput={setDays} inputMode="numeric" maxLength={2} />
        <button type="submit" class="primary" disabled={busy}>Build installer</button>
      </div>
      {error && <Alert>{error}</Alert>}
      {done && <p class="muted" role="status">{done}</p>}
    </form>
  );
}
