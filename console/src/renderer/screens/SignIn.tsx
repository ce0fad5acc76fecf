/** Sign in or sign up: the server URL first, because one console can talk to any Happening server. */
import { useId, useState } from 'react';
import { normaliseServerUrl } from '../../shared-ipc/urls.js';
import { useSession } from '../app/session.js';
import { ErrorNote } from '../ui/common.js';

export function SignInScreen() {
  const { serverUrl: savedServer, signIn, signUp } = useSession();
  const [mode, setMode] = useState<'sign-in' | 'sign-up'>('sign-in');
  const [server, setServer] = useState(savedServer);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const [organization, setOrganization] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setError(null);
    const url = normaliseServerUrl(server.trim().replace(/\/+$/, ''));
    if (!url) {
      setError(new Error('The server URL must look like http://localhost:3000 (http or https, no path).'));
      return;
    }
    setBusy(true);
    try {
      if (mode === 'sign-in') await signIn(url, email, password);
      else await signUp(url, { email, password, name, organization });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <h1>Happening Console</h1>
      <div className="tabs" role="tablist" aria-label="Account">
        <button
          type="button"
          role="tab"
          aria-selected={mode === 'sign-in'}
          onClick={() => setMode('sign-in')}
        >
          Sign in
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={mode === 'sign-up'}
          onClick={() => setMode('sign-up')}
        >
          Create an account
        </button>
      </div>
      <form onSubmit={submit} aria-label={mode === 'sign-in' ? 'Sign in' : 'Create an account'}>
        <label htmlFor={`${id}-server`}>Server URL</label>
        <input
          id={`${id}-server`}
          type="url"
          required
          value={server}
          onChange={(e) => setServer(e.target.value)}
          placeholder="http://localhost:3000"
        />
        {mode === 'sign-up' && (
          <>
            <label htmlFor={`${id}-name`}>Your name</label>
            <input
              id={`${id}-name`}
              required
              maxLength={120}
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
            <label htmlFor={`${id}-org`}>Organization name</label>
            <input
              id={`${id}-org`}
              required
              maxLength={120}
              value={organization}
              onChange={(e) => setOrganization(e.target.value)}
            />
          </>
        )}
        <label htmlFor={`${id}-email`}>Email</label>
        <input
          id={`${id}-email`}
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <label htmlFor={`${id}-password`}>Password</label>
        <input
          id={`${id}-password`}
          type="password"
          autoComplete={mode === 'sign-in' ? 'current-password' : 'new-password'}
          required
          minLength={mode === 'sign-up' ? 10 : 1}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        {mode === 'sign-up' && <p className="hint">At least 10 characters.</p>}
        {error !== null && <ErrorNote error={error} />}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Please wait…' : mode === 'sign-in' ? 'Sign in' : 'Create account'}
        </button>
      </form>
    </main>
  );
}
