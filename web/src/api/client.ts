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
  // An administrator set the password: nothing but changing it works until it is changed.
  must_change_password?: boolean;
  two_factor_enabled?: boolean;
  disabled?: boolean;
  // The server's policy demands two-factor authentication of this user.
  two_factor_required?: boolean;
  // GET /me: the role allows Administer (the pages offer administration by it).
  administer?: boolean;
  // GET /me: every permission the role (and token scope) grants somewhere, by name
  // ("Administer", "ManageSessionGroups", ...); the pages offer only those.
  permissions?: string[];
}

// One security setting as GET /settings/security describes it (docs/security.md).
// A setting's value: the IP lists (security.ip.*) are lists of addresses and CIDR ranges.
export type SettingValue = number | boolean | string | string[];

export interface SecuritySetting {
  key: string;                       // as in the configuration file, e.g. security.lockout_failures
  value: SettingValue;               // in force
  file: SettingValue;                // the configuration file's value (or the built-in default)
  default: SettingValue;
  source: 'default' | 'file' | 'page';
  changeable: boolean;               // on the administration page
}

// POST /auth/totp/enrol: shown once.
export interface TotpEnrolment {
  secret: string;
  uri: string;
  qr_svg: string;
}

export type SessionType = 'support' | 'meeting' | 'access';

// The custom properties every session has.
export const PROPERTY_KEYS = ['company', 'site', 'department', 'tag'] as const;
export type PropertyKey = (typeof PROPERTY_KEYS)[number];
export type SessionProperties = Partial<Record<PropertyKey, string>>;

// What the server knows about the guest's machine (filled by the relay and the agent).
export interface GuestInfo {
  machine: string;
  os: string;
  user: string;
  address: string;
  agent_version: string;
  online: boolean;
  last_seen: number; // Unix seconds; 0 = never
}

export interface Session {
  id: string | number;
  type: SessionType;
  name: string;
  code?: string | null;
  created_by?: string | number | null;
  created_at?: string | number | null;
  ended_at?: string | number | null;
  properties?: SessionProperties;
  guest?: GuestInfo;
}

export interface SessionEvent {
  id: number;
  kind: string;
  actor: string;
  detail: string;
  at: number;
}

// A saved filter shown as a group in the control panel.
export interface SessionGroup {
  id: number;
  name: string;
  filter: string;
  subgroup_by: string; // '' = no sub-groups
  session_type: '' | SessionType; // '' = every tab
  position: number;
  created_by?: string;
  created_at?: number;
  updated_at?: number;
}

export interface SessionGroupInput {
  name?: string;
  filter?: string;
  subgroup_by?: string;
  session_type?: '' | SessionType;
  position?: number;
}

export interface Subgroup {
  value: string;
  count: number;
}

// GET /sessions parameters; absent ones are left out of the URL.
export interface SessionQuery {
  type?: SessionType;
  ended?: boolean;
  group?: number;
  subgroup?: string; // '' selects sessions whose field is empty
  filter?: string;
  q?: string;
  limit?: number;
  cursor?: string;
}

export interface SessionPage {
  sessions: Session[];
  next_cursor: string | null;
}

export interface SessionPatch {
  name?: string;
  properties?: SessionProperties;
}

// Builds the query string of GET /sessions (and of the sub-group counts), in a fixed order.
export function sessionQueryString(q: SessionQuery): string {
  const p = new URLSearchParams();
  if (q.type) p.set('type', q.type);
  if (q.ended) p.set('ended', 'true');
  if (q.group !== undefined) p.set('group', String(q.group));
  if (q.subgroup !== undefined) p.set('subgroup', q.subgroup);
  if (q.filter) p.set('filter', q.filter);
  if (q.q) p.set('q', q.q);
  if (q.limit !== undefined) p.set('limit', String(q.limit));
  if (q.cursor) p.set('cursor', q.cursor);
  const text = p.toString();
  return text ? `?${text}` : '';
}

// An API token as listed: never its secret (only `hint`, "tth_..." and the last four characters).
export interface ApiToken {
  id: string;
  user: string;
  name: string;
  hint: string;
  scope: string[];
  created_at: number;
  expires_at: number;
  last_used_at: number;
  last_used_from: string;
}

