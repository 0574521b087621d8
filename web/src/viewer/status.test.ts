import { describe, expect, it } from 'vitest';
import { placeholderText, statusText } from './status';

describe('viewer status text', () => {
  it('says whose consent it waits for', () => {
    expect(statusText({ state: 'connected', detail: {}, consent: 'waiting', guestName: 'guest' }))
      .toBe('Waiting for the guest to allow the connection…');
    expect(statusText({ state: 'connected', detail: {}, consent: 'waiting', guestName: 'Dana' }))
      .toBe('Waiting for Dana to allow the connection…');
    expect(placeholderText({ state: 'connected', detail: {}, consent: 'waiting', hasFrame: false }))
      .toBe('Waiting for the guest to allow the connection…');
  });

  it('tells when the guest stopped sharing, denied or ended the session', () => {
    expect(statusText({ state: 'connected', detail: {}, consent: 'withdrawn' })).toBe('The guest stopped sharing');
    expect(statusText({ state: 'connected', detail: {}, consent: 'expired' })).toBe('The guest\'s consent expired');
    expect(statusText({ state: 'failed', detail: { message: 'The guest denied the connection' }, consent: 'denied' }))
      .toBe('The guest denied the connection');
    expect(statusText({ state: 'ended', detail: { message: 'The guest ended the session' } })).toBe('The guest ended the session');
    expect(statusText({ state: 'ended', detail: {} })).toBe('The session has ended');
  });

  it('is plain once the guest allowed', () => {
    expect(statusText({ state: 'connected', detail: {}, consent: 'granted' })).toBe('Connected');
    expect(placeholderText({ state: 'connected', detail: {}, consent: 'granted', hasFrame: false })).toBe('Waiting for the picture…');
    expect(statusText({ state: 'waiting', detail: {}, consent: 'waiting' })).toBe('Waiting for the guest to connect…');
  });
});
