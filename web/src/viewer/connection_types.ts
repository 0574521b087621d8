// The vocabulary of the viewer's connection (connection.ts): its states and their details, the
// injected socket and clock, the listener and options, the reconnection backoff, the WebSocket
// URL, and the texts shown for SessionErrors. Pure: no DOM, no state.
import { ErrorCode, type MonitorLayout, type PeerEvent, type SessionInfo, type Welcome } from '../protocol/gen/tether/v1/control_pb';
import type { ClipboardMessage, VideoMessage } from '../protocol/gen/tether/v1/media_pb';

export const PROTOCOL_VERSION = 1;
export const SOFTWARE = 'tether-web/0.1.0';
export const CAPABILITIES = ['video.jpeg', 'video.deflate', 'video.solid', 'video.palette', 'cursor'] as const;
export const ALL_MONITORS = 0xffffffff;

export type ConnectionState = 'connecting' | 'waiting' | 'connected' | 'reconnecting' | 'ended' | 'failed' | 'closed';

export const FINAL_STATES: ReadonlySet<ConnectionState> = new Set(['ended', 'failed', 'closed']);

// Where this host stands with the guest's consent. 'none': the relay has said nothing (this host
// needs no consent).
// 'expired': the grant lapsed after the server's consent lifetime; like 'withdrawn', the host may ask again.
export type ConsentStatus = 'none' | 'waiting' | 'granted' | 'withdrawn' | 'expired' | 'denied';

export interface StateDetail {
  message?: string;   // ended/failed: why; reconnecting: the last error, if any
  attempt?: number;   // reconnecting: 1 for the first retry
  delayMs?: number;   // reconnecting: wait before this attempt
}

// The subset of WebSocket the connection uses.
export interface SocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: Uint8Array<ArrayBuffer>): void;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = (url: string) => SocketLike;

export interface Clock {
  now(): number;  // milliseconds, monotonic
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
};

export type ReconnectDecision = { proceed: true } | { proceed: false; state: 'ended' | 'failed'; message: string };

export interface ConnectionListener {
  onState?(state: ConnectionState, detail: StateDetail): void;
  onWelcome?(welcome: Welcome): void;          // every (re)connection; the video state is stale
  onSessionInfo?(info: SessionInfo): void;
  onPeerEvent?(event: PeerEvent): void;
  onMonitorLayout?(layout: MonitorLayout): void;
  onViewOnly?(viewOnly: boolean): void;
  onConsent?(consent: ConsentStatus): void;
  onVideo?(message: VideoMessage): void;
  onClipboard?(message: ClipboardMessage): void;
  onRoundTrip?(ms: number): void;
  onReceived?(bytes: number): void;
  onError?(message: string): void;             // a SessionError or a local problem, for display
}

export interface ConnectionOptions {
  url: string;
  socketFactory?: SocketFactory;
  clock?: Clock;
  listener?: ConnectionListener;
  // Asked before each reconnection attempt (e.g. whether the session still exists).
  beforeReconnect?: (attempt: number) => Promise<ReconnectDecision>;
  fastPingMs?: number;        // ping period while statistics are shown (default 2 s)
  maxHeartbeatMs?: number;    // ping at least this often (default 20 s)
  welcomeTimeoutMs?: number;  // from socket creation to Welcome (default 15 s)
}


// 1 s, 2 s, 4 s, 8 s, then 15 s.
export function backoffDelay(attempt: number): number {
  return Math.min(15000, 1000 * 2 ** Math.max(0, attempt - 1));
}

// The viewer's WebSocket URL on the page's own origin (wss:// on the HTTPS server).
export function connectUrl(loc: { protocol: string; host: string }, sessionId: string): string {
  const scheme = loc.protocol === 'http:' ? 'ws' : 'wss';
  return `${scheme}://${loc.host}/api/v1/sessions/${encodeURIComponent(sessionId)}/connect`;
}

// SessionError codes after which reconnecting cannot help.
export const FATAL_CODES: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.PROTOCOL,
  ErrorCode.VERSION,
  ErrorCode.UNAUTHENTICATED,
  ErrorCode.FORBIDDEN,
  ErrorCode.UNAVAILABLE,
  // The relay's idle limit disconnected the host: coming back on its own would defeat it.
  ErrorCode.TIMEOUT,
]);

export const SESSION_ENDED_MESSAGE = 'The session has ended';
export const GUEST_ENDED_MESSAGE = 'The guest ended the session';
export const GUEST_DENIED_MESSAGE = 'The guest denied the connection';
export const GUEST_NO_ANSWER_MESSAGE = 'The guest did not answer in time';

export function errorText(code: ErrorCode, message: string): string {
  if (message) return message;
  switch (code) {
    case ErrorCode.VERSION: return 'The server speaks another protocol version.';
    case ErrorCode.UNAUTHENTICATED: return 'You are not logged in.';
    case ErrorCode.FORBIDDEN: return 'You are not allowed to view this session.';
    case ErrorCode.TIMEOUT: return 'The connection timed out.';
    case ErrorCode.SHUTTING_DOWN: return 'The server is restarting.';
    case ErrorCode.UNAVAILABLE: return 'The server does not offer this yet.';
    default: return 'Protocol error.';
  }
}
