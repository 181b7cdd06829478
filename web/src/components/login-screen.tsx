/** Shown whenever the hub answers 401: this browser has no (valid) login cookie. */
export function LoginScreen() {
  return (
    <main className="login" aria-labelledby="login-title">
      <h1 id="login-title">Log in to Local Hub</h1>
      <p>
        This browser is not logged in. Open the{' '}
        <strong>
          login URL printed by <code>localhub serve</code>
        </strong>{' '}
        (it looks like <code>http://127.0.0.1:8000/?token=…</code>). It sets a login cookie for this browser
        and brings you back here.
      </p>
      <p className="muted">
        Lost it? The token is in <code>auth-token</code> inside the hub's data directory;{' '}
        <code>localhub serve</code> prints the URL again at every start.
      </p>
    </main>
  )
}
