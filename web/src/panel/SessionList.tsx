import type { Session } from '../api/client';
import { go } from '../ui/nav';
import { formatTime } from './format';

export function viewerPath(id: string | number): string {
  return `/sessions/${encodeURIComponent(String(id))}/view`;
}

export function SessionList({ sessions, loading }: { sessions: Session[] | null; loading: boolean }) {
  if (sessions === null) return <p class="muted">{loading ? 'Loading sessions…' : ''}</p>;
  if (sessions.length === 0) return <p class="empty">No sessions yet</p>;
  return (
    <table class="sessions" aria-label="Sessions">
      <thead>
        <tr>
          <th scope="col">Name</th><th scope="col">Code</th><th scope="col">Created</th><th scope="col">Status</th>
          <th scope="col"><span class="visually-hidden">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        {sessions.map((s) => (
          <tr key={String(s.id)} class={s.ended_at ? 'ended' : undefined}>
            <td>{s.name}</td>
            <td class="code">{s.code ?? ''}</td>
            <td>{formatTime(s.created_at)}</td>
            <td>{s.ended_at ? `Ended ${formatTime(s.ended_at)}` : 'Active'}</td>
            <td class="actions">
              {!s.ended_at && (
                <button type="button" onClick={() => go(viewerPath(s.id))}>Join</button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
