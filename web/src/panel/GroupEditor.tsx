import { useState } from 'preact/hooks';
import { ApiError, api, type SessionGroup, type SessionType } from '../api/client';
import { Alert, Field } from '../ui/components';
import { FilterError } from './FilterError';
import type { FilterProblem } from './panel_state';

const SUBGROUP_FIELDS = ['', 'company', 'site', 'department', 'tag', 'machine', 'os', 'user', 'address',
  'version', 'created_by', 'type', 'name', 'code'];

interface Props {
  group: SessionGroup | null; // null: a new group
  initialFilter?: string;
  onSaved: (g: SessionGroup) => void;
  onDeleted: (id: number) => void;
  onCancel: () => void;
  onAuthLost: (err: unknown) => boolean;
}

// Creates, edits or deletes a session group (administrators). Filter errors point at the place.
export function GroupEditor({ group, initialFilter = '', onSaved, onDeleted, onCancel, onAuthLost }: Props) {
  const [name, setName] = useState(group?.name ?? '');
  const [filter, setFilter] = useState(group?.filter ?? initialFilter);
  const [subgroupBy, setSubgroupBy] = useState(group?.subgroup_by ?? '');
  const [sessionType, setSessionType] = useState<'' | SessionType>(group?.session_type ?? '');
  const [error, setError] = useState<string | null>(null);
  const [problem, setProblem] = useState<FilterProblem | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [busy, setBusy] = useState(false);

  function fail(err: unknown) {
    if (onAuthLost(err)) return;
    if (err instanceof ApiError && err.parameter === 'filter') {
      setProblem({ message: err.message, position: err.position ?? null });
    } else {
      setError(err instanceof Error ? err.message : String(err));
    }
  }

  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    setProblem(null);
    setBusy(true);
    try {
      const input = { name: name.trim(), filter, subgroup_by: subgroupBy, session_type: sessionType };
      onSaved(group ? await api.updateGroup(group.id, input) : await api.createGroup(input));
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    if (!group) return;
    setBusy(true);
    try {
      await api.deleteGroup(group.id);
      onDeleted(group.id);
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="group-editor" onSubmit={submit} aria-label={group ? 'Edit session group' : 'New session group'}>
      <h3>{group ? `Edit “${group.name}”` : 'New session group'}</h3>
      <Field id="group-name" label="Group name" value={name} onInput={setName} required maxLength={64} />
      <div class="field">
        <label for="group-filter">Filter</label>
        <textarea id="group-filter" rows={2} maxLength={2048} value={filter} spellcheck={false}
          placeholder='e.g. company = "Acme" AND NOT online'
          onInput={(e) => setFilter((e.currentTarget as HTMLTextAreaElement).value)} />
      </div>
      {problem && <FilterError text={filter} problem={problem} />}
      <div class="row">
        <div class="field">
          <label for="group-subgroup">Sub-groups by</label>
          <select id="group-subgroup" value={subgroupBy} onChange={(e) => setSubgroupBy((e.currentTarget as HTMLSelectElement).value)}>
            {SUBGROUP_FIELDS.map((f) => <option key={f} value={f}>{f || '(none)'}</option>)}
          </select>
        </div>
        <div class="field">
          <label for="group-type">Shown on</label>
          <select id="group-type" value={sessionType}
            onChange={(e) => setSessionType((e.currentTarget as HTMLSelectElement).value as '' | SessionType)}>
            <option value="">Every tab</option>
            <option value="support">Support</option>
            <option value="meeting">Meeting</option>
            <option value="access">Access</option>
          </select>
        </div>
      </div>
      {error && <Alert>{error}</Alert>}
      <div class="row">
        <button type="submit" class="primary" disabled={busy}>Save group</button>
        <button type="button" onClick={onCancel}>Cancel</button>
        {group && !confirmDelete && <button type="button" class="danger" onClick={() => setConfirmDelete(true)}>Delete group</button>}
        {group && confirmDelete && (
          <>
            <button type="button" class="danger" disabled={busy} onClick={() => void remove()}>Yes, delete the group</button>
            <button type="button" onClick={() => setConfirmDelete(false)}>Keep it</button>
          </>
        )}
      </div>
    </form>
  );
}
