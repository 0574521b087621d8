// Wires one viewer together in the browser: connection ↔ renderer, cursor, input, statistics
// and the canvas layout. The Preact page (ViewerPage.tsx) renders the controls and receives
// state changes through `onChange`; everything per frame happens here, without re-rendering.
import { ApiError, api } from '../api/client';
import { EndpointRole, PeerEvent_Kind, type Monitor } from '../protocol/gen/tether/v1/control_pb';
import type { VideoFrame } from '../protocol/gen/tether/v1/media_pb';
import { redirect } from '../ui/nav';
import {
  SESSION_ENDED_MESSAGE,
  ViewerConnection,
  connectUrl,
  type ConnectionState,
  type ConsentStatus,
  type ReconnectDecision,
  type StateDetail,
} from './connection';
import { CursorOverlay } from './cursor';
import { InputCapture, displaySize, type KeyCombo, type ScaleMode } from './input_capture';
import { ViewerStats, type StatsSnapshot } from './stats';
import { CanvasTarget, VideoRenderer, browserDecoders } from './video_renderer';

export const MAX_CLIPBOARD_BYTES = 256 * 1024;

export interface ViewerUiState {
  state: ConnectionState | 'checking';
  detail: StateDetail;
  sessionName: string;
  monitors: Monitor[];
  shownMonitor: number | null;     // monitor of the last frame
  selectedMonitor: number | null;  // the user's pick
  viewOnly: boolean;
  consent: ConsentStatus;          // where this host stands with the guest's consent
  guestName: string;               // as the relay names the guest
  hasFrame: boolean;
  lastError: string | null;
  clipboard: { text: string; serial: number } | null;  // last text from the guest
}

export const initialUiState: ViewerUiState = {
  state: 'checking',
  detail: {},
  sessionName: '',
  monitors: [],
  shownMonitor: null,
  selectedMonitor: null,
  viewOnly: false,
  consent: 'none',
  guestName: 'guest',
  hasFrame: false,
  lastError: null,
  clipboard: null,
};

export interface ViewerElements {
  area: HTMLElement;            // the space the screen is laid out in
  screen: HTMLCanvasElement;    // #screen
  overlay: HTMLCanvasElement;   // the cursor, same size as #screen
}

// The session as the REST API sees it: asked before the first connection and before each
// reconnection (a WebSocket that fails its upgrade tells the page nothing about why).
export async function checkSession(id: string): Promise<ReconnectDecision & { name?: string }> {
  try {
    const s = await api.getSession(id);
    if (s.ended_at) return { proceed: false, state: 'ended', message: SESSION_ENDED_MESSAGE };
    return { proceed: true, name: s.name };
  } catch (err) {
    if (err instanceof ApiError) {
      if (err.status === 401) {
        redirect('/login');
        return { proceed: false, state: 'failed', message: 'You are not logged in.' };
      }
      if (err.status === 403) return { proceed: false, state: 'failed', message: 'You are not allowed to view this session.' };
      if (err.status === 404) return { proceed: false, state: 'failed', message: 'There is no such session.' };
    }
    return { proceed: true };  // the server is unreachable or busy: keep trying
  }
}

export class ViewerController {
  private readonly sessionId: string;
  private readonly el: ViewerElements;
  private readonly onChange: (patch: Partial<ViewerUiState>) => void;
  private readonly conn: ViewerConnection;
  private readonly renderer: VideoRenderer;
  private readonly cursor: CursorOverlay;
  private readonly capture: InputCapture;
  readonly stats = new ViewerStats();
  private readonly resizeObserver: ResizeObserver | null;
  private readonly cleanups: (() => void)[] = [];

  private scaleMode: ScaleMode = 'fit';
  private monitors: Monitor[] = [];
  private frame: { monitor: number; width: number; height: number } | null = null;
  private framesDrawn = 0;
  private lastRecoveryAt = -Infinity;
  private clipboardSerial = 0;
  private disposed = false;

