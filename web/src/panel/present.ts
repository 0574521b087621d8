// How the control panel words session data: sub-group labels, guest summaries, last-seen times
// and timeline entries. Pure functions.
import type { GuestInfo, Session, SessionEvent } from '../api/client';

export function subgroupLabel(value: string): string {
  return value === '' ? '(none)' : value;
}

// "ws-042 · Debian 12 · jo", or '' when nothing is known.
export function guestSummary(g: GuestInfo | undefined): string {
  if (!g) return '';
  return [g.machine, g.os, g.user].filter((x) => x).join(' · ');
}

// "Online", "Never", "just now", "5 min ago", "3 h ago", "12 days ago".
export function lastSeenText(g: GuestInfo | undefined, nowSeconds: number): string {
  if (!g) return 'Never';
  if (g.online) return 'Online';
  if (!g.last_seen) return 'Never';
  const ago = Math.max(0, nowSeconds - g.last_seen);
  if (ago < 60) return 'just now';
  if (ago < 3600) return `${Math.floor(ago / 60)} min ago`;
  if (ago < 86400) return `${Math.floor(ago / 3600)} h ago`;
  const days = Math.floor(ago / 86400);
  return days === 1 ? '1 day ago' : `${days} days ago`;
}

export function statusText(s: Session): string {
  if (s.ended_at) return 'Ended';
  if (s.guest?.online) return 'Guest connected';
  return 'Waiting';
}

const EVENT_TEXT: Record<string, (e: SessionEvent) => string> = {
  created: (e) => `Created by ${e.actor}`,
  ended: (e) => `Ended by ${e.actor}`,
  edited: (e) => `${e.actor} changed ${e.detail}`,
  note: (e) => `Note by ${e.actor}`,
  guest_connected: () => 'Guest connected',
  guest_disconnected: () => 'Guest disconnected',
  guest_info: (e) => `Guest information: ${e.detail}`,
  host_waiting: (e) => `${e.actor} asked to join`,
  host_joined: (e) => `${e.actor} joined`,
  host_left: (e) => `${e.actor} left`,
  guest_config_issued: (e) => `Connection file downloaded ${e.detail}`.trim(),
  // The guest decides: the host concerned is the actor of a question, the detail of an answer.
  consent_asked: (e) => `Consent asked for ${e.actor}`,
  consent_granted: (e) => `Consent granted to ${e.detail}`,
  consent_denied: (e) => (e.actor === 'timeout' ? `Consent not given in time to ${e.detail}` : `Consent denied to ${e.detail}`),
  consent_withdrawn: (e) => `Consent withdrawn from ${e.detail}`,
  consent_expired: (e) => `Consent expired for ${e.detail}`,
  consent_skipped: (e) => `${e.actor} joined without asking (HostSessionWithoutConsent)`,
};

// One line for the timeline; a note's text is shown separately (eventBody).
export function eventTitle(e: SessionEvent): string {
  const known = EVENT_TEXT[e.kind];
  if (known) return known(e);
  const words = e.kind.replace(/_/g, ' ');
  return e.actor ? `${words[0]?.toUpperCase() ?? ''}${words.slice(1)} (${e.actor})` : words;
}

export function eventBody(e: SessionEvent): string | null {
  return e.kind === 'note' ? e.detail : null;
}

// Puts a caret under the problem of a filter error: [before, at, after] of the text.
export function splitAtPosition(text: string, position: number | null): [string, string, string] | null {
  if (position === null || position < 1) return null;
  const chars = Array.from(text);
  const i = Math.min(position - 1, chars.length);
  return [chars.slice(0, i).join(''), chars[i] ?? ' ', chars.slice(i + 1).join('')];
}
