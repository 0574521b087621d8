import { useState } from 'preact/hooks';
import { ApiError, api } from '../api/client';
import { Alert, AuthCard, Field } from '../ui/components';
import { documentStatus, go } from '../ui/nav';
import { NewPasswordFields } from './NewPasswordFields';
import { checkPassword, describeProblems } from './password_policy';

function SetupComplete() {
  return (
    <AuthCard title="Setup is already complete">
      <p>An administrator already exists, so this setup link no longer works.</p>
      <p><a href="/login">Go to the login page</a></p>
    </AuthCard>
  );
}

export function SetupPage() {
  const token = new URLSearchParams(window.location.search).get('token') ?? '';
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The server answers 404 for /setup once an administrator exists.
  const [done, setDone] = useState(() => documentStatus() === 404);

  if (done) return <SetupComplete />;

  if (!token) {
    return (
      <AuthCard title="Create the first administrator">
        <Alert>This setup link has no token. Open the link printed on the server console.</Alert>
      </AuthCard>
    );
  }

  const policy = checkPassword(password);

  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    const name = username.trim();
    if (!name) return setError('Enter a user name.');
    const problem = describeProblems(policy);
    if (problem) return setError(problem);
    if (password !== confirm) return setError('The passwords do not match.');
    setBusy(true);
    try {
      await api.setup(token, name, password);
      go('/login');
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError && err.status === 404) setDone(true);
      else setError(err instanceof Error ? err.message : String(err));
    }
  }

  return (
    <AuthCard title="Create the first administrator">
      <form onSubmit={submit} noValidate>
        <Field id="username" label="User name" value={username} onInput={setUsername}
          autoComplete="username" required maxLength={64} autoFocus />
        <NewPasswordFields label="Password" password={password} onPassword={setPassword}
          confirm={confirm} onConfirm={setConfirm} policy={policy} />
        {error && <Alert>{error}</Alert>}
        <button type="submit" class="primary" disabled={busy}>Create administrator</button>
      </form>
    </AuthCard>
  );
}
