import type { Session } from '../api/client';
import { go } from '../ui/nav';
import { guestSummary, lastSeenText, statusText } from './present';

export function viewerPath(id: string | number): string {
  return `/sessions/${encodeURIComponent(String(id))}/view`;
}

interface Props {
  sessions: Session[];
  loading: boolean;
  selectedId: string | null;
  now: number; // Unix seconds, for "last seen"
  onSelect: (id: string) => void;
  emptyText: string;
}

// The page(s) of sessions loaded so far. Selecting a row opens its details; Join opens the viewer.
export function SessionList({ sessions, loading, selectedId, now, onSelect, emptyText }: Props) {
  if (sessions.length === 0) {
    return loading ? <p class="muted">Loading sessions…</p> : <p class="empty">{emptyText}</p>;
  }
  return (
    <table class="sessions" aria-label="Sessions">
      <thead>
        <tr>
          <th scope="col">Name</th><th scope="col">Code</th><th scope="col">Company</th>
          <th scope="col">Guest</th><th scope="col">Status</th><th scope="col">Last seen</th>
          <th scope="col"><span class="visually-hidden">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        {sessions.map((s) => {
          const id = String(s.id);
          const classes = [s.ended_at ? 'ended' : '', selectedId === id ? 'selected' : ''].filter(Boolean).join(' ');
          return (
            <tr key={id} class={classes || undefined} aria-selected={selectedId === id}>
              <td><button type="button" class="link" onClick={() => onSelect(id)}>{s.name}</button></td>
              <td class="code">{s.code ?? ''}</td>
              <td>{s.properties?.company ?? ''}</td>
              <td class="guest">{guestSummary(s.guest)}</td>
              <td><span class={`status ${s.ended_at ? 'off' : s.guest?.online ? 'on' : 'wait'}`}>{statusText(s)}</span></td>
              <td>{lastSeenText(s.guest, now)}</td>
              <td class="actions">
                {!s.ended_at && <button type="button" onClick={() => go(viewerPath(s.id))}>Join</button>}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
