import { describe, expect, it } from 'vitest';
import { Channel, decodeMessage, encodeControl, encodeFrame, encodeVideo, type ChannelMessage } from '../protocol/frame';
import { ConsentState_State, EndpointRole, ErrorCode, PeerEvent_Kind, type MonitorLayout } from '../protocol/gen/tether/v1/control_pb';
import {
  ALL_MONITORS,
  ViewerConnection,
  backoffDelay,
  connectUrl,
  type Clock,
  type ConnectionListener,
  type ConnectionState,
  type ReconnectDecision,
  type SocketLike,
  type StateDetail,
} from './connection';

// --- fakes -----------------------------------------------------------------------------------

class FakeClock implements Clock {
  nowMs = 1000;
  private nextId = 1;
  private timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.nowMs;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.nowMs + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  get pending(): number {
    return this.timers.size;
  }

  // Runs every timer due up to now + ms, in order, moving the clock to each.
  advance(ms: number): void {
    const target = this.nowMs + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | null = null;
      for (const entry of this.timers) if (entry[1].at <= target && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.nowMs = next[1].at;
      next[1].fn();
    }
    this.nowMs = target;
  }
}

class FakeSocket implements SocketLike {
  binaryType = 'blob';
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  sent: ChannelMessage[] = [];
  closedWith: number | null = null;
  readonly url: string;

  constructor(url: string) {
    this.url = url;
  }

  send(data: Uint8Array<ArrayBuffer>): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    const m = decodeMessage(data);
    if (!('message' in m)) throw new Error('unexpected channel');
    this.sent.push(m);
  }

  close(code?: number): void {
    this.closedWith = code ?? 1005;
    this.readyState = 3;
  }

  // --- the server's side
  serverOpen(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  deliver(frame: Uint8Array): void {
    this.onmessage?.({ data: frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength) });
  }

  serverClose(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }

  control(): string[] {
    return this.sent.filter((m) => m.channel === Channel.Control).map((m) => String(m.message.msg.case));
  }

  sentCases(): string[] {
    return this.sent.map((m) => `${m.channel}:${String(m.message.msg.case)}`);
  }
}

const welcome = (heartbeatSeconds = 20, idleTimeoutSeconds = 60) =>
  encodeControl({ msg: { case: 'welcome', value: { protocolVersion: 1, server: 'tetherd/0.1.0', heartbeatSeconds, idleTimeoutSeconds } } });
const peer = (guest: boolean) =>
  encodeControl({ msg: { case: 'peerEvent', value: { kind: guest ? PeerEvent_Kind.JOINED : PeerEvent_Kind.LEFT, role: EndpointRole.GUEST, guest } } });
const sessionError = (code: ErrorCode, message = '') => encodeControl({ msg: { case: 'error', value: { code, message } } });

function setup(opts: { beforeReconnect?: (attempt: number) => Promise<ReconnectDecision> } = {}) {
  const clock = new FakeClock();
  const sockets: FakeSocket[] = [];
  const states: [ConnectionState, StateDetail][] = [];
  const events: string[] = [];
  const rtts: number[] = [];
  const viewOnly: boolean[] = [];
  const layouts: MonitorLayout[] = [];
  const listener: ConnectionListener = {
    onState: (s, d) => states.push([s, d]),
    onWelcome: () => events.push('welcome'),
    onVideo: (m) => events.push(`video:${m.msg.case}`),
    onClipboard: (m) => events.push(`clipboard:${m.msg.case}`),
    onRoundTrip: (ms) => rtts.push(ms),
    onViewOnly: (v) => viewOnly.push(v),
    onConsent: (c) => events.push(`consent:${c}`),
    onMonitorLayout: (l) => layouts.push(l),
    onError: (msg) => events.push(`error:${msg}`),
  };
  const conn = new ViewerConnection({
    url: 'wss://example.test/api/v1/sessions/abc/connect',
    socketFactory: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    clock,
    listener,
    beforeReconnect: opts.beforeReconnect,
  });
  const last = () => sockets[sockets.length - 1];
  // Opens the current socket and answers the Hello.
  const handshake = (guest?: boolean) => {
    last().serverOpen();
    last().deliver(welcome());
    if (guest !== undefined) last().deliver(peer(guest));
  };
  return { clock, sockets, states, events, rtts, viewOnly, layouts, conn, last, handshake };
}

