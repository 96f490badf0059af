import { useState } from 'preact/hooks';

/** The login screen: a bearer token from the controller's tokens file (kept in session storage). */
export function LoginPage({
  error,
  onSubmit,
}: {
  error?: string;
  onSubmit: (token: string) => Promise<void>;
}) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <div class="page login" data-page="login">
      <form
        class="card login-card"
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          void onSubmit(token.trim()).finally(() => setBusy(false));
        }}
      >
        <h2>Sign in to eos-fleet</h2>
        <p class="muted">
          Paste a bearer token from the controller&apos;s tokens file (<code>CONTROLLER_TOKENS_FILE</code>).
          It stays in this tab only.
        </p>
        <label>
          Token
          <input
            type="password"
            name="token"
            autoComplete="off"
            value={token}
            onInput={(e) => setToken((e.target as HTMLInputElement).value)}
            required
            autoFocus
          />
        </label>
        {error && (
          <p class="field-error" role="alert" data-testid="login-error">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy || !token.trim()}>
          Sign in
        </button>
      </form>
    </div>
  );
}
