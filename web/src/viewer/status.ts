// What the viewer says about the connection and the guest's consent, as plain text: the toolbar
// status and the placeholder shown instead of the screen. Pure, tested in status.test.ts.
import type { ConnectionState, ConsentStatus, StateDetail } from './connection';

export interface StatusInput {
  state: ConnectionState | 'checking';
  detail: StateDetail;
  consent?: ConsentStatus;
  guestName?: string;
}

// "the guest" unless the relay named the guest something more telling.
export function guestLabel(name: string | undefined): string {
  return !name || name === 'guest' ? 'the guest' : name;
}

export function statusText(ui: StatusInput): string {
  switch (ui.state) {
    case 'checking':
    case 'connecting': return 'Connecting…';
    case 'waiting': return 'Waiting for the guest to connect…';
    case 'connected':
      if (ui.consent === 'waiting') return `Waiting for ${guestLabel(ui.guestName)} to allow the connection…`;
      if (ui.consent === 'withdrawn') return 'The guest stopped sharing';
      if (ui.consent === 'expired') return 'The guest\'s consent expired';
      if (ui.consent === 'denied') return 'The guest denied the connection';
      return 'Connected';
    case 'reconnecting': return 'Reconnecting…';
    case 'ended': return ui.detail.message || 'The session has ended';
    case 'failed': return ui.detail.message || 'Cannot connect';
    case 'closed': return 'Disconnected';
  }
}

// The placeholder where the screen would be, when there is no picture to show.
export function placeholderText(ui: StatusInput & { hasFrame: boolean }): string {
  if (ui.state === 'connected' && (ui.consent === 'none' || ui.consent === 'granted' || ui.consent === undefined)) {
    return 'Waiting for the picture…';
  }
  return statusText(ui);
}