  constructor(sessionId: string, el: ViewerElements, onChange: (patch: Partial<ViewerUiState>) => void) {
    this.sessionId = sessionId;
    this.el = el;
    this.onChange = onChange;

    el.screen.dataset.frames = '0';
    el.screen.dataset.width = '0';
    el.screen.dataset.height = '0';

    this.cursor = new CursorOverlay(el.overlay);
    this.renderer = new VideoRenderer({
      target: new CanvasTarget(el.screen),
      decoders: browserDecoders,
      onFrameDrawn: (f, us) => this.frameDrawn(f, us),
      onError: (message) => this.recover(message),
    });
    this.conn = new ViewerConnection({
      url: connectUrl(window.location, sessionId),
      beforeReconnect: () => checkSession(sessionId),
      listener: {
        onState: (state, detail) => this.onChange({ state, detail, ...(state === 'connected' || state === 'waiting' ? { lastError: null } : {}) }),
        onWelcome: () => {
          this.renderer.reset();  // frames of the old connection are neither drawn nor acknowledged
          this.stats.resetRates();
        },
        onSessionInfo: (info) => { if (info.sessionName) this.onChange({ sessionName: info.sessionName }); },
        onMonitorLayout: (layout) => {
          this.monitors = layout.monitors;
          this.onChange({ monitors: layout.monitors });
        },
        onViewOnly: (viewOnly) => this.applyViewOnly(viewOnly),
        onConsent: (consent) => this.applyConsent(consent),
        onPeerEvent: (e) => {
          if (e.role === EndpointRole.GUEST && e.kind === PeerEvent_Kind.JOINED && e.displayName) {
            this.onChange({ guestName: e.displayName });
          }
        },
        onVideo: (m) => {
          switch (m.msg.case) {
            case 'frame': this.renderer.push(m.msg.value); break;
            case 'cursorShape':
              this.cursor.setShape(m.msg.value);
              this.updateCssCursor();
              break;
            case 'cursorPosition':
              this.cursor.setPosition(m.msg.value, this.frame?.monitor ?? m.msg.value.monitor, this.monitors);
              this.updateCssCursor();
              break;
            default: break;
          }
        },
        onClipboard: (m) => {
          if (m.msg.case === 'text') this.onChange({ clipboard: { text: m.msg.value.text, serial: ++this.clipboardSerial } });
        },
        onRoundTrip: (ms) => this.stats.roundTrip(ms),
        onReceived: (bytes) => this.stats.received(bytes, performance.now()),
        onError: (message) => this.onChange({ lastError: message }),
      },
    });
    this.capture = new InputCapture(el.screen, {
      pointer: (p) => this.conn.sendInput({ msg: { case: 'pointer', value: p } }),
      key: (k) => this.conn.sendInput({ msg: { case: 'key', value: k } }),
      releaseAll: () => this.conn.sendInput({ msg: { case: 'releaseAll', value: {} } }),
    }, () => this.frame);
    this.capture.attach();
    this.capture.setEnabled(true);

    const enter = () => this.cursor.setLocalPointerInside(!this.conn.viewOnly);
    const leave = () => this.cursor.setLocalPointerInside(false);
    el.screen.addEventListener('pointerenter', enter);
    el.screen.addEventListener('pointerleave', leave);
    this.cleanups.push(() => {
      el.screen.removeEventListener('pointerenter', enter);
      el.screen.removeEventListener('pointerleave', leave);
    });

    this.resizeObserver = typeof ResizeObserver === 'function' ? new ResizeObserver(() => this.layout()) : null;
    this.resizeObserver?.observe(el.area);
    const onDpr = () => this.layout();
    window.addEventListener('resize', onDpr);
    this.cleanups.push(() => window.removeEventListener('resize', onDpr));
  }

  async start(): Promise<void> {
    const check = await checkSession(this.sessionId);
    if (this.disposed) return;
    if (!check.proceed) {
      this.onChange({ state: check.state, detail: { message: check.message } });
      return;
    }
    if (check.name) this.onChange({ sessionName: check.name });
    this.conn.start();
  }

  dispose(): void {
    this.disposed = true;
    this.conn.close();
    this.capture.detach();
    this.resizeObserver?.disconnect();
    for (const c of this.cleanups.splice(0)) c();
  }

  // --- controls --------------------------------------------------------------------------

  disconnect(): void {
    this.conn.close();
  }

