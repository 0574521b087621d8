// The administration page's view of the security settings: which section each belongs to, how
// it is labelled, and how a typed value becomes the JSON value the server expects. The server
// validates every change (docs/security.md); this only shapes the form.
import type { SecuritySetting, SettingValue } from '../api/client';

export interface SettingMeta {
  label: string;
  unit?: string;                 // shown after a number
  choices?: string[];            // a select instead of a number or a box
}

export const SECTIONS: { title: string; prefix: (key: string) => boolean }[] = [
  { title: 'Passwords', prefix: (k) => k.startsWith('security.password_') },
  { title: 'Lockout', prefix: (k) => k.startsWith('security.lockout_') },
  { title: 'Two-factor authentication', prefix: (k) => k === 'security.two_factor' },
  { title: 'Web sessions', prefix: (k) => k.startsWith('security.web_session_') },
  { title: 'Session limits', prefix: (k) => k.startsWith('security.sessions.') },
  { title: 'Consent', prefix: (k) => k.startsWith('security.consent.') },
  { title: 'IP restrictions', prefix: (k) => k.startsWith('security.ip.') },
];

const AREA_TEXT: Record<string, string> = {
  login: 'Login', host: 'Host pages', admin: 'Administration', api: 'API (tokens)', relay: 'Relay (agents)',
};

export const META: Record<string, SettingMeta> = {
  'security.password_min_length': { label: 'Minimum password length', unit: 'characters' },
  'security.password_allow_shorter_than_12': { label: 'Allow passwords shorter than 12 (configuration file only)' },
  'security.password_require_upper': { label: 'Require an upper-case letter' },
  'security.password_require_lower': { label: 'Require a lower-case letter' },
  'security.password_require_digit': { label: 'Require a digit' },
  'security.password_require_symbol': { label: 'Require a symbol' },
  'security.lockout_failures': { label: 'Failed logins that lock an account', unit: 'failures' },
  'security.lockout_address_failures': { label: 'Failed logins that lock an address', unit: 'failures' },
  'security.lockout_window_minutes': { label: 'Counted within', unit: 'minutes' },
  'security.lockout_minutes': { label: 'Locked for', unit: 'minutes' },
  'security.two_factor': { label: 'Two-factor authentication required of', choices: ['off', 'administrators', 'everyone'] },
  'security.web_session_idle_minutes': { label: 'Log out after inactivity', unit: 'minutes' },
  'security.web_session_max_hours': { label: 'Log out after at most', unit: 'hours' },
  'security.sessions.host_idle_seconds': { label: 'Disconnect a host without input after', unit: 'seconds (0: never)' },
  'security.sessions.max_length_seconds': { label: 'Maximum session length', unit: 'seconds (0: none)' },
  'security.sessions.support_expiry_seconds': { label: 'End a support session without a guest after', unit: 'seconds (0: never)' },
  'security.consent.prompt_timeout_seconds': { label: 'The guest\'s consent prompt denies after', unit: 'seconds' },
  'security.consent.grant_lifetime_seconds': { label: 'Consent expires after', unit: 'seconds (0: lasts the connection)' },
};

export function metaOf(key: string): SettingMeta {
  if (key === 'security.ip.trusted_proxies') return { label: 'Trusted proxies (their X-Forwarded-For names the client)' };
  const ip = /^security\.ip\.([a-z]+)\.(allow|block)$/.exec(key);
  if (ip) return { label: `${AREA_TEXT[ip[1]!] ?? ip[1]}: ${ip[2] === 'allow' ? 'only these may connect' : 'blocked'}` };
  return META[key] ?? { label: key };
}

// Settings grouped by section, in the order above; unknown keys last.
export function grouped(settings: SecuritySetting[]): { title: string; settings: SecuritySetting[] }[] {
  const out = SECTIONS.map((s) => ({ title: s.title, settings: settings.filter((x) => s.prefix(x.key)) }));
  const rest = settings.filter((x) => !SECTIONS.some((s) => s.prefix(x.key)));
  if (rest.length) out.push({ title: 'Other', settings: rest });
  return out.filter((g) => g.settings.length > 0);
}

// The JSON value for what was typed, shaped like the setting's current value. A number that is
// not a whole number is sent as typed, for the server to refuse with its message. A list is one
// entry per line (commas also separate); blank lines are dropped.
export function parseInput(setting: SecuritySetting, text: string): SettingValue {
  if (Array.isArray(setting.value)) return text.split(/[\n,]/).map((e) => e.trim()).filter((e) => e !== '');
  if (typeof setting.value === 'boolean') return text === 'true';
  if (typeof setting.value === 'number') {
    const t = text.trim();
    return /^-?\d+$/.test(t) ? Number(t) : t;
  }
  return text;
}

// The text a setting is edited as: a list one entry per line.
export function editText(v: SettingValue): string {
  return Array.isArray(v) ? v.join('\n') : String(v);
}

export function shown(v: SettingValue): string {
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.length ? v.join(', ') : 'none';
  return String(v);
}

export const SOURCE_TEXT: Record<SecuritySetting['source'], string> = {
  default: 'built-in default',
  file: 'configuration file',
  page: 'changed on this page',
};
