import { useState } from 'preact/hooks';
import { Alert, AuthCard, Field } from '../ui/components';
import {
  type GuestConfig, GuestJoinError, MAX_CODE_LENGTH, clockTime, codeProblem, normalizeCode, requestConfiguration,
  runCommand, saveConfiguration,
} from './guest';
import './guest.css';

// The guest page (/guest): no account needed. The guest types the code the technician gave
// them and downloads, in one step, the signed file the Tether agent runs.
export function GuestPage() {
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [config, setConfig] = useState<GuestConfig | null>(null);

  async function submit(e: Event) {
    e.preventDefault();
    const normalized = normalizeCode(code);
    const problem = codeProblem(normalized);
    if (problem) {
      setError(problem);
      return;
    }
    setError(null);
    setBusy(true);
    try {
      const c = await requestConfiguration(normalized);
      saveConfiguration(c);
      setConfig(c);
    } catch (err) {
      setError(err instanceof GuestJoinError ? err.message : 'Something went wrong. Try again.');
    } finally {
      setBusy(false);
    }
  }

  if (config) {
    const expires = config.summary?.expiresAt;
    return (
      <AuthCard title="Your file is ready">
        <div class="guest">
          <p>
            Your browser has saved <strong class="guest-file">{config.filename}</strong>
            {config.summary?.sessionName ? <> for the session <strong>{config.summary.sessionName}</strong></> : null},
            usually in your <strong>Downloads</strong> folder.
          </p>
          <h2>What to do now</h2>
          <ol class="guest-steps">
            <li>
              Start the Tether agent with this file. Open a terminal and type:
              <pre class="guest-command"><code>{runCommand(config.filename)}</code></pre>
              If you are not sure how, your technician can guide you on the phone.
            </li>
            <li>
              A small <strong>Tether</strong> window opens on your screen. It shows when a technician is
              connected and has an <strong>End session</strong> button that works at any time.
            </li>
            <li>
              <strong>Nobody sees your screen until you allow it.</strong> When your technician asks, the window
              names them and asks you first: choose <strong>Allow</strong> to let them see and control your screen,
              or <strong>Deny</strong>. You can stop sharing whenever you like.
            </li>
          </ol>
          <p class="muted">
            The file works once{expires ? <>, until {clockTime(expires)}</> : null}. If it has expired or was already
            used, enter the code again to get a new one.
          </p>
          <button type="button" onClick={() => setConfig(null)}>Enter another code</button>
        </div>
      </AuthCard>
    );
  }

  return (
    <AuthCard title="Join a support session">
      <div class="guest">
        <p>
          Your technician gave you a <strong>session code</strong>. Enter it here to download a small file that
          connects this computer to your technician's session.
        </p>
        <form onSubmit={submit} noValidate>
          <Field id="code" label="Session code" value={code} onInput={setCode} inputMode="numeric"
            autoComplete="off" required maxLength={MAX_CODE_LENGTH + 8} autoFocus describedBy="code-help" />
          <p id="code-help" class="muted guest-help">For example 402913. Spaces do not matter.</p>
          {error && <Alert>{error}</Alert>}
          <button type="submit" class="primary" disabled={busy}>{busy ? 'Preparing…' : 'Download my connection file'}</button>
        </form>
        <p class="muted guest-note">
          Your technician will ask for your permission before they can see your screen, and you can end the session
          at any time.
        </p>
        <p class="muted guest-note">Are you a technician? <a href="/login">Log in</a></p>
      </div>
    </AuthCard>
  );
}