const flush = () => new Promise<void>((r) => setTimeout(r, 0));

// --- tests -----------------------------------------------------------------------------------

describe('pure helpers', () => {
  it('backs off 1, 2, 4, 8 then 15 seconds', () => {
    expect([1, 2, 3, 4, 5, 6, 20].map(backoffDelay)).toEqual([1000, 2000, 4000, 8000, 15000, 15000, 15000]);
  });

  it('builds the WebSocket URL on the page origin', () => {
    expect(connectUrl({ protocol: 'https:', host: 'tether.example:8443' }, 'AbC-_x'))
      .toBe('wss://tether.example:8443/api/v1/sessions/AbC-_x/connect');
    expect(connectUrl({ protocol: 'http:', host: 'localhost:5173' }, 'id')).toBe('ws://localhost:5173/api/v1/sessions/id/connect');
  });
});

describe('ViewerConnection handshake', () => {
  it('sends the Hello first, on an arraybuffer socket', () => {
    const t = setup();
    t.conn.start();
    expect(t.states[0][0]).toBe('connecting');
    expect(t.sockets).toHaveLength(1);
    expect(t.last().url).toBe('wss://example.test/api/v1/sessions/abc/connect');
    expect(t.last().binaryType).toBe('arraybuffer');
    t.last().serverOpen();
    expect(t.last().sent).toHaveLength(1);
    const first = t.last().sent[0];
    if (first.channel !== Channel.Control || first.message.msg.case !== 'hello') throw new Error('first frame is not a Hello');
    expect(first.message.msg.value).toMatchObject({
      protocolVersion: 1,
      minProtocolVersion: 1,
      role: EndpointRole.HOST,
      capabilities: ['video.jpeg', 'video.deflate', 'video.solid', 'video.palette', 'cursor'],
      software: 'tether-web/0.1.0',
    });
  });

  it('sends nothing else before the Welcome', () => {
    const t = setup();
    t.conn.start();
    t.last().serverOpen();
    expect(t.conn.sendInput({ msg: { case: 'releaseAll', value: {} } })).toBe(false);
    expect(t.conn.requestRefresh()).toBe(false);
    t.conn.selectMonitor(2);
    expect(t.last().sentCases()).toEqual(['0:hello']);
  });

  it('waits for the guest after the Welcome, then is connected', () => {
    const t = setup();
    t.conn.start();
    t.handshake();
    expect(t.conn.state).toBe('waiting');
    expect(t.events).toContain('welcome');
    // A key frame is asked for at once, and a first ping measures the latency.
    expect(t.last().sentCases()).toEqual(['0:hello', '1:refresh', '0:ping']);
    t.last().deliver(peer(true));
    expect(t.conn.state).toBe('connected');
    expect(t.last().sentCases().slice(-1)).toEqual(['1:refresh']);
    t.last().deliver(peer(false));
    expect(t.conn.state).toBe('waiting');
  });

  it('takes a video frame as proof that the guest is there', () => {
    const t = setup();
    t.conn.start();
    t.handshake();
    t.last().deliver(encodeVideo({ msg: { case: 'frame', value: { frameId: 1n, monitor: 3, width: 10, height: 10 } } }));
    expect(t.conn.state).toBe('connected');
    expect(t.events).toContain('video:frame');
    expect(t.conn.currentMonitor).toBe(3);
  });

  it('ignores media before the Welcome', () => {
    const t = setup();
    t.conn.start();
    t.last().serverOpen();
    t.last().deliver(encodeVideo({ msg: { case: 'frame', value: { frameId: 1n } } }));
    expect(t.events).not.toContain('video:frame');
  });

  it('gives up on a server that does not answer the Hello', () => {
    const t = setup();
    t.conn.start();
    t.last().serverOpen();
    t.clock.advance(15000);
    expect(t.last().closedWith).toBe(4008);
    expect(t.conn.state).toBe('reconnecting');
  });
});

