import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, type Session, type SessionType, type User } from '../api/client';
import { Alert } from '../ui/components';
import { go, redirect } from '../ui/nav';
import { NewSessionForm } from './NewSessionForm';
import { SessionList } from './SessionList';

const TABS: { type: SessionType; label: string }[] = [
  { type: 'support', label: 'Support' },
  { type: 'meeting', label: 'Meeting' },
  { type: 'access', label: 'Access' },
];

// A 401 anywhere means the web session is gone (expired, revoked, logged out elsewhere).
function authLost(err: unknown): boolean {
  if (err instanceof ApiError && err.status === 401) {
    redirect('/login');
    return true;
  }
  return false;
}

export function ControlPanel() {
  const [user, setUser] = useState<User | null>(null);
  const [fatal, setFatal] = useState<string | null>(null);
  const [tab, setTab] = useState<SessionType>('support');
  const [sessions, setSessions] = useState<Session[] | null>(null);
  const [loading, setLoading] = useState(false);
  const [listError, setListError] = useState<string | null>(null);
  const requestSeq = useRef(0);

  useEffect(() => {
    api.me().then((info) => setUser(info.user)).catch((err) => {
      if (!authLost(err)) setFatal(err instanceof Error ? err.message : String(err));
    });
  }, []);

  // Only the answer to the latest request is shown (tabs can change while one is in flight).
  const refresh = useCallback(async (type: SessionType) => {
    const seq = ++requestSeq.current;
    setLoading(true);
    setListError(null);
    try {
      const list = await api.listSessions(type);
      if (seq === requestSeq.current) setSessions(list);
    } catch (err) {
      if (seq === requestSeq.current && !authLost(err)) setListError(err instanceof Error ? err.message : String(err));
    } finally {
      if (seq === requestSeq.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    if (!user) return;
    setSessions(null);
    void refresh(tab);
  }, [user, tab, refresh]);

  async function logout() {
    try {
      await api.logout();
    } catch {
      // Already logged out (401) is fine; on any other failure the page is left all the same.
    }
    go('/login');
  }

  if (fatal) return <main class="panel"><Alert>{fatal}</Alert></main>;
  if (!user) return <main class="panel"><p class="muted">Loading…</p></main>;

  return (
    <div class="shell">
      <header class="topbar">
        <span class="product">Tether</span>
        <span class="spacer" />
        <span class="user" aria-label="Logged in as">{user.username}</span>
        <button type="button" onClick={logout}>Log out</button>
      </header>
      <main class="panel">
        <nav class="tabs" role="tablist" aria-label="Session types">
          {TABS.map((t) => (
            <button key={t.type} type="button" role="tab" id={`tab-${t.type}`}
              aria-selected={tab === t.type} aria-controls="tab-panel"
              class={tab === t.type ? 'tab active' : 'tab'}
              onClick={() => setTab(t.type)}>
              {t.label}
            </button>
          ))}
        </nav>
        <section id="tab-panel" role="tabpanel" aria-labelledby={`tab-${tab}`}>
          {tab === 'support' && (
            <NewSessionForm onAuthLost={authLost} onCreated={() => void refresh('support')} />
          )}
          <h2>Sessions</h2>
          {listError && <Alert>{listError}</Alert>}
          <SessionList sessions={sessions} loading={loading} />
        </section>
      </main>
    </div>
  );
}
