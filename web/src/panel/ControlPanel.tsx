import { useCallback, useEffect, useReducer, useRef, useState } from 'preact/hooks';
import { messageOf } from '../ui/action';
import { ApiError, api, type Session, type SessionGroup, type SessionType, type Subgroup, type User } from '../api/client';
import { Alert } from '../ui/components';
import { go, redirect } from '../ui/nav';
import { AccessInstallerForm } from './AccessInstallerForm';
import { FilterError } from './FilterError';
import { GroupEditor } from './GroupEditor';
import { GroupList } from './GroupList';
import { NewSessionForm } from './NewSessionForm';
import { initialListState, listReducer, queryFor, selectedSession } from './panel_state';
import { SessionDetail } from './SessionDetail';
import { SessionList } from './SessionList';
import './panel.css';

const TABS: { type: SessionType; label: string }[] = [
  { type: 'support', label: 'Support' },
  { type: 'meeting', label: 'Meeting' },
  { type: 'access', label: 'Access' },
];

const SEARCH_DELAY_MS = 250;

// A 401 anywhere means the web session is gone (expired, revoked, logged out elsewhere).
function authLost(err: unknown): boolean {
  if (err instanceof ApiError && err.status === 401) {
    redirect('/login');
    return true;
  }
  if (err instanceof ApiError && err.code === 'password_change_required') {
    redirect('/password');
    return true;
  }
  if (err instanceof ApiError && err.code === 'two_factor_required') {
    redirect('/two-factor');
    return true;
  }
  return false;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export function ControlPanel() {
  const [user, setUser] = useState<User | null>(null);
  const [fatal, setFatal] = useState<string | null>(null);
  const [state, dispatch] = useReducer(listReducer, undefined, () => initialListState());
  const [groups, setGroups] = useState<SessionGroup[]>([]);
  const [groupsTab, setGroupsTab] = useState<SessionType | null>(null); // the tab `groups` belong to
  // The sub-group counts of group `groupId` (null list: loading).
  const [subgroups, setSubgroups] = useState<{ groupId: number | null; list: Subgroup[] | null; truncated: boolean }>(
    { groupId: null, list: null, truncated: false });
  const [searchText, setSearchText] = useState('');
  const [filterText, setFilterText] = useState('');
  const [showFilter, setShowFilter] = useState(false);
  const [editor, setEditor] = useState<{ group: SessionGroup | null; filter?: string } | null>(null);
  const [now, setNow] = useState(nowSeconds);
  const seq = useRef(0);
  const stateRef = useRef(state);
  stateRef.current = state;
  // What the role grants (GET /me); the server checks every call anyway.
  const may = (permission: string) => user?.permissions?.includes(permission) ?? false;

  useEffect(() => {
    api.me().then((info) => {
      if (info.user.must_change_password) go('/password');
      else if (info.user.two_factor_required && !info.user.two_factor_enabled) go('/two-factor');
      else setUser(info.user);
    }).catch((err) => {
      if (!authLost(err)) setFatal(messageOf(err));
    });
    const timer = setInterval(() => setNow(nowSeconds()), 30_000);
    return () => clearInterval(timer);
  }, []);

  // Loads the first page (append = false) or the next one.
  const load = useCallback(async (append: boolean) => {
    const mine = ++seq.current;
    dispatch({ type: 'request', seq: mine });
    try {
      const page = await api.querySessions(queryFor(stateRef.current, append ? stateRef.current.nextCursor ?? undefined : undefined));
      dispatch({ type: 'loaded', seq: mine, page, append });
      setNow(nowSeconds());
    } catch (err) {
      if (authLost(err)) return;
      const filterProblem = err instanceof ApiError && err.parameter === 'filter'
        ? { message: err.message, position: err.position ?? null } : null;
      dispatch({ type: 'failed', seq: mine, error: messageOf(err), filterProblem });
    }
  }, []);

  // Any change of tab, group, sub-group, search, filter or "show ended" reloads the list.
  useEffect(() => {
    if (user && groupsTab === state.tab) void load(false);
  }, [user, groupsTab, state.generation, load]);

  // The groups of the tab; keeps the selected group when it is shown on this tab too.
  const loadGroups = useCallback(async (tab: SessionType, prefer?: number) => {
    try {
      const list = await api.listGroups(tab);
      if (tab !== stateRef.current.tab) return;  // the user moved on to another tab
      setGroups(list);
      const keep = list.find((g) => g.id === (prefer ?? stateRef.current.groupId));
      dispatch({ type: 'group', groupId: keep?.id ?? list[0]?.id ?? null, subgroup: keep ? stateRef.current.subgroup : null });
      setGroupsTab(tab);
    } catch (err) {
      if (!authLost(err)) setFatal(messageOf(err));
    }
  }, []);

  useEffect(() => {
    if (!user) return;
    setGroupsTab(null);
    void loadGroups(state.tab);
  }, [user, state.tab, loadGroups]);

  // Sub-group values (with counts) of the selected group, for the same search and filter.
  const selectedGroup = groups.find((g) => g.id === state.groupId) ?? null;
  useEffect(() => {
    if (!selectedGroup?.subgroup_by) return;
    let current = true;
    const groupId = selectedGroup.id;
    // Another group starts with "Loading…"; new counts of the same group replace the old ones.
    setSubgroups((old) => (old.groupId === groupId ? old : { groupId, list: null, truncated: false }));
    const q = queryFor({ ...state, subgroup: null });
    api.listSubgroups(groupId, q).then((r) => {
      if (current) setSubgroups({ groupId, list: r.subgroups, truncated: r.truncated });
    }).catch((err) => {
      // A bad filter is reported by the list; the counts keep their last answer.
      if (current && !authLost(err)) setSubgroups((old) => ({ groupId, list: old.list ?? [], truncated: old.truncated }));
    });
    return () => { current = false; };
  }, [selectedGroup?.id, selectedGroup?.subgroup_by, state.tab, state.q, state.filter, state.showEnded, state.generation]);

  // Search as you type, a moment after the last key.
  useEffect(() => {
    const timer = setTimeout(() => dispatch({ type: 'search', q: searchText.trim() }), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [searchText]);

  async function logout() {
    try {
      await api.logout();
    } catch {
      // Already logged out (401) is fine; on any other failure the page is left all the same.
    }
    go('/login');
  }

  function created(s: Session) {
    dispatch({ type: 'refresh' });
    dispatch({ type: 'select', id: String(s.id) });
  }

  if (fatal) return <main class="panel"><Alert>{fatal}</Alert></main>;
  if (!user) return <main class="panel"><p class="muted">Loading…</p></main>;

  const selected = selectedSession(state);
  const tabLabel = TABS.find((t) => t.type === state.tab)?.label ?? '';
  return (
    <div class="shell">
      <header class="topbar">
        <span class="product">Tether</span>
        <span class="spacer" />
        <span class="user" aria-label="Logged in as">{user.username}</span>
        <a href="/tokens">API tokens</a>
        {may('Administer') && <a href="/admin">Administration</a>}
        {may('Administer') && <a href="/roles">Roles</a>}
        <a href="/two-factor">Two-factor</a>
        <a href="/password">Change password</a>
        <button type="button" onClick={logout}>Log out</button>
      </header>
      <main class="panel wide">
        <nav class="tabs" role="tablist" aria-label="Session types">
          {TABS.map((t) => (
            <button key={t.type} type="button" role="tab" id={`tab-${t.type}`}
              aria-selected={state.tab === t.type} aria-controls="tab-panel"
              class={state.tab === t.type ? 'tab active' : 'tab'}
              onClick={() => dispatch({ type: 'tab', tab: t.type })}>
              {t.label}
            </button>
          ))}
        </nav>
        <div id="tab-panel" role="tabpanel" aria-labelledby={`tab-${state.tab}`} class="workspace">
          <div class="side">
            <GroupList groups={groups} selectedId={state.groupId} subgroup={state.subgroup}
              subgroups={subgroups.list} subgroupsTruncated={subgroups.truncated}
              onSelect={(groupId, subgroup) => dispatch({ type: 'group', groupId, subgroup })} />
            {may('ManageSessionGroups') && (
              <div class="group-actions">
                <button type="button" onClick={() => setEditor({ group: null })}>New group</button>
                {selectedGroup && <button type="button" onClick={() => setEditor({ group: selectedGroup })}>Edit group</button>}
              </div>
            )}
          </div>
          <section class="list" aria-label={`${tabLabel} sessions`}>
            {((state.tab === 'support' && may('CreateSupportSession')) || (state.tab === 'meeting' && may('CreateMeetingSession'))) &&
              <NewSessionForm key={state.tab} type={state.tab} onAuthLost={authLost} onCreated={created} />}
            {state.tab === 'access' && may('BuildAccessInstaller') && <AccessInstallerForm onAuthLost={authLost} />}
            {editor && (
              <GroupEditor key={editor.group?.id ?? 'new'} group={editor.group} initialFilter={editor.filter}
                onAuthLost={authLost} onCancel={() => setEditor(null)}
                onSaved={(g) => { setEditor(null); void loadGroups(state.tab, g.id); dispatch({ type: 'refresh' }); }}
                onDeleted={() => { setEditor(null); void loadGroups(state.tab); }} />
            )}
            <div class="toolbar">
              <div class="field search">
                <label for="session-search">Search</label>
                <input id="session-search" type="search" value={searchText} maxLength={128} spellcheck={false}
                  placeholder="Name, code, company, machine or user"
                  onInput={(e) => setSearchText((e.currentTarget as HTMLInputElement).value)} />
              </div>
              <label class="check">
                <input type="checkbox" checked={state.showEnded}
                  onChange={(e) => dispatch({ type: 'showEnded', show: (e.currentTarget as HTMLInputElement).checked })} />
                Show ended
              </label>
              <button type="button" aria-expanded={showFilter} onClick={() => setShowFilter(!showFilter)}>Filter…</button>
            </div>
            {showFilter && (
              <form class="filter-bar" onSubmit={(e) => { e.preventDefault(); dispatch({ type: 'filter', filter: filterText.trim() }); }}>
                <div class="field">
                  <label for="session-filter">Filter expression</label>
                  <input id="session-filter" type="text" value={filterText} maxLength={2048} spellcheck={false}
                    placeholder='e.g. company ~ acme AND last_seen < 30d ago'
                    onInput={(e) => setFilterText((e.currentTarget as HTMLInputElement).value)} />
                </div>
                <button type="submit">Apply</button>
                {state.filter && <button type="button" onClick={() => { setFilterText(''); dispatch({ type: 'filter', filter: '' }); }}>Clear</button>}
                {may('ManageSessionGroups') && state.filter && !state.filterProblem && (
                  <button type="button" onClick={() => setEditor({ group: null, filter: state.filter })}>Save as group</button>
                )}
              </form>
            )}
            {state.filterProblem && <FilterError text={state.filter} problem={state.filterProblem} />}
            {state.error && !state.filterProblem && <Alert>{state.error}</Alert>}
            <h2 class="visually-hidden">Sessions</h2>
            <SessionList sessions={state.sessions} loading={state.loading} selectedId={state.selectedId} now={now}
              onSelect={(id) => dispatch({ type: 'select', id })}
              emptyText={state.q || state.filter || state.subgroup !== null || selectedGroup?.filter ? 'No sessions match' : 'No sessions yet'} />
            {state.nextCursor && (
              <button type="button" class="more" disabled={state.loading} onClick={() => void load(true)}>
                {state.loading ? 'Loading…' : 'Load more'}
              </button>
            )}
          </section>
          {selected && (
            <SessionDetail session={selected} now={now} onAuthLost={authLost}
              onClose={() => dispatch({ type: 'select', id: null })}
              onChanged={(s) => dispatch({ type: 'updated', session: s })}
              onRemoved={(id) => dispatch({ type: 'removed', id })} />
          )}
        </div>
      </main>
    </div>
  );
}
