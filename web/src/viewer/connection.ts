// The viewer's connection to the relay: one WebSocket carrying frames (protocol/frame.ts), the
// handshake, heartbeat, reconnection with backoff and message dispatch. No DOM: the socket and
// the clock are injected, so the state machine is tested with fakes (connection.test.ts).
//
// States:
//   connecting    first attempt; socket opening or Hello sent, no Welcome yet
//   waiting       Welcome received, the guest is not connected
//   connected     Welcome received and the guest is connected
//   reconnecting  the connection broke; waiting for the backoff delay or for the next Welcome
//   ended         the session is over (SessionError SESSION_ENDED or EndSession); final
//   failed        an error that reconnecting cannot fix (version, auth, the guest's denial, …); final
//   closed        closed by the user (Disconnect); final
//
// Consent (docs/protocol.md section 5.5) is tracked beside the state: while the guest has not
// allowed this host, the relay sends it nothing of the guest's screen and drops its input.
import type { MessageInitShape } from '@bufbuild/protobuf';
import {
  Channel,
  decodeMessage,
  encodeClipboard,
  encodeControl,
  encodeInput,
  encodeVideo,
} from '../protocol/frame';
import {
  ConsentState_State,
  ControlMessageSchema,
  EndpointRole,
  ErrorCode,
  type ControlMessage,
} from '../protocol/gen/tether/v1/control_pb';
import {
  ClipboardMessageSchema,
  InputMessageSchema,
  VideoMessageSchema,
} from '../protocol/gen/tether/v1/media_pb';

import {
  PROTOCOL_VERSION,
  SOFTWARE,
  CAPABILITIES,
  FINAL_STATES,
  realClock,
  backoffDelay,
  FATAL_CODES,
  SESSION_ENDED_MESSAGE,
  GUEST_ENDED_MESSAGE,
  GUEST_DENIED_MESSAGE,
  GUEST_NO_ANSWER_MESSAGE,
  errorText,
  type ConnectionState,
  type ConsentStatus,
  type StateDetail,
  type SocketLike,
  type SocketFactory,
  type Clock,
  type ReconnectDecision,
  type ConnectionListener,
  type ConnectionOptions,
} from './connection_types';
export {
  PROTOCOL_VERSION,
  SOFTWARE,
  CAPABILITIES,
  ALL_MONITORS,
  FINAL_STATES,
  realClock,
  backoffDelay,
  connectUrl,
  SESSION_ENDED_MESSAGE,
  GUEST_ENDED_MESSAGE,
  GUEST_DENIED_MESSAGE,
  GUEST_NO_ANSWER_MESSAGE,
} from './connection_types';
export type {
  ConnectionState,
  ConsentStatus,
  StateDetail,
  SocketLike,
  SocketFactory,
  Clock,
  ReconnectDecision,
  ConnectionListener,
  ConnectionOptions,
} from './connection_types';

const OPEN = 1;
const CLOSE_NORMAL = 1000;
const CLOSE_PROTOCOL = 4002;  // application range: our own protocol complaint
const CLOSE_TIMEOUT = 4008;
export class ViewerConnection {
  private readonly url: string;
  private readonly socketFactory: SocketFactory;
  private readonly clock: Clock;
  private readonly listener: ConnectionListener;
  private readonly beforeReconnect?: (attempt: number) => Promise<ReconnectDecision>;
  private readonly fastPingMs: number;
  private readonly maxHeartbeatMs: number;
  private readonly welcomeTimeoutMs: number;

  private socket: SocketLike | null = null;
  private stateValue: ConnectionState = 'connecting';
  private started = false;
  private welcomed = false;
  private guestPresent = false;
  private attempt = 0;              // reconnection attempts since the last Welcome
  private lastError: string | undefined;
  private heartbeatMs: number;
  private idleTimeoutMs = 60000;
  private fastPing = false;
  private lastReceivedAt = 0;
  private readonly pendingPings = new Set<bigint>();
  private viewOnlyValue = false;
  private consentValue: ConsentStatus = 'none';
  private deniedMessage: string | null = null;      // set by a DENIED consent state
  private viewOnlyRequested: boolean | null = null;  // the user's explicit choice, re-sent after a reconnect
  private selectedMonitor: number | null = null;      // the user's explicit choice
  private shownMonitor: number | null = null;         // the monitor of the last frame