  selectMonitor(monitor: number): void {
    this.conn.selectMonitor(monitor);
    this.onChange({ selectedMonitor: monitor });
  }

  setViewOnly(viewOnly: boolean): void {
    this.conn.setViewOnly(viewOnly);
  }

  // After the guest stopped sharing: show the guest the question again.
  askConsentAgain(): void {
    this.conn.askConsentAgain();
  }

  setScaleMode(mode: ScaleMode): void {
    this.scaleMode = mode;
    this.layout();
  }

  setStatsVisible(visible: boolean): void {
    this.conn.setFastPing(visible);
  }

  statsSnapshot(): StatsSnapshot {
    return this.stats.snapshot(performance.now());
  }

  sendCombo(combo: KeyCombo): void {
    this.capture.sendCombo(combo);
    this.el.screen.focus({ preventScroll: true });
  }

  focusScreen(): void {
    this.el.screen.focus({ preventScroll: true });
  }

  // Returns an error message, or null when the text was sent.
  sendClipboard(text: string): string | null {
    if (new TextEncoder().encode(text).byteLength > MAX_CLIPBOARD_BYTES) return 'The text is too long to send (at most 256 KiB).';
    if (this.conn.viewOnly) return 'Clipboard text cannot be sent while view-only.';
    if (!this.conn.sendClipboard({ msg: { case: 'text', value: { text } } })) return 'Not connected.';
    return null;
  }

  // Sizes the screen (and the cursor overlay, which follows it through CSS) for the scale mode.
  layout(): void {
    const f = this.frame;
    if (!f) return;
    const area = this.el.area;
    const size = displaySize(f.width, f.height, area.clientWidth, area.clientHeight, this.scaleMode, window.devicePixelRatio || 1);
    this.el.screen.style.width = `${size.width}px`;
    this.el.screen.style.height = `${size.height}px`;
  }

  // --- internals -------------------------------------------------------------------------

  private frameDrawn(f: VideoFrame, decodeTimeUs: number): void {
    const now = performance.now();
    this.framesDrawn++;
    this.stats.frameDrawn(now);
    if (this.conn.sendVideo({ msg: { case: 'ack', value: { frameId: f.frameId, decodeTimeUs: Math.min(decodeTimeUs, 0xffffffff) } } })) {
      this.stats.frameAcked();
    }
    const screen = this.el.screen;
    screen.dataset.frames = String(this.framesDrawn);
    const prev = this.frame;
    if (!prev || prev.width !== f.width || prev.height !== f.height || prev.monitor !== f.monitor) {
      this.frame = { monitor: f.monitor, width: f.width, height: f.height };
      screen.dataset.width = String(f.width);
      screen.dataset.height = String(f.height);
      this.cursor.resize(f.width, f.height);
      this.layout();
      this.onChange({ hasFrame: true, shownMonitor: f.monitor });
    }
  }

  // A tile could not be drawn: ask for a key frame, at most once a second.
  private recover(message: string): void {
    console.warn(`viewer: ${message}`);
    const now = performance.now();
    if (now - this.lastRecoveryAt < 1000) return;
    this.lastRecoveryAt = now;
    this.conn.requestRefresh();
  }

  // Without consent nothing of the guest's screen stays on show, and no input is captured.
  private applyConsent(consent: ConsentStatus): void {
    const allowed = consent === 'none' || consent === 'granted';
    if (!allowed && this.frame) {
      this.renderer.reset();
      this.frame = null;
      const ctx = this.el.screen.getContext('2d');
      ctx?.clearRect(0, 0, this.el.screen.width, this.el.screen.height);
      this.onChange({ hasFrame: false });
    }
    this.capture.setEnabled(allowed && !this.conn.viewOnly);
    this.onChange({ consent });
  }

  private applyViewOnly(viewOnly: boolean): void {
    this.capture.setEnabled(!viewOnly && this.conn.allowed);
    if (viewOnly) this.cursor.setLocalPointerInside(false);
    this.updateCssCursor();
    this.onChange({ viewOnly });
  }

  private updateCssCursor(): void {
    this.el.screen.style.cursor = this.conn.viewOnly ? 'default' : this.cursor.cssCursor;
  }
}
