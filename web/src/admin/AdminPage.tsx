import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, type SecuritySetting, type SettingValue } from '../api/client';
import { Alert } from '../ui/components';
import { redirect } from '../ui/nav';
import { SOURCE_TEXT, editText, grouped, metaOf, parseInput, shown } from './settings';
import './admin.css';

// The administration page: every security setting with the value in force, its default and
// where it came from; an administrator changes the ones the server lets the page change. The
// server checks the permission and validates each value (docs/security.md). A change of the IP
// lists that would refuse this browser's own address is saved only after a confirmation.
type Change = Record<string, SettingValue | null>;

export function AdminPage() {
  const [settings, setSettings] = useState<SecuritySetting[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [lockout, setLockout] = useState<{ change: Change; message: string } | null>(null);

  useEffect(() => {
    api.me()
      .then(() => api.securitySettings())
      .then(setSettings)
      .catch((err) => {
        if (err instanceof ApiError && err.status === 401) redirect('/login');
        else setError(err instanceof Error ? err.message : String(err));
      });
  }, []);

  async function save(change: Change, confirmLockout = false) {
    setError(null);
    setSaved(null);
    setLockout(null);
    try {
      setSettings(await api.changeSecuritySettings(change, { confirmLockout }));
      setSaved(`${Object.keys(change).map((k) => metaOf(k).label).join(', ')}: saved`);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) redirect('/login');
      else if (err instanceof ApiError && err.code === 'would_lock_out') setLockout({ change, message: err.message });
      else setError(err instanceof Error ? err.message : String(err));
    }
  }
  const change = (key: string, value: SettingValue | null) => save({ [key]: value });

  return (
    <div class="shell">
      <header class="topbar">
        <span class="product">Tether</span>
        <span class="spacer" />
        <a href="/">Control panel</a>
      </header>
      <main class="panel admin">
        <h1>Administration</h1>
        <h2>Security settings</h2>
        <p class="muted">
          Values changed here are kept in the database and win over the configuration file; they take
          effect at once. Reset a setting to go back to the file's value.
        </p>
        {error && <Alert>{error}</Alert>}
        {lockout && (
          <div class="lockout" role="alertdialog" aria-label="Lock-out warning">
            <p>{lockout.message}</p>
            <p class="muted">
              If it locks you out, <code>tether settings reset KEY</code> on the server undoes it.
            </p>
            <button type="button" class="danger" onClick={() => save(lockout.change, true)}>Save anyway</button>
            <button type="button" onClick={() => setLockout(null)}>Cancel</button>
          </div>
        )}
        {saved && <p class="notice" role="status">{saved}</p>}
        {!settings && !error && <p class="muted">Loading…</p>}
        {settings && grouped(settings).map((g) => (
          <section key={g.title} aria-label={g.title}>
            <h3>{g.title}</h3>
            <table class="settings">
              <thead>
                <tr><th>Setting</th><th>In force</th><th>Default</th><th>From</th><th>Change</th></tr>
              </thead>
              <tbody>
                {g.settings.map((s) => <SettingRow key={s.key} setting={s} onChange={change} />)}
              </tbody>
            </table>
          </section>
        ))}
      </main>
    </div>
  );
}

function SettingRow({ setting, onChange }: {
  setting: SecuritySetting;
  onChange: (key: string, value: SettingValue | null) => void;
}) {
  const meta = metaOf(setting.key);
  const [text, setText] = useState(editText(setting.value));
  useEffect(() => setText(editText(setting.value)), [setting.value]);
  const id = `setting-${setting.key.replace(/[^a-z0-9]+/g, '-')}`;
  return (
    <tr data-key={setting.key}>
      <td><label for={id}>{meta.label}</label><br /><code class="muted">{setting.key}</code></td>
      <td data-testid="value">{shown(setting.value)}{meta.unit && typeof setting.value === 'number' ? ` ${meta.unit}` : ''}</td>
      <td>{shown(setting.default)}</td>
      <td>
        <span data-testid="source">{SOURCE_TEXT[setting.source]}</span>
        {setting.source === 'page' && <><br /><span class="muted" data-testid="file">file: {shown(setting.file)}</span></>}
      </td>
      <td>
        {setting.changeable ? (
          <form class="change" onSubmit={(e) => { e.preventDefault(); onChange(setting.key, parseInput(setting, text)); }}>
            {meta.choices ? (
              <select id={id} value={text} onChange={(e) => setText((e.currentTarget as HTMLSelectElement).value)}>
                {meta.choices.map((c) => <option key={c} value={c}>{c}</option>)}
              </select>
            ) : Array.isArray(setting.value) ? (
              <textarea id={id} rows={3} cols={28} value={text} placeholder="one address or CIDR range per line"
                onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)} />
            ) : typeof setting.value === 'boolean' ? (
              <select id={id} value={text} onChange={(e) => setText((e.currentTarget as HTMLSelectElement).value)}>
                <option value="true">yes</option>
                <option value="false">no</option>
              </select>
            ) : (
              <input id={id} type="text" inputMode="numeric" size={8} value={text}
                onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)} />
            )}
            <button type="submit">Save</button>
            {setting.source === 'page' && (
              <button type="button" onClick={() => onChange(setting.key, null)}>Reset</button>
            )}
          </form>
        ) : <span class="muted">configuration file only</span>}
      </td>
    </tr>
  );
}