describe('ViewerConnection heartbeat', () => {
  it('answers the relay\'s Ping with a Pong carrying the same nonce', () => {
    const t = setup();
    t.conn.start();
    t.handshake();
    t.last().deliver(encodeControl({ msg: { case: 'ping', value: { nonce: 123456789012345n } } }));
    const pong = t.last().sent[t.last().sent.length - 1];
    if (pong.channel !== Channel.Control || pong.message.msg.case !== 'pong') throw new Error('no pong');
    expect(pong.message.msg.value.nonce).toBe(123456789012345n);
  });

  it('measures the round trip from its own pings', () => {
    const t = setup();
    t.conn.start();
    t.handshake();
    const ping = t.last().sent.find((m) => m.channel === Channel.Control && m.message.msg.case === 'ping');
    if (!ping || ping.channel !== Channel.Control || ping.message.msg.case !== 'ping') throw new Error('no ping');
    expect(ping.message.msg.value.nonce).toBe(1000n);  // performance.now() in ms
    t.clock.advance(42);
    t.last().deliver(encodeControl({ msg: { case: 'pong', value: { nonce: 1000n } } }));
    expect(t.rtts).toEqual([42]);
    // A pong for a nonce never sent (or answered twice) is ignored.
    t.last().deliver(encodeControl({ msg: { case: 'pong', value: { nonce: 1000n } } }));
    t.last().deliver(encodeControl({ msg: { case: 'pong', value: { nonce: 5n } } }));
    expect(t.rtts).toEqual([42]);
  });

  it('pings at the heartbeat period, and every 2 s while statistics are shown', () => {
    const t = setup();
    t.conn.start();
    t.handshake();
    const pings = () => t.last().control().filter((c) => c === 'ping').length;
    expect(pings()).toBe(1);
    // Keep the link alive from the server side meanwhile.
    for (let i = 0; i < 3; i++) {
      t.clock.advance(19999);
      t.last().deliver(encodeControl({ msg: { case: 'pong', value: { nonce: 0n } } }));
      t.clock.advance(1);
    }
    expect(pings()).toBe(4);
    t.conn.setFastPing(true);
    expect(pings()).toBe(5);
    t.clock.advance(2000);
    t.clock.advance(2000);
    expect(pings()).toBe(7);
    t.conn.setFastPing(false);
    t.clock.advance(2000);
    expect(pings()).toBe(7);
  });

  it('never pings less often than every 20 s, whatever the Welcome says', () => {
    const t = setup();
    t.conn.start();
    t.last().serverOpen();
    t.last().deliver(welcome(300, 600));
    t.clock.advance(20000);
    expect(t.last().control().filter((c) => c === 'ping').length).toBe(2);
  });

  it('drops a silent connection and reconnects', () => {
    const t = setup();
    t.conn.start();
    t.handshake(true);
    // Nothing arrives for 2 heartbeats + 5 s: the third heartbeat finds the link dead.
    t.clock.advance(60000);
    expect(t.sockets[0].closedWith).toBe(4008);
    expect(t.conn.state).toBe('reconnecting');
    expect(t.events).toContain('error:The connection timed out.');
  });
});

