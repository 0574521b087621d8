import { describe, expect, it } from 'vitest';
import type { GuestInfo } from '../api/client';
import { eventBody, eventTitle, guestSummary, lastSeenText, splitAtPosition, statusText, subgroupLabel } from './present';

const guest: GuestInfo = { machine: 'ws-042', os: 'Debian 12', user: 'jo', address: '10.0.0.7', agent_version: '0.1.0', online: false, last_seen: 1000 };

describe('presentation', () => {
  it('words guests and last-seen times', () => {
    expect(guestSummary(guest)).toBe('ws-042 · Debian 12 · jo');
    expect(guestSummary({ ...guest, os: '' })).toBe('ws-042 · jo');
    expect(guestSummary(undefined)).toBe('');
    expect(lastSeenText({ ...guest, online: true }, 5000)).toBe('Online');
    expect(lastSeenText({ ...guest, last_seen: 0 }, 5000)).toBe('Never');
    expect(lastSeenText(guest, 1030)).toBe('just now');
    expect(lastSeenText(guest, 1000 + 5 * 60)).toBe('5 min ago');
    expect(lastSeenText(guest, 1000 + 3 * 3600)).toBe('3 h ago');
    expect(lastSeenText(guest, 1000 + 86400)).toBe('1 day ago');
    expect(lastSeenText(guest, 1000 + 40 * 86400)).toBe('40 days ago');
    expect(lastSeenText(guest, 0)).toBe('just now');  // clock skew never shows negative times
    expect(statusText({ id: 1, type: 'support', name: 'x', ended_at: 5 })).toBe('Ended');
    expect(statusText({ id: 1, type: 'support', name: 'x', ended_at: 0, guest: { ...guest, online: true } })).toBe('Guest connected');
    expect(subgroupLabel('')).toBe('(none)');
    expect(subgroupLabel('Acme')).toBe('Acme');
  });

  it('titles timeline events, known and unknown', () => {
    const e = (kind: string, actor = 'alice', detail = '') => ({ id: 1, kind, actor, detail, at: 0 });
    expect(eventTitle(e('created'))).toBe('Created by alice');
    expect(eventTitle(e('host_waiting'))).toBe('alice asked to join');
    expect(eventTitle(e('host_joined'))).toBe('alice joined');
    expect(eventTitle(e('consent_asked'))).toBe('Consent asked for alice');
    expect(eventTitle(e('consent_granted', 'guest', 'alice'))).toBe('Consent granted to alice');
    expect(eventTitle(e('consent_denied', 'guest', 'alice (no answer)'))).toBe('Consent denied to alice (no answer)');
    expect(eventTitle(e('consent_withdrawn', 'guest', 'alice'))).toBe('Consent withdrawn from alice');
    expect(eventTitle(e('guest_config_issued', 'guest', 'from 192.0.2.7'))).toBe('Connection file downloaded from 192.0.2.7');
    expect(eventTitle(e('edited', 'bob', 'company="Acme"'))).toBe('bob changed company="Acme"');
    expect(eventTitle(e('files_sent', 'carol'))).toBe('Files sent (carol)');
    expect(eventTitle(e('reboot', ''))).toBe('reboot');
    expect(eventBody(e('note', 'alice', 'Called back'))).toBe('Called back');
    expect(eventBody(e('created'))).toBeNull();
  });

  it('splits a filter at a 1-based character position', () => {
    expect(splitAtPosition('company = ', 11)).toEqual(['company = ', ' ', '']);
    expect(splitAtPosition('compnay = x', 1)).toEqual(['', 'c', 'ompnay = x']);
    expect(splitAtPosition('café = 1', 4)).toEqual(['caf', 'é', ' = 1']);
    expect(splitAtPosition('x', null)).toBeNull();
  });
});
