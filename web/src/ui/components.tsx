import type { ComponentChildren } from 'preact';

interface FieldProps {
  id: string;
  label: string;
  type?: 'text' | 'password';
  value: string;
  onInput: (value: string) => void;
  autoComplete?: string;
  required?: boolean;
  maxLength?: number;
  inputMode?: 'text' | 'numeric';
  describedBy?: string;
  autoFocus?: boolean;
}

export function Field(p: FieldProps) {
  const common = {
    id: p.id,
    name: p.id,
    value: p.value,
    onInput: (e: Event) => p.onInput((e.currentTarget as HTMLInputElement).value),
    autoComplete: p.autoComplete,
    required: p.required,
    maxLength: p.maxLength,
    'aria-describedby': p.describedBy,
    autoFocus: p.autoFocus,
    spellcheck: false,
    autoCapitalize: 'off' as const,
  };
  return (
    <div class="field">
      <label for={p.id}>{p.label}</label>
      {p.type === 'password'
        ? <input type="password" {...common} />
        : <input type="text" inputMode={p.inputMode} {...common} />}
    </div>
  );
}

export function Alert({ children }: { children: ComponentChildren }) {
  return <p class="alert" role="alert">{children}</p>;
}

// Centered card used by the login and setup pages.
export function AuthCard({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <main class="auth">
      <div class="card">
        <p class="brand">Tether</p>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}