describe('ViewerConnection reconnection', () => {
  it('reconnects with backoff 1, 2, 4, 8, 15, 15 s and starts again after a Welcome', () => {
    const t = setup();
    t.conn.start();
    t.handshake(true);
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      t.last().serverClose();
      const [state, detail] = t.states[t.states.length - 1];
      expect(state).toBe('reconnecting');
      expect(detail.attempt).toBe(i + 1);
      delays.push(detail.delayMs!);
      const before = t.sockets.length;
      t.clock.advance(detail.delayMs! - 1);
      expect(t.sockets.length).toBe(before);   // not a millisecond early
      t.clock.advance(1);
      expect(t.sockets.length).toBe(before + 1);
      expect(t.conn.state).toBe('reconnecting'); // until the Welcome
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 15000, 15000]);
    t.handshake(true);
    expect(t.conn.state).toBe('connected');
    t.last().serverClose();
    expect(t.states[t.states.length - 1][1].delayMs).toBe(1000);
  });

  it('sends the Hello again, and a refresh, on each new socket', () => {
    const t = setup();
    t.conn.start();
    t.handshake(true);
    t.last().serverClose();
    t.clock.advance(1000);
    t.handshake(true);
    expect(t.last().sentCases().slice(0, 2)).toEqual(['0:hello', '1:refresh']);
    expect(t.events.filter((e) => e === 'welcome')).toHaveLength(2);
  });

  it('keeps the user\'s monitor and view-only choices across a reconnection', () => {
    const t = setup();
    t.conn.start();
    t.handshake(true);
    t.conn.selectMonitor(ALL_MONITORS);
    t.conn.setViewOnly(true);
    t.last().serverClose();
    t.clock.advance(1000);
    t.handshake(true);
    const s = t.last();
    expect(s.sentCases().slice(0, 4)).toEqual(['0:hello', '0:viewOnly', '0:selectMonitor', '1:refresh']);
    const refresh = s.sent[3];
    if (refresh.channel !== Channel.Video || refresh.message.msg.case !== 'refresh') throw new Error('no refresh');
    expect(refresh.message.msg.value.monitor).toBe(ALL_MONITORS);
  });

  it('stays disconnected after the relay\'s idle limit (TIMEOUT), showing its message', () => {
    const t = setup();
    t.conn.start();
    t.handshake(true);
    t.last().deliver(sessionError(ErrorCode.TIMEOUT, 'disconnected after 30 min without input'));
    t.last().serverClose();
    expect(t.conn.state).toBe('failed');
    expect(t.states[t.states.length - 1][1]).toMatchObject({ message: 'disconnected after 30 min without input' });
  });

  it('reconnects after a non-fatal SessionError, showing its message', () => {
    const t = setup();
    t.conn.start();
    t.handshake(true);
    t.last().deliver(sessionError(ErrorCode.SHUTTING_DOWN, 'server restarting'));
    t.last().serverClose();
    expect(t.states[t.states.length - 1]).toEqual(['reconnecting', { attempt: 1, delayMs: 1000, message: 'server restarting' }]);
  });

  it('drops a connection that sends a bad frame, and reconnects', () => {
    const t = setup();
    t.conn.start();
    t.handshake(true);
    t.last().deliver(new Uint8Array([0, 0, 0, 0, 9, 0]));
    expect(t.sockets[0].closedWith).toBe(4002);
    expect(t.conn.state).toBe('reconnecting');
    t.clock.advance(1000);
    expect(t.sockets).toHaveLength(2);
  });

  it('asks beforeReconnect, and stops when it says the session is gone', async () => {
    const asked: number[] = [];
    const t = setup({
      beforeReconnect: async (attempt) => {
        asked.push(attempt);
        return attempt < 2 ? { proceed: true } : { proceed: false, state: 'ended', message: 'The session has ended' };
      },
    });
    t.conn.start();
    t.last().serverClose();
    t.clock.advance(1000);
    await flush();
    expect(t.sockets).toHaveLength(2);
    t.last().serverClose();
    t.clock.advance(2000);
    await flush();
    expect(asked).toEqual([1, 2]);
    expect(t.sockets).toHaveLength(2);
    expect(t.conn.state).toBe('ended');
  });
});

