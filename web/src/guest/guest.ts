// The guest page's logic, kept apart from the page so it can be tested without a browser:
// checking the code, asking the server for the signed agent configuration, naming and saving
// the file, and reading what the file says (for display only: the agent verifies the signature).

export const GUEST_JOIN_URL = '/api/v1/guest/join';
export const CONFIG_MEDIA_TYPE = 'application/vnd.tether.agent-config+json';
export const MAX_CODE_LENGTH = 32;

type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

// What the guest typed, as the server wants it: no spaces (codes are often read out in groups).
export function normalizeCode(input: string): string {
  return input.replace(/\s+/g, '');
}

// A message for the guest when the code cannot be right, or null.
export function codeProblem(code: string): string | null {
  if (!code) return 'Enter the code your technician gave you.';
  if (code.length > MAX_CODE_LENGTH || !/^[A-Za-z0-9-]+$/.test(code)) {
    return 'A session code has only digits and letters. Check it with your technician.';
  }
  return null;
}

export class GuestJoinError extends Error {
  readonly status: number;
  readonly retryAfterSeconds: number | null;

  constructor(status: number, message: string, retryAfterSeconds: number | null = null) {
    super(message);
    this.name = 'GuestJoinError';
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export function waitText(seconds: number): string {
  if (seconds <= 60) return 'a minute';
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minutes`;
}

// The guest-facing message for a failed answer. Unknown and ended codes look the same on
// purpose: the server does not say which codes exist.
export function errorFor(status: number, serverMessage: string | null, retryAfter: string | null): GuestJoinError {
  switch (status) {
    case 404:
      return new GuestJoinError(status,
        'No open support session has this code. Check the code with your technician; the session may have ended.');
    case 429: {
      const parsed = retryAfter && /^\d{1,6}$/.test(retryAfter) ? Number(retryAfter) : null;
      return new GuestJoinError(status,
        `Too many wrong codes were tried from your network. Wait ${waitText(parsed ?? 60)} and try again.`, parsed);
    }
    case 400:
      return new GuestJoinError(status, serverMessage || 'The code was not accepted. Check it and try again.');
    default:
      return new GuestJoinError(status, status >= 500
        ? 'The server could not prepare your file. Try again in a moment.'
        : serverMessage || `The request failed (HTTP ${status}).`);
  }
}

// The file name from Content-Disposition, reduced to safe characters; `fallback` otherwise.
export function filenameFrom(disposition: string | null, fallback = 'tether-session.tether'): string {
  const m = disposition ? /filename="([^"]{1,200})"/.exec(disposition) : null;
  const name = m ? m[1].replace(/[^A-Za-z0-9._-]/g, '_') : '';
  if (!name || name.startsWith('.') || !name.endsWith('.tether')) return fallback;
  return name;
}

export interface ConfigSummary {
  sessionName: string;
  expiresAt: Date | null;
}

// Reads the session name and expiry from a configuration file, for showing them; null when the
// file cannot be read. Nothing here is trusted: the agent checks the signature.
export function summarize(text: string): ConfigSummary | null {
  try {
    const envelope: unknown = JSON.parse(text);
    if (!envelope || typeof envelope !== 'object') return null;
    const payload = (envelope as { payload?: unknown }).payload;
    if (typeof payload !== 'string') return null;
    const bytes = Uint8Array.from(atob(payload), (c) => c.charCodeAt(0));
    const p: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (!p || typeof p !== 'object') return null;
    const { session_name: name, expires_at: exp } = p as { session_name?: unknown; expires_at?: unknown };
    return {
      sessionName: typeof name === 'string' ? name : '',
      expiresAt: typeof exp === 'number' && Number.isFinite(exp) ? new Date(exp * 1000) : null,
    };
  } catch {
    return null;
  }
}

export interface GuestConfig {
  filename: string;
  text: string;
  summary: ConfigSummary | null;
}

// Asks the server for the signed configuration of the session with `code`.
export async function requestConfiguration(code: string, fetchImpl: FetchLike = (i, o) => fetch(i, o)): Promise<GuestConfig> {
  let res: Response;
  try {
    res = await fetchImpl(GUEST_JOIN_URL, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: CONFIG_MEDIA_TYPE },
      body: JSON.stringify({ code }),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new GuestJoinError(0, 'Cannot reach the server. Check your internet connection and try again.');
  }
  if (!res.ok) {
    let message: string | null = null;
    try {
      const body: unknown = JSON.parse(await res.text());
      if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') {
        message = (body as { message: string }).message;
      }
    } catch {
      // not JSON: keep the generic message
    }
    throw errorFor(res.status, message, res.headers.get('Retry-After'));
  }
  const text = await res.text();
  return { filename: filenameFrom(res.headers.get('Content-Disposition')), text, summary: summarize(text) };
}

export interface SaveTarget {
  createObjectURL(blob: Blob): string;
  revokeObjectURL(url: string): void;
  clickLink(href: string, filename: string): void;
  later(f: () => void): void;
}

export const browserSaveTarget: SaveTarget = {
  createObjectURL: (b) => URL.createObjectURL(b),
  revokeObjectURL: (u) => URL.revokeObjectURL(u),
  clickLink: (href, filename) => {
    const a = document.createElement('a');
    a.href = href;
    a.download = filename;
    a.rel = 'noopener';
    document.body.appendChild(a);
    a.click();
    a.remove();
  },
  later: (f) => { setTimeout(f, 60_000); },
};

// Hands the file to the browser's download (it lands in the guest's Downloads folder).
export function saveConfiguration(config: GuestConfig, target: SaveTarget = browserSaveTarget): void {
  const url = target.createObjectURL(new Blob([config.text], { type: CONFIG_MEDIA_TYPE }));
  target.clickLink(url, config.filename);
  target.later(() => target.revokeObjectURL(url));
}

// The command that starts the agent with the downloaded file.
export function runCommand(filename: string): string {
  return `tether-agent run --config ~/Downloads/${filename}`;
}

// "14:05" in the guest's own time zone.
export function clockTime(d: Date): string {
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}
