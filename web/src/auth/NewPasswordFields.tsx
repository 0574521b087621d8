import { Field } from '../ui/components';
import type { PolicyResult } from './password_policy';

interface Props {
  label: string;
  password: string;
  onPassword: (value: string) => void;
  confirm: string;
  onConfirm: (value: string) => void;
  policy: PolicyResult;
}

// A new password, the rules it meets so far, and the confirmation (setup and password change).
export function NewPasswordFields(p: Props) {
  return (
    <>
      <Field id="password" label={p.label} type="password" value={p.password} onInput={p.onPassword}
        autoComplete="new-password" required maxLength={1024} describedBy="password-rules" />
      <ul id="password-rules" class="rules" aria-label="Password rules">
        {p.policy.rules.map((r) => (
          <li key={r.id} class={r.ok ? 'ok' : 'todo'}>{r.label}</li>
        ))}
      </ul>
      <Field id="confirm" label={`Confirm ${p.label.toLowerCase()}`} type="password" value={p.confirm}
        onInput={p.onConfirm} autoComplete="new-password" required maxLength={1024} />
    </>
  );
}