describe('ViewerConnection end of session', () => {
  it('does not reconnect after SessionError SESSION_ENDED', () => {
    const t = setup();
    t.conn.start();
    t.handshake(true);
    t.last().deliver(sessionError(ErrorCode.SESSION_ENDED, 'ended by admin'));
    expect(t.states[t.states.length - 1]).toEqual(['ended', { message: 'The session has ended' }]);
    expect(t.last().closedWith).toBe(1000);
    t.last().serverClose();
    t.clock.advance(120000);
    expect(t.sockets).toHaveLength(1);
    expect(t.conn.state).toBe('ended');
    expect(t.clock.pending).toBe(0);
  });

  it('does not reconnect after EndSession', () => {
    const t = setup();
    t.conn.start();
    t.handshake(true);
    t.last().deliver(encodeControl({ msg: { case: 'endSession', value: { reason: 'guest ended it' } } }));
    expect(t.conn.state).toBe('ended');
    t.clock.advance(120000);
    expect(t.sockets).toHaveLength(1);
  });

  it('fails without reconnecting on errors a retry cannot fix', () => {
    for (const code of [ErrorCode.VERSION, ErrorCode.UNAUTHENTICATED, ErrorCode.FORBIDDEN, ErrorCode.PROTOCOL]) {
      const t = setup();
      t.conn.start();
      t.last().serverOpen();
      t.last().deliver(sessionError(code, 'nope'));
      expect(t.states[t.states.length - 1]).toEqual(['failed', { message: 'nope' }]);
      t.last().serverClose();
      t.clock.advance(60000);
      expect(t.sockets).toHaveLength(1);
    }
  });

  it('closes for good on Disconnect, releasing held input first', () => {
    const t = setup();
    t.conn.start();
    t.handshake(true);
    t.conn.close();
    expect(t.last().sentCases().slice(-1)).toEqual(['2:releaseAll']);
    expect(t.last().closedWith).toBe(1000);
    expect(t.conn.state).toBe('closed');
    t.clock.advance(60000);
    expect(t.sockets).toHaveLength(1);
  });

  it('can be closed while waiting to reconnect', () => {
    const t = setup();
    t.conn.start();
    t.last().serverClose();
    t.conn.close();
    t.clock.advance(60000);
    expect(t.sockets).toHaveLength(1);
    expect(t.conn.state).toBe('closed');
  });
});

describe('ViewerConnection controls', () => {
  it('selects a monitor and asks for a key frame of it', () => {
    const t = setup();
    t.conn.start();
    t.handshake(true);
    t.conn.selectMonitor(2);
    const sent = t.last().sent.slice(-2);
    expect(sent.map((m) => m.message.msg.case)).toEqual(['selectMonitor', 'refresh']);
    expect(sent.map((m) => (m.message.msg.value as { monitor: number }).monitor)).toEqual([2, 2]);
  });

  it('switches to view-only: releases input, tells the relay, drops further input', () => {
    const t = setup();
    t.conn.start();
    t.handshake(true);
    expect(t.conn.sendInput({ msg: { case: 'key', value: { keysym: 0x61, down: true } } })).toBe(true);
    t.conn.setViewOnly(true);
    expect(t.last().sentCases().slice(-2)).toEqual(['2:releaseAll', '0:viewOnly']);
    expect(t.viewOnly).toEqual([true]);
    expect(t.conn.sendInput({ msg: { case: 'key', value: { keysym: 0x61, down: true } } })).toBe(false);
  });

  it('lets the relay decide view-only', () => {
    const t = setup();
    t.conn.start();
    t.handshake(true);
    t.last().deliver(encodeControl({ msg: { case: 'viewOnly', value: { viewOnly: true } } }));
    expect(t.conn.viewOnly).toBe(true);
    t.conn.setViewOnly(false);  // asked; shown at once …
    expect(t.conn.viewOnly).toBe(false);
    t.last().deliver(encodeControl({ msg: { case: 'viewOnly', value: { viewOnly: true } } }));  // … refused
    expect(t.conn.viewOnly).toBe(true);
    expect(t.viewOnly).toEqual([true, false, true]);
  });

  it('passes monitor layouts, clipboard and unknown channels through safely', () => {
    const t = setup();
    t.conn.start();
    t.handshake(true);
    t.last().deliver(encodeControl({ msg: { case: 'monitorLayout', value: { monitors: [{ id: 1, width: 800, height: 600, primary: true }] } } }));
    expect(t.layouts[0].monitors[0].width).toBe(800);
    t.last().deliver(encodeFrame(Channel.Clipboard, new Uint8Array([0x0a, 0x03, 0x0a, 0x01, 0x78])));
    expect(t.events).toContain('clipboard:text');
    t.last().deliver(encodeFrame(Channel.Chat, new Uint8Array([1, 2, 3])));
    expect(t.conn.state).toBe('connected');
  });
});

