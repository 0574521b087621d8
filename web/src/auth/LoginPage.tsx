import { useState } from 'preact/hooks';
import { ApiError, api } from '../api/client';
import { Alert, AuthCard, Field } from '../ui/components';
import { go } from '../ui/nav';

const OTP_CODES = new Set(['otp_required', 'two_factor_required']);

function loginMessage(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 'invalid_credentials' || (err.status === 401 && !OTP_CODES.has(err.code) && err.code !== 'invalid_otp')) {
      return 'Wrong user name or password';
    }
    if (err.code === 'invalid_otp') return 'Wrong or already used code';
    if (err.code === 'locked') return err.message || 'Too many failed attempts. Try again later.';
    return err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

export function LoginPage() {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [otp, setOtp] = useState('');
  const [needOtp, setNeedOtp] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const info = await api.login(username.trim(), password, needOtp ? otp.trim() : undefined);
      if (info.user.must_change_password) go('/password');
      else if (info.user.two_factor_required && !info.user.two_factor_enabled) go('/two-factor');
      else go('/');
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError && OTP_CODES.has(err.code) && !needOtp) {
        setNeedOtp(true);
        return;
      }
      setError(loginMessage(err));
    }
  }

  return (
    <AuthCard title="Log in">
      <form onSubmit={submit}>
        <Field id="username" label="User name" value={username} onInput={setUsername}
          autoComplete="username" required maxLength={64} autoFocus />
        <Field id="password" label="Password" type="password" value={password} onInput={setPassword}
          autoComplete="current-password" required maxLength={1024} />
        {needOtp && (
          <Field id="otp" label="One-time code (or a recovery code)" value={otp} onInput={setOtp}
            autoComplete="one-time-code" maxLength={16} autoFocus />
        )}
        {error && <Alert>{error}</Alert>}
        <button type="submit" class="primary" disabled={busy}>Log in</button>
      </form>
      <p class="muted guest-link">
        Here to get help from a technician? <a href="/guest">Join a support session</a>
      </p>
    </AuthCard>
  );
}
