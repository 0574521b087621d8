import { useEffect, useState } from 'preact/hooks';
import { api, type ApiToken, type TokenList, type User } from '../api/client';
import { Alert, Field } from '../ui/components';
import { useAction } from '../ui/action';
import { dateOf, expiryChoices, tokenFormError } from './tokens';

// The secret of a token just made: shown once, with a copy button, until the user closes it.
// `owner` names the user it was made for when that is someone else.
function SecretDialog({ secret, owner, onClose }: { secret: string; owner: string | null; onClose: () => void }) {
  const [copied, setCopied] = useState(false);
  const copy = () => {
    void navigator.clipboard?.writeText(secret).then(() => setCopied(true), () => setCopied(false));
  };
  return (
    <div class="dialog-backdrop">
      <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="secret-title">
        <h2 id="secret-title">{owner ? `New API token for ${owner}` : 'Your new API token'}</h2>
        <p>Copy it now. It is not shown again; if you lose it, revoke it and make another.
          {owner && ` It acts as ${owner}, within ${owner}'s role and the permissions chosen.`}</p>
        <input class="secret" aria-label="Token secret" readOnly value={secret}
          onFocus={(e) => (e.currentTarget as HTMLInputElement).select()} />
        <div class="actions">
          <button type="button" onClick={copy}>{copied ? 'Copied' : 'Copy'}</button>
          <button type="button" class="primary" onClick={onClose}>Done</button>
        </div>
      </div>
    </div>
  );
}

// /tokens: the logged-in user's API tokens for scripts (Authorization: Bearer). Make one with a
// name, an expiry and a scope of permissions; list and revoke them. A user whose role allows
// Administer makes tokens for any user ("For user") and sees and revokes every user's. The
// server enforces all of it.
export function TokensPage() {
  const [list, setList] = useState<TokenList | null>(null);
  const [name, setName] = useState('');
  const [scope, setScope] = useState<string[]>([]);
  const [days, setDays] = useState(30);
  const [secret, setSecret] = useState<{ value: string; owner: string | null } | null>(null);
  const { error, setError, busy, run } = useAction();
  const [admin, setAdmin] = useState(false);
  const [me, setMe] = useState('');
  const [users, setUsers] = useState<User[]>([]);
  const [forUser, setForUser] = useState('');  // administrators: whose token the form makes

  const reload = async (all = admin) => setList(await api.listTokens(all));

  useEffect(() => {
    // The CSRF token comes with /me; a fresh page load has none yet.
    void run(async () => {
      const info = await api.me();
      const administer = info.user.administer === true;
      setAdmin(administer);
      setMe(info.user.username);
      setForUser(info.user.username);
      if (administer) setUsers((await api.listUsers()).filter((u) => !u.disabled));
      await reload(administer);
    });
  }, []);

  if (!list) {
    return <main class="panel"><h1>API tokens</h1>{error ? <Alert>{error}</Alert> : <p class="muted">Loading…</p>}</main>;
  }
  const toggle = (p: string) => setScope(scope.includes(p) ? scope.filter((x) => x !== p) : [...scope, p]);
  const create = (e: Event) => {
    e.preventDefault();
    const problem = tokenFormError(name, scope, days, list.max_days);
    if (problem) return setError(problem);
    void run(async () => {
      const owner = admin ? forUser : me;
      const made = await api.createToken({ name: name.trim(), scope, expires_days: days, ...(admin ? { user: owner } : {}) });
      setSecret({ value: made.secret, owner: owner === me ? null : owner });
      setName('');
      setScope([]);
      await reload();
    });
  };
  const revoke = (t: ApiToken) => {
    const whose = t.user === me ? '' : ` of ${t.user}`;
    if (!window.confirm(`Revoke the token "${t.name}"${whose}? Scripts and connections using it stop at once.`)) return;
    void run(async () => {
      await api.revokeToken(t.id);
      await reload();
    });
  };

  return (
    <main class="panel tokens-page">
      <p><a href="/">Back to the control panel</a></p>
      <h1>API tokens</h1>
      <p class="muted">Scripts send a token as <code>Authorization: Bearer …</code>. A token can do what you can,
        limited to the permissions you choose, until it expires or is revoked.</p>
      <form class="token-form" onSubmit={create} aria-label="New API token">
        {admin && (
          <div class="field">
            <label for="token-user">For user</label>
            <select id="token-user" value={forUser} onChange={(e) => setForUser((e.currentTarget as HTMLSelectElement).value)}>
              {users.map((u) => <option key={u.username} value={u.username}>{u.username === me ? `${u.username} (you)` : u.username}</option>)}
            </select>
          </div>
        )}
        <Field id="token-name" label="Name" value={name} onInput={setName} maxLength={64} required />
        <div class="field">
          <label for="token-expiry">Expires after</label>
          <select id="token-expiry" value={String(days)}
            onChange={(e) => setDays(Number((e.currentTarget as HTMLSelectElement).value))}>
            {expiryChoices(list.max_days).map((d) => <option key={d} value={String(d)}>{d} days</option>)}
          </select>
        </div>
        <fieldset>
          <legend>Permissions</legend>
          {list.permissions.map((p) => (
            <label key={p} class="check">
              <input type="checkbox" name="scope" value={p} checked={scope.includes(p)} onChange={() => toggle(p)} /> {p}
            </label>
          ))}
        </fieldset>
        {error && <Alert>{error}</Alert>}
        <button type="submit" class="primary" disabled={busy}>Create token</button>
      </form>
      <h2>{admin ? "Every user's tokens" : 'Your tokens'}</h2>
      {list.tokens.length === 0 ? <p class="muted">No tokens.</p> : (
        <table class="tokens">
          <thead>
            <tr>{admin && <th>Owner</th>}<th>Name</th><th>Token</th><th>Permissions</th><th>Created</th><th>Expires</th><th>Last used</th><th /></tr>
          </thead>
          <tbody>
            {list.tokens.map((t) => (
              <tr key={t.id} data-token-id={t.id}>
                {admin && <td class="owner">{t.user}</td>}
                <td>{t.name}</td>
                <td><code>{t.hint}</code></td>
                <td>{t.scope.join(', ')}</td>
                <td>{dateOf(t.created_at)}</td>
                <td>{dateOf(t.expires_at)}</td>
                <td>{dateOf(t.last_used_at)}{t.last_used_from ? ` from ${t.last_used_from}` : ''}</td>
                <td><button type="button" onClick={() => revoke(t)} disabled={busy}>Revoke</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {secret && <SecretDialog secret={secret.value} owner={secret.owner} onClose={() => setSecret(null)} />}
    </main>
  );
}
