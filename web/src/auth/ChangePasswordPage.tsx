import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, type User } from '../api/client';
import { Alert, AuthCard, Field } from '../ui/components';
import { go, redirect } from '../ui/nav';
import { NewPasswordFields } from './NewPasswordFields';
import { checkPassword, describeProblems } from './password_policy';

// /password: the logged-in user changes their password. After an administrator set it, this is
// the only page that works (the server refuses everything else) until it is changed.
export function ChangePasswordPage() {
  const [user, setUser] = useState<User | null>(null);
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api.me().then((info) => setUser(info.user)).catch(() => redirect('/login'));
  }, []);

  if (!user) return <AuthCard title="Change password"><p class="muted">Loading…</p></AuthCard>;
  const policy = checkPassword(password);

  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    const problem = describeProblems(policy);
    if (problem) return setError(problem);
    if (password !== confirm) return setError('The new passwords do not match.');
    if (password === current) return setError('The new password must differ from the current one.');
    setBusy(true);
    try {
      await api.changePassword(current, password);
      go('/');
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError && err.status === 401) return redirect('/login');
      setError(err instanceof Error ? err.message : String(err));
    }
  }

  return (
    <AuthCard title="Change password">
      {user.must_change_password && (
        <p>An administrator set your password. Choose a new one to continue.</p>
      )}
      <form onSubmit={submit} noValidate>
        <input type="text" name="username" autoComplete="username" value={user.username} hidden readOnly />
        <Field id="current" label="Current password" type="password" value={current} onInput={setCurrent}
          autoComplete="current-password" required maxLength={1024} autoFocus />
        <NewPasswordFields label="New password" password={password} onPassword={setPassword}
          confirm={confirm} onConfirm={setConfirm} policy={policy} />
        {error && <Alert>{error}</Alert>}
        <button type="submit" class="primary" disabled={busy}>Change password</button>
      </form>
      {!user.must_change_password && <p class="muted"><a href="/">Back to the control panel</a></p>}
    </AuthCard>
  );
}