describe('ViewerConnection consent', () => {
  const consentState = (state: ConsentState_State, timedOut = false) =>
    encodeControl({ msg: { case: 'consentState', value: { state, timedOut } } });
  const key = { msg: { case: 'key' as const, value: { keysym: 0x61, down: true } } };

  it('waits for the guest to allow, sends no input until then, and follows a withdrawal', () => {
    const t = setup();
    t.conn.start();
    t.handshake(true);
    expect(t.conn.consent).toBe('none');
    t.last().deliver(consentState(ConsentState_State.WAITING));
    expect(t.conn.consent).toBe('waiting');
    expect(t.conn.sendInput(key)).toBe(false);
    expect(t.conn.askConsentAgain()).toBe(false);  // only after a withdrawal
    t.last().deliver(consentState(ConsentState_State.GRANTED));
    expect(t.conn.sendInput(key)).toBe(true);
    t.last().deliver(consentState(ConsentState_State.WITHDRAWN));
    expect(t.conn.sendInput(key)).toBe(false);
    expect(t.conn.state).toBe('connected');
    expect(t.conn.askConsentAgain()).toBe(true);
    expect(t.last().control().slice(-1)).toEqual(['consentRequest']);
    expect(t.events.filter((e) => e.startsWith('consent:'))).toEqual(['consent:waiting', 'consent:granted', 'consent:withdrawn']);
  });

  it('stops with the denial as the reason, and does not reconnect', () => {
    const t = setup();
    t.conn.start();
    t.handshake(true);
    t.last().deliver(consentState(ConsentState_State.WAITING));
    t.last().deliver(consentState(ConsentState_State.DENIED));
    t.last().deliver(sessionError(ErrorCode.FORBIDDEN, 'the guest denied the connection'));
    expect(t.states[t.states.length - 1]).toEqual(['failed', { message: 'The guest denied the connection' }]);
    t.clock.advance(60000);
    expect(t.sockets).toHaveLength(1);
  });

  it('says when nobody answered in time', () => {
    const t = setup();
    t.conn.start();
    t.handshake(true);
    t.last().deliver(consentState(ConsentState_State.DENIED, true));
    t.last().deliver(sessionError(ErrorCode.FORBIDDEN));
    expect(t.states[t.states.length - 1]).toEqual(['failed', { message: 'The guest did not answer in time' }]);
  });

  it('says the guest ended the session when it did', () => {
    const t = setup();
    t.conn.start();
    t.handshake(true);
    t.last().deliver(encodeControl({ msg: { case: 'error', value: { code: ErrorCode.SESSION_ENDED, message: 'x', endedBy: EndpointRole.GUEST } } }));
    expect(t.states[t.states.length - 1]).toEqual(['ended', { message: 'The guest ended the session' }]);
  });

  it('forgets the consent state on a reconnection (the relay tells again)', () => {
    const t = setup();
    t.conn.start();
    t.handshake(true);
    t.last().deliver(consentState(ConsentState_State.GRANTED));
    t.last().serverClose();
    expect(t.conn.consent).toBe('granted');
    t.clock.advance(1000);
    expect(t.conn.consent).toBe('none');
  });
});
