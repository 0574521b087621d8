import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { messageOf } from '../ui/action';
import { PROPERTY_KEYS, api, type PropertyKey, type Session, type SessionEvent } from '../api/client';
import { Alert, Field } from '../ui/components';
import { go } from '../ui/nav';
import { formatTime } from './format';
import { eventBody, eventTitle, lastSeenText, statusText } from './present';
import { viewerPath } from './SessionList';
import { Thumbnail } from './Thumbnail';

interface Props {
  session: Session;
  now: number;
  onChanged: (s: Session) => void;
  onRemoved: (id: string) => void;
  onAuthLost: (err: unknown) => boolean;
  onClose: () => void;
}

const PROPERTY_LABELS: Record<PropertyKey, string> = {
  company: 'Company', site: 'Site', department: 'Department', tag: 'Tag',
};

// The detail pane of one session: actions, guest information, a thumbnail area, the editable
// name and custom properties, notes and the timeline of events.
export function SessionDetail({ session, now, onChanged, onRemoved, onAuthLost, onClose }: Props) {
  const id = String(session.id);
  const [events, setEvents] = useState<SessionEvent[] | null>(null);
  const [moreEvents, setMoreEvents] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirm, setConfirm] = useState<'end' | 'delete' | null>(null);
  const [name, setName] = useState(session.name);
  const [props, setProps] = useState<Record<PropertyKey, string>>(() => propsOf(session));
  const [note, setNote] = useState('');
  const loadSeq = useRef(0);

  // A different session, or a newer copy of it: the form shows what the server has.
  useEffect(() => {
    setName(session.name);
    setProps(propsOf(session));
  }, [id, session.name, session.properties?.company, session.properties?.site,
    session.properties?.department, session.properties?.tag]);

  const loadEvents = useCallback(async (after: number) => {
    const seq = ++loadSeq.current;
    try {
      const r = await api.listEvents(id, after);
      if (seq !== loadSeq.current) return;
      setEvents((old) => (after > 0 && old ? [...old, ...r.events] : r.events));
      setMoreEvents(r.more);
    } catch (err) {
      if (seq === loadSeq.current && !onAuthLost(err)) setError(messageOf(err));
    }
  }, [id, onAuthLost]);

  useEffect(() => {
    setEvents(null);
    setError(null);
    setConfirm(null);
    setNote('');
    void loadEvents(0);
  }, [id, loadEvents]);

  // Runs one action; on success refreshes the timeline.
  async function act(what: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await what();
      void loadEvents(0);
    } catch (err) {
      if (!onAuthLost(err)) setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  function save(e: Event) {
    e.preventDefault();
    const properties: Partial<Record<PropertyKey, string>> = {};
    for (const k of PROPERTY_KEYS) {
      if ((session.properties?.[k] ?? '') !== props[k].trim()) properties[k] = props[k].trim();
    }
    const patch = { ...(name.trim() !== session.name ? { name: name.trim() } : {}), ...(Object.keys(properties).length ? { properties } : {}) };
    if (Object.keys(patch).length === 0) return;
    void act(async () => onChanged(await api.updateSession(id, patch)));
  }

  function addNote(e: Event) {
    e.preventDefault();
    const text = note.trim();
    if (!text) return;
    void act(async () => {
      await api.addNote(id, text);
      setNote('');
    });
  }

  function end() {
    setConfirm(null);
    void act(async () => {
      await api.endSession(id);
      onChanged(await api.getSession(id));
    });
  }

  function remove() {
    setConfirm(null);
    setBusy(true);
    api.deleteSession(id).then(() => onRemoved(id)).catch((err) => {
      if (!onAuthLost(err)) setError(messageOf(err));
    }).finally(() => setBusy(false));
  }

  const g = session.guest;
  const open = !session.ended_at;
  return (
    <aside class="detail" aria-labelledby="detail-title">
      <div class="detail-head">
        <h2 id="detail-title">{session.name}</h2>
        <button type="button" class="close" aria-label="Close details" onClick={onClose}>×</button>
      </div>
      <p class="muted">
        {session.type} · {statusText(session)}{session.code ? ` · code ${session.code}` : ''} · created {formatTime(session.created_at)} by {String(session.created_by ?? '')}
      </p>
      <div class="row detail-actions">
        {open && <button type="button" class="primary" onClick={() => go(viewerPath(id))}>Join</button>}
        {open && <button type="button" disabled={busy} onClick={() => setConfirm('end')}>End session</button>}
        <button type="button" class="danger" disabled={busy} onClick={() => setConfirm('delete')}>Delete</button>
      </div>
      {confirm && (
        <div class="confirm" role="alertdialog" aria-labelledby="confirm-text">
          <p id="confirm-text">
            {confirm === 'end'
              ? 'End this session? Everyone connected to it is disconnected.'
              : 'Delete this session and its timeline? This cannot be undone.'}
          </p>
          <button type="button" class="danger" onClick={confirm === 'end' ? end : remove}>
            {confirm === 'end' ? 'Yes, end it' : 'Yes, delete it'}
          </button>
          <button type="button" onClick={() => setConfirm(null)}>Cancel</button>
        </div>
      )}
      {error && <Alert>{error}</Alert>}

      <Thumbnail sessionId={id} live={open && !!g?.online} guestOnline={!!g?.online} />

      <h3>Guest</h3>
      <dl class="guest-info">
        <dt>Machine</dt><dd>{g?.machine || '—'}</dd>
        <dt>Operating system</dt><dd>{g?.os || '—'}</dd>
        <dt>Logged-on user</dt><dd>{g?.user || '—'}</dd>
        <dt>Network address</dt><dd>{g?.address || '—'}</dd>
        <dt>Agent version</dt><dd>{g?.agent_version || '—'}</dd>
        <dt>Last seen</dt><dd>{lastSeenText(g, now)}</dd>
      </dl>

      <form class="edit" onSubmit={save} aria-label="Edit session">
        <h3>Name and properties</h3>
        <Field id="detail-name" label="Name" value={name} onInput={setName} required maxLength={128} />
        <div class="props">
          {PROPERTY_KEYS.map((k) => (
            <Field key={k} id={`detail-${k}`} label={PROPERTY_LABELS[k]} value={props[k]}
              onInput={(v) => setProps((p) => ({ ...p, [k]: v }))} maxLength={128} />
          ))}
        </div>
        <button type="submit" disabled={busy}>Save</button>
      </form>

      <form class="note" onSubmit={addNote}>
        <label for="detail-note">Note</label>
        <textarea id="detail-note" rows={2} maxLength={2000} value={note}
          onInput={(e) => setNote((e.currentTarget as HTMLTextAreaElement).value)} />
        <button type="submit" disabled={busy || !note.trim()}>Add note</button>
      </form>

      <h3>Timeline</h3>
      {events === null && !error && <p class="muted">Loading…</p>}
      {events !== null && (
        <ol class="timeline" aria-label="Timeline">
          {events.map((e) => (
            <li key={e.id} class={`event ${e.kind}`}>
              <time dateTime={new Date(e.at * 1000).toISOString()}>{formatTime(e.at)}</time>
              <span>{eventTitle(e)}</span>
              {eventBody(e) !== null && <p class="note-text">{eventBody(e)}</p>}
            </li>
          ))}
        </ol>
      )}
      {moreEvents && events && (
        <button type="button" onClick={() => void loadEvents(events[events.length - 1]?.id ?? 0)}>Show more</button>
      )}
    </aside>
  );
}

function propsOf(s: Session): Record<PropertyKey, string> {
  return {
    company: s.properties?.company ?? '', site: s.properties?.site ?? '',
    department: s.properties?.department ?? '', tag: s.properties?.tag ?? '',
  };
}
