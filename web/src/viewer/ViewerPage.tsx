// The remote screen viewer: /sessions/<id>/view. The controls live here; the connection, the
// drawing and the input are in ViewerController (controller.ts).
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Monitor } from '../protocol/gen/tether/v1/control_pb';
import { go } from '../ui/nav';
import { ALL_MONITORS, type StateDetail } from './connection';
import { ViewerController, initialUiState, type ViewerUiState } from './controller';
import { KEY_COMBOS, type ScaleMode } from './input_capture';
import type { StatsSnapshot } from './stats';
import { placeholderText, statusText } from './status';
import './viewer.css';

export { statusText };

function monitorLabel(m: Monitor, index: number): string {
  const name = m.name || `Monitor ${index + 1}`;
  return `${name} (${m.width}×${m.height}${m.primary ? ', primary' : ''})`;
}

function reconnectNote(detail: StateDetail): string {
  const secs = detail.delayMs ? Math.round(detail.delayMs / 1000) : 0;
  const parts = [detail.message, secs ? `Attempt ${detail.attempt ?? 1}, next try within ${secs} s.` : ''].filter(Boolean);
  return parts.join(' ');
}

export function ViewerPage({ sessionId }: { sessionId: string }) {
  const rootRef = useRef<HTMLDivElement>(null);
  const areaRef = useRef<HTMLDivElement>(null);
  const screenRef = useRef<HTMLCanvasElement>(null);
  const overlayRef = useRef<HTMLCanvasElement>(null);
  const ctrlRef = useRef<ViewerController | null>(null);

  const [ui, setUi] = useState<ViewerUiState>(initialUiState);
  const [fatal, setFatal] = useState<string | null>(null);
  const [scaleMode, setScaleMode] = useState<ScaleMode>('fit');
  const [fullscreen, setFullscreen] = useState(false);
  const [showStats, setShowStats] = useState(false);
  const [stats, setStats] = useState<StatsSnapshot | null>(null);
  const [keysOpen, setKeysOpen] = useState(false);
  const [clipOut, setClipOut] = useState<{ text: string; message: string | null } | null>(null);
  const [clipIn, setClipIn] = useState<{ text: string; serial: number; note: string | null } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    const area = areaRef.current;
    const screen = screenRef.current;
    const overlay = overlayRef.current;
    if (!area || !screen || !overlay) return;
    let ctrl: ViewerController;
    try {
      ctrl = new ViewerController(sessionId, { area, screen, overlay }, (patch) => setUi((prev) => ({ ...prev, ...patch })));
    } catch (err) {
      setFatal(err instanceof Error ? err.message : String(err));
      return;
    }
    ctrlRef.current = ctrl;
    void ctrl.start();
    return () => {
      ctrlRef.current = null;
      ctrl.dispose();
    };
  }, [sessionId]);

  // Text from the guest's clipboard opens the clipboard panel.
  useEffect(() => {
    if (ui.clipboard) setClipIn({ ...ui.clipboard, note: null });
  }, [ui.clipboard?.serial]);

  // The first picture: keys go to the guest straight away, unless the user is busy elsewhere.
  useEffect(() => {
    if (ui.hasFrame && (document.activeElement === null || document.activeElement === document.body)) ctrlRef.current?.focusScreen();
  }, [ui.hasFrame]);

  useEffect(() => {
    document.title = ui.sessionName ? `${ui.sessionName} – Tether` : 'Tether viewer';
  }, [ui.sessionName]);

  useEffect(() => {
    const onChange = () => {
      const on = document.fullscreenElement === rootRef.current && rootRef.current !== null;
      setFullscreen(on);
      ctrlRef.current?.layout();
      // In full screen, Chromium can also pass Escape, Alt+Tab and the like to the page.
      const kb = (navigator as Navigator & { keyboard?: { lock?: () => Promise<void>; unlock?: () => void } }).keyboard;
      if (on) kb?.lock?.().catch(() => {});
      else kb?.unlock?.();
    };
    document.addEventListener('fullscreenchange', onChange);
    return () => document.removeEventListener('fullscreenchange', onChange);
  }, []);

  // Notices ("Clipboard text sent.") go away by themselves.
  useEffect(() => {
    if (!notice) return;
    const timer = window.setTimeout(() => setNotice(null), 5000);
    return () => window.clearTimeout(timer);
  }, [notice]);

  // Statistics: refreshed twice a second while shown.
  useEffect(() => {
    const ctrl = ctrlRef.current;
    ctrl?.setStatsVisible(showStats);
    if (!showStats || !ctrl) return;
    setStats(ctrl.statsSnapshot());
    const timer = window.setInterval(() => setStats(ctrlRef.current?.statsSnapshot() ?? null), 500);
    return () => window.clearInterval(timer);
  }, [showStats]);

  useEffect(() => {
    ctrlRef.current?.setScaleMode(scaleMode);
  }, [scaleMode]);

  useEffect(() => {
    if (!keysOpen) return;
    const close = (e: Event) => {
      if (e instanceof KeyboardEvent && e.key !== 'Escape') return;
      if (e.type === 'pointerdown' && (e.target as Element | null)?.closest?.('.keys-menu-wrap')) return;
      setKeysOpen(false);
    };
    document.addEventListener('pointerdown', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('pointerdown', close);
      document.removeEventListener('keydown', close);
    };
  }, [keysOpen]);

  const live = ui.state === 'connected' || ui.state === 'waiting';
  const connected = ui.state === 'connected';
  const final = ui.state === 'ended' || ui.state === 'failed' || ui.state === 'closed';
  const allowed = ui.consent === 'none' || ui.consent === 'granted';
  const canControl = connected && !ui.viewOnly && allowed;
  const shownMonitor = ui.selectedMonitor ?? ui.shownMonitor ?? (ui.monitors.find((m) => m.primary) ?? ui.monitors[0])?.id ?? null;

  function disconnect() {
    ctrlRef.current?.disconnect();
    go('/');
  }

  async function toggleFullscreen() {
    try {
      if (document.fullscreenElement) await document.exitFullscreen();
      else await rootRef.current?.requestFullscreen({ navigationUI: 'hide' });
    } catch {
      setNotice('This browser does not allow full screen here.');
    }
  }

  // An error message, or null once sent.
  function sendText(text: string): string | null {
    const ctrl = ctrlRef.current;
    return ctrl ? ctrl.sendClipboard(text) : 'Not connected.';
  }

  async function sendClipboard() {
    setNotice(null);
    let text: string | null = null;
    try {
      text = await navigator.clipboard.readText();
    } catch {
      text = null;  // no permission, or no Clipboard API (plain HTTP, older browsers)
    }
    if (text === null || text === '') {
      setClipOut({ text: '', message: text === '' ? 'Your clipboard is empty; type or paste the text to send.' : null });
      return;
    }
    setNotice(sendText(text) ?? 'Clipboard text sent.');
  }

  function sendTypedClipboard(e: Event) {
    e.preventDefault();
    if (!clipOut) return;
    const err = sendText(clipOut.text);
    if (err) {
      setClipOut({ ...clipOut, message: err });
      return;
    }
    setClipOut(null);
    setNotice('Clipboard text sent.');
    ctrlRef.current?.focusScreen();
  }

  async function copyIncoming() {
    if (!clipIn) return;
    try {
      await navigator.clipboard.writeText(clipIn.text);
      setClipIn({ ...clipIn, note: 'Copied.' });
    } catch {
      const box = document.getElementById('clipboard-in-text') as HTMLTextAreaElement | null;
      box?.select();
      setClipIn({ ...clipIn, note: 'Copying was refused; the text is selected, press Ctrl+C.' });
    }
  }

  if (fatal) {
    return <main class="panel"><p class="alert" role="alert">{fatal}</p><p><a href="/">Back to the control panel</a></p></main>;
  }

  return (
    <div class="viewer" ref={rootRef}>
      <header class="viewer-toolbar">
        <span class="product">Tether</span>
        <span class="session-name">{ui.sessionName}</span>
        <p class={`viewer-status state-${ui.state}`} data-testid="viewer-status" role="status" aria-live="polite">{statusText(ui)}</p>
        <span class="spacer" />

        {ui.monitors.length > 0 && (
          <select aria-label="Monitor" value={shownMonitor === null ? '' : String(shownMonitor)} disabled={!live}
            onChange={(e) => ctrlRef.current?.selectMonitor(Number((e.currentTarget as HTMLSelectElement).value))}>
            {ui.monitors.map((m, i) => <option key={m.id} value={String(m.id)}>{monitorLabel(m, i)}</option>)}
            {ui.monitors.length > 1 && <option value={String(ALL_MONITORS)}>All monitors</option>}
          </select>
        )}
        <button type="button" aria-pressed={scaleMode === 'fit'} onClick={() => setScaleMode(scaleMode === 'fit' ? 'actual' : 'fit')}
          title={scaleMode === 'fit' ? 'Showing the whole screen; press for 1:1' : 'Showing 1:1; press to scale to fit'}>
          Scale to fit
        </button>
        <button type="button" aria-pressed={fullscreen} onClick={() => void toggleFullscreen()}>Full screen</button>
        <button type="button" aria-pressed={ui.viewOnly} disabled={final} onClick={() => ctrlRef.current?.setViewOnly(!ui.viewOnly)}>
          View only
        </button>
        <div class="keys-menu-wrap">
          <button type="button" aria-haspopup="menu" aria-expanded={keysOpen} aria-controls="keys-menu" disabled={!canControl}
            onClick={() => setKeysOpen(!keysOpen)}>
            Send keys
          </button>
          {keysOpen && (
            <div class="keys-menu" id="keys-menu" role="menu" aria-label="Send keys">
              {KEY_COMBOS.map((c) => (
                <button key={c.label} type="button" role="menuitem" onClick={() => { ctrlRef.current?.sendCombo(c); setKeysOpen(false); }}>
                  {c.label}
                </button>
              ))}
            </div>
          )}
        </div>
        <button type="button" disabled={!canControl} onClick={() => void sendClipboard()}>Send clipboard</button>
        <button type="button" aria-pressed={showStats} onClick={() => setShowStats(!showStats)}>Statistics</button>
        <button type="button" class="danger" onClick={disconnect}>Disconnect</button>
      </header>

      {(notice || (ui.lastError && !final) || ui.state === 'reconnecting') && (
        <p class="viewer-notice" role="note">
          {ui.state === 'reconnecting' ? reconnectNote(ui.detail) : (notice ?? ui.lastError)}
        </p>
      )}

      {clipOut && (
        <form class="viewer-panel" aria-label="Send clipboard text" onSubmit={sendTypedClipboard}>
          <label for="clipboard-out-text">The browser did not share your clipboard. Paste or type the text to send:</label>
          <textarea id="clipboard-out-text" rows={3} value={clipOut.text} autoFocus
            onInput={(e) => setClipOut({ text: (e.currentTarget as HTMLTextAreaElement).value, message: null })} />
          {clipOut.message && <p class="alert" role="alert">{clipOut.message}</p>}
          <div class="row">
            <button type="submit" class="primary">Send</button>
            <button type="button" onClick={() => setClipOut(null)}>Cancel</button>
          </div>
        </form>
      )}

      {clipIn && (
        <section class="viewer-panel" aria-label="Clipboard from the guest">
          <label for="clipboard-in-text">The guest copied:</label>
          <textarea id="clipboard-in-text" rows={3} readOnly value={clipIn.text} />
          {clipIn.note && <p class="muted">{clipIn.note}</p>}
          <div class="row">
            <button type="button" class="primary" onClick={() => void copyIncoming()}>Copy</button>
            <button type="button" onClick={() => setClipIn(null)}>Close</button>
          </div>
        </section>
      )}

      <div class={`viewer-area ${scaleMode}`} ref={areaRef}>
        <div class={ui.hasFrame ? 'screen-wrap' : 'screen-wrap hidden'}>
          <canvas id="screen" ref={screenRef} tabIndex={0} aria-label="Remote screen" />
          <canvas class="cursor-overlay" ref={overlayRef} aria-hidden="true" />
        </div>
        {!ui.hasFrame && (
          <p class="viewer-placeholder" data-testid="viewer-placeholder">{placeholderText(ui)}</p>
        )}
        {connected && (ui.consent === 'withdrawn' || ui.consent === 'expired') && (
          <p class="viewer-back">
            <button type="button" onClick={() => ctrlRef.current?.askConsentAgain()}>Ask the guest again</button>
          </p>
        )}
        {final && ui.hasFrame && <p class="viewer-placeholder over">{statusText(ui)}</p>}
        {final && <p class="viewer-back"><a href="/">Back to the control panel</a></p>}
        {showStats && (
          <dl class="viewer-stats" data-testid="viewer-stats" aria-label="Statistics">
            <dt>Frame rate</dt><dd>{stats ? `${stats.fps.toFixed(0)} fps` : '–'}</dd>
            <dt>Latency</dt><dd>{stats?.rttMs != null ? `${Math.round(stats.rttMs)} ms` : '–'}</dd>
            <dt>Bandwidth</dt><dd>{stats ? `${stats.kbps.toFixed(0)} kbit/s` : '–'}</dd>
            <dt>Frames acknowledged</dt><dd>{stats ? String(stats.framesAcked) : '–'}</dd>
          </dl>
        )}
      </div>
    </div>
  );
}
