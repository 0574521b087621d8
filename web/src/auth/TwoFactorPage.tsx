import { useEffect, useState } from 'preact/hooks';
import { api, type User } from '../api/client';
import { Alert, AuthCard, Field } from '../ui/components';
import { useAction } from '../ui/action';
import { go, redirect } from '../ui/nav';

type Step =
  | { kind: 'idle' }
  | { kind: 'scan'; secret: string; qrSvg: string }
  | { kind: 'codes'; codes: string[] };

// /two-factor: turn two-factor authentication (an authenticator app) on or off. The server draws
// the QR code; the secret and the recovery codes are shown once and never again.
export function TwoFactorPage() {
  const [user, setUser] = useState<User | null>(null);
  const [step, setStep] = useState<Step>({ kind: 'idle' });
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const { error, busy, run } = useAction();

  useEffect(() => {
    api.me().then((info) => setUser(info.user)).catch(() => redirect('/login'));
  }, []);

  if (!user) return <AuthCard title="Two-factor authentication"><p class="muted">Loading…</p></AuthCard>;


  const start = () => run(async () => {
    const e = await api.beginTotp();
    setStep({ kind: 'scan', secret: e.secret, qrSvg: e.qr_svg });
  });
  const confirm = (e: Event) => {
    e.preventDefault();
    void run(async () => setStep({ kind: 'codes', codes: await api.confirmTotp(code.trim()) }));
  };
  const disable = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await api.disableTotp(password);
      setPassword('');
      setUser({ ...user, two_factor_enabled: false });
    });
  };

  if (step.kind === 'codes') {
    return (
      <AuthCard title="Two-factor authentication is on">
        <p>Keep these recovery codes somewhere safe. Each one logs you in once if you lose your device.
          They are not shown again.</p>
        <ul class="recovery-codes" aria-label="Recovery codes">
          {step.codes.map((c) => <li key={c}><code>{c}</code></li>)}
        </ul>
        <button type="button" class="primary" onClick={() => go('/')}>Done</button>
      </AuthCard>
    );
  }

  if (step.kind === 'scan') {
    return (
      <AuthCard title="Set up your authenticator app">
        <p>Scan this code with an authenticator app, or type the key in by hand.</p>
        <img class="qr" alt="QR code for your authenticator app"
          src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(step.qrSvg)}`} />
        <p class="muted">Key: <code class="secret">{step.secret}</code></p>
        <form onSubmit={confirm}>
          <Field id="code" label="Code from the app" value={code} onInput={setCode}
            autoComplete="one-time-code" inputMode="numeric" maxLength={6} required autoFocus />
          {error && <Alert>{error}</Alert>}
          <button type="submit" class="primary" disabled={busy}>Turn on</button>
        </form>
      </AuthCard>
    );
  }

  if (user.two_factor_enabled) {
    return (
      <AuthCard title="Two-factor authentication">
        <p>Two-factor authentication is on.</p>
        <form onSubmit={disable}>
          <Field id="password" label="Password" type="password" value={password} onInput={setPassword}
            autoComplete="current-password" required maxLength={1024} />
          {error && <Alert>{error}</Alert>}
          <button type="submit" disabled={busy}>Turn off</button>
        </form>
        <p class="muted"><a href="/">Back to the control panel</a></p>
      </AuthCard>
    );
  }

  return (
    <AuthCard title="Two-factor authentication">
      {user.two_factor_required
        ? <p>Your organisation requires two-factor authentication. Set it up to continue.</p>
        : <p>Protect your account with a code from an authenticator app.</p>}
      {error && <Alert>{error}</Alert>}
      <button type="button" class="primary" disabled={busy} onClick={start}>Set up</button>
      {!user.two_factor_required && <p class="muted"><a href="/">Back to the control panel</a></p>}
    </AuthCard>
  );
}
