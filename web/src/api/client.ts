// Typed wrapper around fetch for the Tether REST API (/api/v1).
//
// * Cookies: the session cookie is HttpOnly and same-origin; JS never reads it.
// * CSRF: every state-changing request carries X-CSRF-Token (the token comes from the login
//   answer or GET /me and is kept in memory only).
// * Errors: a non-2xx answer becomes an ApiError {status, code, message}; the server's
//   {"error", "message"} body is used when present.

export type Role = string;

export interface User {
  id: string | number;
  username: string;
  role: Role;
}

export type SessionType = 'support' | 'meeting' | 'access';

export interface Session {
  id: string | number;
  type: SessionType;
  name: string;
  code?: string | null;
  created_by?: string | number | null;
  created_at?: string | number | null;
  ended_at?: string | number | null;
}

export interface AuthInfo {
  user: User;
  csrf_token: string;
}

export interface NewSession {
  type: SessionType;
  name: string;
  code?: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

export const API_BASE = '/api/v1';

type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface ApiClientOptions {
  base?: string;
  fetch?: FetchLike;
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function fallbackMessage(status: number): string {
  switch (status) {
    case 400: return 'The request was not accepted.';
    case 401: return 'You are not logged in.';
    case 403: return 'You are not allowed to do that.';
    case 404: return 'Not found.';
    case 409: return 'That conflicts with the current state.';
    case 413: return 'The request is too large.';
    case 429: return 'Too many requests; try again later.';
    default: return status >= 500 ? 'The server could not handle the request.' : `Request failed (HTTP ${status}).`;
  }
}

function fallbackCode(status: number): string {
  switch (status) {
    case 401: return 'unauthorized';
    case 403: return 'forbidden';
    case 404: return 'not_found';
    case 413: return 'too_large';
    case 429: return 'rate_limited';
    default: return status >= 500 ? 'server_error' : 'http_error';
  }
}

// Builds an ApiError from a failed response; never throws itself.
export async function errorFromResponse(res: Response): Promise<ApiError> {
  let code = fallbackCode(res.status);
  let message = fallbackMessage(res.status);
  try {
    const text = await res.text();
    if (text) {
      const body: unknown = JSON.parse(text);
      if (body && typeof body === 'object') {
        const b = body as { error?: unknown; message?: unknown };
        if (typeof b.error === 'string' && b.error) code = b.error;
        if (typeof b.message === 'string' && b.message) message = b.message;
      }
    }
  } catch {
    // Not JSON (a proxy's error page, an empty body): keep the fallbacks.
  }
  return new ApiError(res.status, code, message);
}

export class ApiClient {
  private readonly base: string;
  private readonly fetchImpl: FetchLike;
  private csrfToken: string | null = null;

  constructor(options: ApiClientOptions = {}) {
    this.base = options.base ?? API_BASE;
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  setCsrfToken(token: string | null): void {
    this.csrfToken = token;
  }

  get hasCsrfToken(): boolean {
    return this.csrfToken !== null;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (STATE_CHANGING.has(method) && this.csrfToken) headers['X-CSRF-Token'] = this.csrfToken;

    let res: Response;
    try {
      res = await this.fetchImpl(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(0, 'network', 'Cannot reach the server.');
    }
    if (!res.ok) throw await errorFromResponse(res);
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(res.status, 'bad_response', 'The server sent an unreadable answer.');
    }
  }

  // --- endpoints ---------------------------------------------------------------------------

  setup(token: string, username: string, password: string): Promise<{ user: User }> {
    return this.request('POST', '/setup', { token, username, password });
  }

  async login(username: string, password: string, otp?: string): Promise<AuthInfo> {
    const body: Record<string, string> = { username, password };
    if (otp) body.otp = otp;
    const info = await this.request<AuthInfo>('POST', '/auth/login', body);
    this.setCsrfToken(info.csrf_token);
    return info;
  }

  async logout(): Promise<void> {
    try {
      await this.request<void>('POST', '/auth/logout');
    } finally {
      this.setCsrfToken(null);
    }
  }

  async me(): Promise<AuthInfo> {
    const info = await this.request<AuthInfo>('GET', '/me');
    this.setCsrfToken(info.csrf_token);
    return info;
  }

  async listSessions(type: SessionType): Promise<Session[]> {
    const r = await this.request<{ sessions: Session[] }>('GET', `/sessions?type=${encodeURIComponent(type)}`);
    return r.sessions ?? [];
  }

  async getSession(id: string): Promise<Session> {
    const r = await this.request<{ session: Session }>('GET', `/sessions/${encodeURIComponent(id)}`);
    return r.session;
  }

  async createSession(s: NewSession): Promise<Session> {
    const r = await this.request<{ session: Session }>('POST', '/sessions', s);
    return r.session;
  }
}

export const api = new ApiClient();
