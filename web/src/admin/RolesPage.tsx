import { useEffect, useState } from 'preact/hooks';
import { api, type SessionGroup } from '../api/client';
import { Alert } from '../ui/components';
import { useAction } from '../ui/action';
import {
  blankEntry, createRole, deleteRole, listRoles, saveRole, withPermission,
  type PermissionInfo, type Role, type RoleEntry,
} from './roles';

// /roles (administrators): the roles, and for the chosen one its entries — permission, Allow or
// Deny, and the scope (every session or one session group). Deny wins; the server enforces it
// all and refuses a change that would leave no administrator.
export function RolesPage() {
  const [roles, setRoles] = useState<Role[] | null>(null);
  const [permissions, setPermissions] = useState<PermissionInfo[]>([]);
  const [groups, setGroups] = useState<SessionGroup[]>([]);
  const [draft, setDraft] = useState<Role | null>(null);
  const [newName, setNewName] = useState('');
  const { error, busy, run } = useAction();

  const reload = async (select?: number) => {
    const r = await listRoles();
    setRoles(r.roles);
    setPermissions(r.permissions);
    const chosen = r.roles.find((x) => x.id === (select ?? draft?.id)) ?? null;
    setDraft(chosen ? structuredClone(chosen) : null);
  };
  useEffect(() => {
    void run(async () => {
      await api.me();  // a fresh page load: this gives the client the CSRF token for changes
      await reload();
      setGroups(await api.listGroups());
    });
  }, []);

  if (!roles) {
    return <main class="panel"><h1>Roles</h1>{error ? <Alert>{error}</Alert> : <p class="muted">Loading…</p>}</main>;
  }
  const setEntry = (i: number, e: RoleEntry) => draft && setDraft({ ...draft, entries: draft.entries.map((x, j) => (j === i ? e : x)) });
  const isGlobal = (name: string) => permissions.find((p) => p.name === name)?.global ?? false;

  return (
    <main class="panel roles-page">
      <p><a href="/">Back to the control panel</a></p>
      <h1>Roles</h1>
      <p class="muted">Each user holds one role. An entry allows or denies one permission for every session or
        for the sessions of one session group; Deny wins over Allow.</p>
      {error && <Alert>{error}</Alert>}
      <form class="role-new" aria-label="New role" onSubmit={(e) => {
        e.preventDefault();
        void run(async () => { const r = await createRole(newName.trim(), ''); setNewName(''); await reload(r.id); });
      }}>
        <input aria-label="New role name" value={newName} maxLength={64}
          onInput={(e) => setNewName((e.currentTarget as HTMLInputElement).value)} />
        <button type="submit" disabled={busy || !newName.trim()}>Create role</button>
      </form>
      <ul class="role-list" aria-label="Roles">
        {roles.map((r) => (
          <li key={r.id}>
            <button type="button" aria-pressed={draft?.id === r.id} onClick={() => setDraft(structuredClone(r))}>
              {r.name}
            </button> <span class="muted">{r.entries.length} entries</span>
          </li>
        ))}
      </ul>
      {draft && (
        <section aria-label={`Role ${draft.name}`}>
          <h2>{draft.name}</h2>
          <label>Description{' '}
            <input value={draft.description} maxLength={256}
              onInput={(e) => setDraft({ ...draft, description: (e.currentTarget as HTMLInputElement).value })} />
          </label>
          <table class="role-entries">
            <thead><tr><th>Permission</th><th>Effect</th><th>Scope</th><th /></tr></thead>
            <tbody>
              {draft.entries.map((e, i) => (
                <tr key={i}>
                  <td><select aria-label="Permission" value={e.permission}
                    onChange={(ev) => setEntry(i, withPermission(e, (ev.currentTarget as HTMLSelectElement).value, permissions))}>
                    {permissions.map((p) => <option key={p.name} value={p.name}>{p.name}</option>)}
                  </select></td>
                  <td><select aria-label="Effect" value={e.effect}
                    onChange={(ev) => setEntry(i, { ...e, effect: (ev.currentTarget as HTMLSelectElement).value as 'allow' | 'deny' })}>
                    <option value="allow">Allow</option>
                    <option value="deny">Deny</option>
                  </select></td>
                  <td><select aria-label="Scope" value={e.group_id ?? ''} disabled={isGlobal(e.permission)}
                    onChange={(ev) => {
                      const v = (ev.currentTarget as HTMLSelectElement).value;
                      setEntry(i, { ...e, group_id: v ? Number(v) : null });
                    }}>
                    <option value="">Every session</option>
                    {groups.map((g) => <option key={g.id} value={g.id}>{g.name}</option>)}
                  </select></td>
                  <td><button type="button" onClick={() => setDraft({ ...draft, entries: draft.entries.filter((_, j) => j !== i) })}>
                    Remove</button></td>
                </tr>
              ))}
            </tbody>
          </table>
          <div class="actions">
            <button type="button" onClick={() => setDraft({ ...draft, entries: [...draft.entries, blankEntry(permissions)] })}>
              Add entry</button>
            <button type="button" class="primary" disabled={busy}
              onClick={() => void run(async () => { await saveRole(draft); await reload(draft.id); })}>Save</button>
            <button type="button" disabled={busy}
              onClick={() => void run(async () => { await deleteRole(draft.id); setDraft(null); await reload(); })}>Delete role</button>
          </div>
        </section>
      )}
    </main>
  );
}