export interface TokenList {
  tokens: ApiToken[];
  permissions: string[];  // the names a scope may hold
  max_days: number;
}

export interface NewToken {
  name: string;
  scope: string[];
  expires_days: number;
  user?: string;  // another user's token (Administer)
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

// An access agent installer to build (POST /access/installers).
export interface InstallerInput {
  name: string;
  properties?: SessionProperties;
  expires_in_hours?: number;
}

// A signed file the server handed out for download, as it was sent.
export interface DownloadedFile {
  filename: string;
  text: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  // For filter errors: which parameter and the 1-based character position of the problem.
  readonly parameter?: string;
  readonly position?: number;

  constructor(status: number, code: string, message: string, extra: { parameter?: string; position?: number } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    if (extra.parameter !== undefined) this.parameter = extra.parameter;
    if (extra.position !== undefined) this.position = extra.position;
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
  const extra: { parameter?: string; position?: number } = {};
  try {
    const text = await res.text();
    if (text) {
      const body: unknown = JSON.parse(text);
      if (body && typeof body === 'object') {
        const b = body as { error?: unknown; message?: unknown; parameter?: unknown; position?: unknown };
        if (typeof b.error === 'string' && b.error) code = b.error;
        if (typeof b.message === 'string' && b.message) message = b.message;
        if (typeof b.parameter === 'string') extra.parameter = b.parameter;
        if (typeof b.position === 'number' && Number.isInteger(b.position) && b.position > 0) extra.position = b.position;
      }
    }
  } catch {
    // Not JSON (a proxy's error page, an empty body): keep the fallbacks.
  }
  return new ApiError(res.status, code, message, extra);
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

  // One request; a failed answer becomes an ApiError.
  private async send(method: string, path: string, body: unknown, headers: Record<string, string>): Promise<Response> {
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
    return res;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };

    const res = await this.send(method, path, body, headers);
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

  // Changes the logged-in user's password; the server ends every session of the user and
  // answers with a fresh one (new cookie and CSRF token).
  async changePassword(currentPassword: string, newPassword: string): Promise<AuthInfo> {
    const info = await this.request<AuthInfo>('POST', '/auth/password',
      { current_password: currentPassword, new_password: newPassword });
    this.setCsrfToken(info.csrf_token);
    return info;
  }

  async beginTotp(): Promise<TotpEnrolment> {
    return this.request<TotpEnrolment>('POST', '/auth/totp/enrol', {});
  }

  // Turns two-factor authentication on; answers the recovery codes (shown once). The server
  // ends the user's sessions and answers with a fresh one (new cookie and CSRF token).
  async confirmTotp(code: string): Promise<string[]> {
    const r = await this.request<{ recovery_codes: string[]; csrf_token: string }>('POST', '/auth/totp/confirm', { code });
    this.setCsrfToken(r.csrf_token);
    return r.recovery_codes;
  }

  async disableTotp(password: string): Promise<void> {
    await this.request<void>('POST', '/auth/totp/disable', { password });
  }

  async securitySettings(): Promise<SecuritySetting[]> {
    const r = await this.request<{ settings?: SecuritySetting[] }>('GET', '/settings/security');
    return r.settings ?? [];
  }

  // Changes settings (null: back to the configuration file's value); answers them all anew. A
  // change of the IP lists that would refuse this browser's own address fails with
  // `would_lock_out` unless `confirmLockout` is set.
  async changeSecuritySettings(changes: Record<string, SettingValue | null>,
    { confirmLockout = false } = {}): Promise<SecuritySetting[]> {
    const body = confirmLockout ? { settings: changes, confirm_lockout: true } : { settings: changes };
    const r = await this.request<{ settings?: SecuritySetting[] }>('PATCH', '/settings/security', body);
    return r.settings ?? [];
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

  // One page of the session list; pass next_cursor back as `cursor` for the next one.
  async querySessions(q: SessionQuery): Promise<SessionPage> {
    const r = await this.request<Partial<SessionPage>>('GET', `/sessions${sessionQueryString(q)}`);
    return { sessions: r.sessions ?? [], next_cursor: r.next_cursor ?? null };
  }

  async updateSession(id: string, patch: SessionPatch): Promise<Session> {
    const r = await this.request<{ session: Session }>('PATCH', `/sessions/${encodeURIComponent(id)}`, patch);
    return r.session;
  }

  deleteSession(id: string): Promise<void> {
    return this.request<void>('DELETE', `/sessions/${encodeURIComponent(id)}`);
  }

  endSession(id: string): Promise<void> {
    return this.request<void>('POST', `/sessions/${encodeURIComponent(id)}/end`);
  }

  async addNote(id: string, text: string): Promise<SessionEvent> {
    const r = await this.request<{ event: SessionEvent }>('POST', `/sessions/${encodeURIComponent(id)}/notes`, { text });
    return r.event;
  }

  // Events after `after` (an event id), oldest first; `more` says whether another call has more.
  async listEvents(id: string, after = 0, limit = 200): Promise<{ events: SessionEvent[]; more: boolean }> {
    const query = new URLSearchParams({ limit: String(limit) });
    if (after > 0) query.set('after', String(after));
    const r = await this.request<{ events?: SessionEvent[]; more?: boolean }>(
      'GET', `/sessions/${encodeURIComponent(id)}/events?${query.toString()}`);
    return { events: r.events ?? [], more: r.more ?? false };
  }

  // Builds an access agent installer: the signed file exactly as sent, to be saved unchanged
  // (its signature covers its bytes).
  async buildInstaller(input: InstallerInput): Promise<DownloadedFile> {
    const res = await this.send('POST', '/access/installers', input, { Accept: 'application/vnd.tether.agent-config+json' });
    const disposition = res.headers.get('Content-Disposition') ?? '';
    const match = /filename="([A-Za-z0-9._-]+)"/.exec(disposition);
    return { filename: match ? match[1] : 'tether-access.tether', text: await res.text() };
  }

  // The caller's tokens, or (administrators) every user's.
  async listTokens(all = false): Promise<TokenList> {
    const r = await this.request<Partial<TokenList>>('GET', all ? '/tokens?all=true' : '/tokens');
    return { tokens: r.tokens ?? [], permissions: r.permissions ?? [], max_days: r.max_days ?? 365 };
  }

  // The answer's secret is shown once and never again.
  createToken(t: NewToken): Promise<{ token: ApiToken; secret: string }> {
    return this.request<{ token: ApiToken; secret: string }>('POST', '/tokens', t);
  }

  // Every user (administrators).
  async listUsers(): Promise<User[]> {
    return (await this.request<{ users?: User[] }>('GET', '/users')).users ?? [];
  }

  revokeToken(id: string): Promise<void> {
    return this.request<void>('DELETE', `/tokens/${encodeURIComponent(id)}`);
  }

  async listGroups(type?: SessionType): Promise<SessionGroup[]> {
    const r = await this.request<{ groups?: SessionGroup[] }>('GET', `/session-groups${type ? `?type=${encodeURIComponent(type)}` : ''}`);
    return r.groups ?? [];
  }

  async createGroup(g: SessionGroupInput): Promise<SessionGroup> {
    const r = await this.request<{ group: SessionGroup }>('POST', '/session-groups', g);
    return r.group;
  }

  async updateGroup(id: number, g: SessionGroupInput): Promise<SessionGroup> {
    const r = await this.request<{ group: SessionGroup }>('PATCH', `/session-groups/${id}`, g);
    return r.group;
  }

  deleteGroup(id: number): Promise<void> {
    return this.request<void>('DELETE', `/session-groups/${id}`);
  }

  // The sub-group values of a group with their session counts, for the same type/ended/q/filter.
  async listSubgroups(groupId: number, q: SessionQuery): Promise<{ field: string; subgroups: Subgroup[]; truncated: boolean }> {
    const { group: _g, subgroup: _s, cursor: _c, limit: _l, ...rest } = q;
    const r = await this.request<{ field?: string; subgroups?: Subgroup[]; truncated?: boolean }>(
      'GET', `/session-groups/${groupId}/subgroups${sessionQueryString(rest)}`);
    return { field: r.field ?? '', subgroups: r.subgroups ?? [], truncated: r.truncated ?? false };
  }
}

export const api = new ApiClient();