  private reconnectTimer: unknown = null;
  private heartbeatTimer: unknown = null;
  private welcomeTimer: unknown = null;

  constructor(options: ConnectionOptions) {
    this.url = options.url;
    this.socketFactory = options.socketFactory ?? ((url) => new WebSocket(url) as unknown as SocketLike);
    this.clock = options.clock ?? realClock;
    this.listener = options.listener ?? {};
    this.beforeReconnect = options.beforeReconnect;
    this.fastPingMs = options.fastPingMs ?? 2000;
    this.maxHeartbeatMs = options.maxHeartbeatMs ?? 20000;
    this.welcomeTimeoutMs = options.welcomeTimeoutMs ?? 15000;
    this.heartbeatMs = this.maxHeartbeatMs;
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  get viewOnly(): boolean {
    return this.viewOnlyValue;
  }

  get consent(): ConsentStatus {
    return this.consentValue;
  }

  // Whether the relay lets this host's input through (view-only aside).
  get allowed(): boolean {
    return this.consentValue === 'none' || this.consentValue === 'granted';
  }

  get isReady(): boolean {
    return this.welcomed && this.socket !== null && this.socket.readyState === OPEN;
  }

  // The monitor a refresh asks for: the user's pick, else what is being shown, else 0.
  get currentMonitor(): number {
    return this.selectedMonitor ?? this.shownMonitor ?? 0;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.setState('connecting', {});
    this.open();
  }

  // Disconnect by the user: final, no reconnection.
  close(): void {
    if (FINAL_STATES.has(this.stateValue)) return;
    if (this.isReady && !this.viewOnlyValue) this.sendInput({ msg: { case: 'releaseAll', value: {} } });
    this.finish('closed', {});
  }

  // --- sending ---------------------------------------------------------------------------

  sendControl(init: MessageInitShape<typeof ControlMessageSchema>): boolean {
    return this.sendBytes(() => encodeControl(init));
  }

  sendVideo(init: MessageInitShape<typeof VideoMessageSchema>): boolean {
    return this.sendBytes(() => encodeVideo(init));
  }

  // Input is dropped while view-only or without the guest's consent (the relay enforces both).
  sendInput(init: MessageInitShape<typeof InputMessageSchema>): boolean {
    if (this.viewOnlyValue || !this.allowed) return false;
    return this.sendBytes(() => encodeInput(init));
  }

  sendClipboard(init: MessageInitShape<typeof ClipboardMessageSchema>): boolean {
    return this.sendBytes(() => encodeClipboard(init));
  }

  requestRefresh(): boolean {
    return this.sendVideo({ msg: { case: 'refresh', value: { monitor: this.currentMonitor } } });
  }

  selectMonitor(monitor: number): void {
    this.selectedMonitor = monitor;
    if (!this.isReady) return;
    this.sendControl({ msg: { case: 'selectMonitor', value: { monitor } } });
    this.requestRefresh();
  }

  // Asks the relay for view-only (always granted) or control (the relay decides and answers
  // with ViewOnly). The change is shown at once; a ViewOnly from the relay overrides it.
  setViewOnly(viewOnly: boolean): void {
    if (viewOnly && !this.viewOnlyValue && this.isReady) this.sendInput({ msg: { case: 'releaseAll', value: {} } });
    this.viewOnlyRequested = viewOnly;
    if (this.isReady) this.sendControl({ msg: { case: 'viewOnly', value: { viewOnly } } });
    this.applyViewOnly(viewOnly);
  }

  // After the guest stopped sharing or the grant lapsed: ask it again (the relay shows the
  // guest a new prompt).
  askConsentAgain(): boolean {
    if (this.consentValue !== 'withdrawn' && this.consentValue !== 'expired') return false;
    return this.sendControl({ msg: { case: 'consentRequest', value: {} } });
  }

  // Statistics shown: ping every fastPingMs for a fresh latency figure.
  setFastPing(on: boolean): void {
    if (this.fastPing === on) return;
    this.fastPing = on;
    if (this.welcomed) {
      if (on) this.sendPing();  // a latency figure at once
      this.scheduleHeartbeat();
    }
  }

  // --- internals -------------------------------------------------------------------------

  private setState(state: ConnectionState, detail: StateDetail): void {
    this.stateValue = state;
    this.listener.onState?.(state, detail);
  }

  private open(): void {
    this.welcomed = false;
    this.guestPresent = false;  // the relay tells again after the Welcome (PeerEvent)
    this.setConsent('none');    // and where this host stands with the guest (ConsentState)
    this.pendingPings.clear();
    let socket: SocketLike;
    try {
      socket = this.socketFactory(this.url);
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => this.onOpen(socket);
    socket.onmessage = (ev) => this.onMessage(socket, ev.data);
    socket.onclose = () => this.onClose(socket);
    socket.onerror = () => {};  // always followed by close
    this.welcomeTimer = this.clock.setTimeout(() => {
      if (this.socket === socket && !this.welcomed) this.drop(socket, CLOSE_TIMEOUT, 'The server did not answer.');
    }, this.welcomeTimeoutMs);
  }

  private onOpen(socket: SocketLike): void {
    if (socket !== this.socket) return;
    this.lastReceivedAt = this.clock.now();
    // The Hello is always the first frame.
    this.sendRaw(encodeControl({
      msg: {
        case: 'hello',
        value: {
          protocolVersion: PROTOCOL_VERSION,
          minProtocolVersion: PROTOCOL_VERSION,
          role: EndpointRole.HOST,
          capabilities: [...CAPABILITIES],
          software: SOFTWARE,
        },
      },
    }));
  }

  private onMessage(socket: SocketLike, data: unknown): void {
    if (socket !== this.socket) return;
    if (!(data instanceof ArrayBuffer)) {
      this.drop(socket, CLOSE_PROTOCOL, 'The server sent a text message.');
      return;
    }
    this.lastReceivedAt = this.clock.now();
    this.listener.onReceived?.(data.byteLength);
    let decoded: ReturnType<typeof decodeMessage>;
    try {
      decoded = decodeMessage(data);
    } catch (err) {
      this.drop(socket, CLOSE_PROTOCOL, `Bad frame from the server (${err instanceof Error ? err.message : String(err)}).`);
      return;
    }
    if (!('message' in decoded)) return;  // file and chat: not handled by the viewer
    switch (decoded.channel) {
      case Channel.Control:
        this.onControl(decoded.message);
        break;
      case Channel.Video:
        if (!this.welcomed) return;
        if (decoded.message.msg.case === 'frame') {
          this.shownMonitor = decoded.message.msg.value.monitor;
          if (!this.guestPresent) this.setGuestPresent(true);  // a frame proves the guest is there
        }
        this.listener.onVideo?.(decoded.message);
        break;
      case Channel.Clipboard:
        if (this.welcomed) this.listener.onClipboard?.(decoded.message);
        break;
      default:
        break;  // input frames are host → guest only
    }
  }

  private onControl(m: ControlMessage): void {
    const msg = m.msg;
    switch (msg.case) {
      case 'welcome': {
        if (this.welcomed) return;
        this.welcomed = true;
        this.clearTimer('welcomeTimer');
        this.attempt = 0;
        this.lastError = undefined;
        const hb = msg.value.heartbeatSeconds * 1000;
        this.heartbeatMs = hb > 0 ? Math.min(hb, this.maxHeartbeatMs) : this.maxHeartbeatMs;
        this.idleTimeoutMs = msg.value.idleTimeoutSeconds > 0 ? msg.value.idleTimeoutSeconds * 1000 : 60000;
        this.setState(this.guestPresent ? 'connected' : 'waiting', {});
        this.listener.onWelcome?.(msg.value);
        // Whatever the user chose before a reconnection still holds.
        if (this.viewOnlyRequested !== null) this.sendControl({ msg: { case: 'viewOnly', value: { viewOnly: this.viewOnlyRequested } } });
        if (this.selectedMonitor !== null) this.sendControl({ msg: { case: 'selectMonitor', value: { monitor: this.selectedMonitor } } });
        this.requestRefresh();
        this.sendPing();
        this.scheduleHeartbeat();
        return;
      }
      case 'ping':
        this.sendRaw(encodeControl({ msg: { case: 'pong', value: { nonce: msg.value.nonce } } }));
        return;
      case 'pong': {
        const nonce = msg.value.nonce;
        if (!this.pendingPings.delete(nonce)) return;
        this.listener.onRoundTrip?.(Math.max(0, this.clock.now() - Number(nonce)));
        return;
      }
      case 'error': {
        const { code, message, endedBy } = msg.value;
        if (code === ErrorCode.SESSION_ENDED) {
          this.finish('ended', { message: endedBy === EndpointRole.GUEST ? GUEST_ENDED_MESSAGE : SESSION_ENDED_MESSAGE });
        } else if (code === ErrorCode.FORBIDDEN && this.deniedMessage) {
          this.finish('failed', { message: this.deniedMessage });
        } else if (FATAL_CODES.has(code)) {
          this.finish('failed', { message: errorText(code, message) });
        } else {
          // The relay closes the socket next; reconnect then.
          this.lastError = errorText(code, message);
          this.listener.onError?.(this.lastError);
        }
        return;
      }
      case 'endSession':
        this.finish('ended', { message: SESSION_ENDED_MESSAGE });
        return;
      case 'sessionInfo':
        if (this.welcomed) this.listener.onSessionInfo?.(msg.value);
        return;
      case 'peerEvent':
        if (!this.welcomed) return;
        this.listener.onPeerEvent?.(msg.value);
        this.setGuestPresent(msg.value.guest);
        return;
      case 'monitorLayout':
        if (this.welcomed) this.listener.onMonitorLayout?.(msg.value);
        return;
      case 'viewOnly':
        if (this.welcomed) this.applyViewOnly(msg.value.viewOnly);
        return;
      case 'consentState': {
        if (!this.welcomed) return;
        const { state, timedOut } = msg.value;
        if (state === ConsentState_State.DENIED) {
          // The relay closes the connection next, with FORBIDDEN.
          this.deniedMessage = timedOut ? GUEST_NO_ANSWER_MESSAGE : GUEST_DENIED_MESSAGE;
          this.setConsent('denied');
        } else if (state === ConsentState_State.WAITING) {
          this.setConsent('waiting');
        } else if (state === ConsentState_State.GRANTED) {
          this.setConsent('granted');  // the relay asks the guest for a key frame for us
        } else if (state === ConsentState_State.WITHDRAWN) {
          this.setConsent('withdrawn');
        } else if (state === ConsentState_State.EXPIRED) {
          this.setConsent('expired');
        }
        return;
      }
      case 'consentRequest':
      case 'consentResponse':
      case 'consentWithdraw':
        return;  // between the relay and the guest
      case 'hello':
      case 'selectMonitor':
      case undefined:
        return;  // not sent to hosts; ignored
    }
  }

  private setGuestPresent(present: boolean): void {
    const was = this.guestPresent;
    this.guestPresent = present;
    if (!this.welcomed || FINAL_STATES.has(this.stateValue)) return;
    const next = present ? 'connected' : 'waiting';
    if (next !== this.stateValue) this.setState(next, {});
    if (present && !was) this.requestRefresh();  // the guest (re)joined: start from a key frame
  }

  private setConsent(consent: ConsentStatus): void {
    if (this.consentValue === consent) return;
    this.consentValue = consent;
    this.listener.onConsent?.(consent);
  }

  private applyViewOnly(viewOnly: boolean): void {
    if (this.viewOnlyValue === viewOnly) return;
    this.viewOnlyValue = viewOnly;
    this.listener.onViewOnly?.(viewOnly);
  }

  private sendPing(): void {
    const nonce = BigInt(Math.max(0, Math.floor(this.clock.now())));
    if (this.pendingPings.size >= 16) this.pendingPings.clear();  // lost pongs must not pile up
    this.pendingPings.add(nonce);
    this.sendRaw(encodeControl({ msg: { case: 'ping', value: { nonce } } }));
  }

  private scheduleHeartbeat(): void {
    this.clearTimer('heartbeatTimer');
    const period = this.fastPing ? Math.min(this.fastPingMs, this.heartbeatMs) : this.heartbeatMs;
    this.heartbeatTimer = this.clock.setTimeout(() => {
      this.heartbeatTimer = null;
      const socket = this.socket;
      if (!socket || !this.welcomed) return;
      // Pongs answer every ping, so silence this long means the connection is dead, whatever
      // the socket says (a broken network can take minutes to close a WebSocket).
      const deadAfter = Math.min(this.idleTimeoutMs, 2 * this.heartbeatMs + 5000);
      if (this.clock.now() - this.lastReceivedAt > deadAfter) {
        this.drop(socket, CLOSE_TIMEOUT, 'The connection timed out.');
        return;
      }
      this.sendPing();
      this.scheduleHeartbeat();
    }, period);
  }

  private sendBytes(encode: () => Uint8Array<ArrayBuffer>): boolean {
    if (!this.isReady) return false;
    return this.sendRaw(encode());
  }

  private sendRaw(bytes: Uint8Array<ArrayBuffer>): boolean {
    const socket = this.socket;
    if (!socket || socket.readyState !== OPEN) return false;
    try {
      socket.send(bytes);
      return true;
    } catch {
      return false;
    }
  }

  private onClose(socket: SocketLike): void {
    if (socket !== this.socket) return;
    this.detach(socket);
    this.scheduleReconnect();
  }

  // Gives up on a socket at once, without waiting for its close event.
  private drop(socket: SocketLike, code: number, message: string): void {
    if (socket !== this.socket) return;
    this.lastError = message;
    this.listener.onError?.(message);
    this.detach(socket);
    try {
      socket.close(code, message.slice(0, 100));
    } catch {
      // Already closed.
    }
    this.scheduleReconnect();
  }

  private detach(socket: SocketLike): void {
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    socket.onerror = null;
    if (this.socket === socket) this.socket = null;
    this.welcomed = false;
    this.clearTimer('heartbeatTimer');
    this.clearTimer('welcomeTimer');
  }

  private scheduleReconnect(): void {
    if (FINAL_STATES.has(this.stateValue) || this.reconnectTimer !== null) return;
    this.attempt++;
    const attempt = this.attempt;
    const delayMs = backoffDelay(attempt);
    this.setState('reconnecting', { attempt, delayMs, message: this.lastError });
    this.reconnectTimer = this.clock.setTimeout(() => void this.reconnect(attempt), delayMs);
  }

  private async reconnect(attempt: number): Promise<void> {
    if (FINAL_STATES.has(this.stateValue)) return;
    if (this.beforeReconnect) {
      let decision: ReconnectDecision;
      try {
        decision = await this.beforeReconnect(attempt);
      } catch {
        decision = { proceed: true };
      }
      if (FINAL_STATES.has(this.stateValue)) return;
      if (!decision.proceed) {
        this.reconnectTimer = null;
        this.finish(decision.state, { message: decision.message });
        return;
      }
    }
    this.reconnectTimer = null;
    if (FINAL_STATES.has(this.stateValue)) return;
    this.open();
  }

  private finish(state: 'ended' | 'failed' | 'closed', detail: StateDetail): void {
    if (FINAL_STATES.has(this.stateValue)) return;
    this.clearTimer('reconnectTimer');
    const socket = this.socket;
    if (socket) {
      this.detach(socket);
      try {
        socket.close(CLOSE_NORMAL);
      } catch {
        // Already closed.
      }
    }
    this.clearTimer('heartbeatTimer');
    this.clearTimer('welcomeTimer');
    this.setState(state, detail);
  }

  private clearTimer(name: 'reconnectTimer' | 'heartbeatTimer' | 'welcomeTimer'): void {
    if (this[name] !== null) {
      this.clock.clearTimeout(this[name]);
      this[name] = null;
    }
  }
}
