// @vitest-environment happy-dom

import type { Organization } from '@happening/shared';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChangePasswordButton } from '../../src/renderer/app/ChangePassword.js';
import { SessionProvider, useSession } from '../../src/renderer/app/session.js';
import { act, byLabel, type Rendered, render, typeInto } from './dom.js';

const SERVER = 'http://server.test';
const TOKEN_KEY = 'happening.console.token';
const user = { id: '00000000-0000-4000-8000-000000000001', email: 'grace@example.test', name: 'Grace' };
const org: Organization = { id: '00000000-0000-4000-8000-00000000000a', name: 'Harbour', role: 'admin' };

let view: Rendered | undefined;
let session: ReturnType<typeof useSession>;
afterEach(() => {
  view?.unmount();
  view = undefined;
  vi.unstubAllGlobals();
  sessionStorage.clear();
  localStorage.clear();
});
beforeEach(() => {
  sessionStorage.setItem(TOKEN_KEY, 'first-token');
  localStorage.setItem('happening.console.server', SERVER);
});

type Answer = (init: RequestInit) => Response;
/** A server answering /auth/me for the tokens in `live`, and `routes` by "METHOD path". */
function stubServer(live: Set<string>, routes: Record<string, Answer> = {}) {
  const fetchMock = vi.fn(async (url: string, init: RequestInit = {}) => {
    const path = url.replace(`${SERVER}/api/v1`, '');
    const token = new Headers(init.headers).get('authorization')?.replace('Bearer ', '') ?? '';
    const route = routes[`${init.method ?? 'GET'} ${path}`];
    if (route) return route(init);
    if (path === '/auth/me' && live.has(token)) return Response.json({ user, organizations: [org] });
    return Response.json({ error: { code: 'UNAUTHENTICATED', message: 'signed out' } }, { status: 401 });
  });
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}

function Account() {
  session = useSession();
  if (session.status !== 'signed-in') return <p data-testid="state">{session.status}</p>;
  return (
    <>
      <p data-testid="state">signed in as {session.session?.user.name}</p>
      <ChangePasswordButton change={session.changePassword} />
      <button type="button" onClick={() => void session.signOut()}>
        Sign out
      </button>
    </>
  );
}

async function signedIn() {
  view = await render(
    <QueryClientProvider client={new QueryClient()}>
      <SessionProvider>
        <Account />
      </SessionProvider>
    </QueryClientProvider>,
  );
  await vi.waitFor(() => expect(session.status).toBe('signed-in'));
}
const state = () => view!.container.querySelector('[data-testid="state"]')?.textContent;
const button = (name: string) =>
  [...view!.container.querySelectorAll('button')].find((b) => b.textContent === name)!;
const dialog = () => view!.container.querySelector('dialog')!;

describe('signing out', () => {
  it('ends the session on the server, then shows the sign-in state and forgets the token', async () => {
    const live = new Set(['first-token']);
    const fetchMock = stubServer(live, {
      'POST /auth/logout': () => {
        live.delete('first-token');
        return new Response(null, { status: 204 });
      },
    });
    await signedIn();
    expect(state()).toBe('signed in as Grace');
    await act(async () => button('Sign out').click());
    await vi.waitFor(() => expect(state()).toBe('signed-out'));
    const logout = fetchMock.mock.calls.find(([url]) => url === `${SERVER}/api/v1/auth/logout`);
    expect(logout?.[1]?.method).toBe('POST');
    expect(new Headers(logout?.[1]?.headers).get('authorization')).toBe('Bearer first-token');
    expect(live.has('first-token')).toBe(false);
    expect(sessionStorage.getItem(TOKEN_KEY)).toBeNull();
  });

  it('signs out here even when the server cannot be reached', async () => {
    stubServer(new Set(['first-token']), {
      'POST /auth/logout': () => {
        throw new TypeError('fetch failed');
      },
    });
    await signedIn();
    await act(async () => button('Sign out').click());
    await vi.waitFor(() => expect(state()).toBe('signed-out'));
    expect(sessionStorage.getItem(TOKEN_KEY)).toBeNull();
  });
});

describe('the Change password dialog', () => {
  async function fill(current: string, next: string, repeated = next) {
    await act(async () => button('Change password').click());
    await typeInto(byLabel(view!.container, 'Current password'), current);
    await typeInto(byLabel(view!.container, 'New password'), next);
    await typeInto(byLabel(view!.container, 'Repeat the new password'), repeated);
    await act(async () => void dialog().querySelector('form')!.requestSubmit());
  }

  it('changes the password, switches to the fresh token and says so', async () => {
    const live = new Set(['first-token']);
    let sent: unknown;
    stubServer(live, {
      'POST /auth/password': (init) => {
        sent = JSON.parse(String(init.body));
        live.clear();
        live.add('second-token');
        return Response.json({ token: 'second-token' });
      },
    });
    await signedIn();
    await fill('old password!', 'a new long passphrase');
    expect(sent).toEqual({ currentPassword: 'old password!', newPassword: 'a new long passphrase' });
    await vi.waitFor(() => expect(session.session?.token).toBe('second-token'));
    expect(sessionStorage.getItem(TOKEN_KEY)).toBe('second-token');
    expect(dialog().open).toBe(false);
    expect(view!.container.querySelector('[role="status"]')?.textContent).toContain('Password changed');
    expect(state()).toBe('signed in as Grace');
    // The old token's connection was closed by the server: this console keeps its new session.
    expect(await session.confirmSession('first-token')).toBe(false);
    expect(await session.confirmSession('second-token')).toBe(true);
    expect(session.status).toBe('signed-in');
  });

  it('stays open with the reason on a wrong current password, and does not sign out', async () => {
    stubServer(new Set(['first-token']), {
      'POST /auth/password': () =>
        Response.json(
          { error: { code: 'CURRENT_PASSWORD_WRONG', message: 'The current password is not right' } },
          { status: 403 },
        ),
    });
    await signedIn();
    await fill('not it', 'a new long passphrase');
    expect(dialog().open).toBe(true);
    expect(dialog().querySelector('[role="alert"]')?.textContent).toContain(
      'The current password is not right',
    );
    expect(session.status).toBe('signed-in');
    expect(sessionStorage.getItem(TOKEN_KEY)).toBe('first-token');
  });

  it('sends nothing when the two new passwords differ', async () => {
    const fetchMock = stubServer(new Set(['first-token']));
    await signedIn();
    await fill('old password!', 'a new long passphrase', 'a new long passphrasf');
    expect(dialog().querySelector('[role="alert"]')?.textContent).toContain('The two new passwords differ');
    expect(fetchMock.mock.calls.some(([url]) => String(url).endsWith('/auth/password'))).toBe(false);
  });
});

describe('a connection the server closed', () => {
  it('signs out when the session no longer stands, and keeps it when it does', async () => {
    const live = new Set(['first-token']);
    stubServer(live);
    await signedIn();
    expect(await session.confirmSession('first-token')).toBe(true);
    expect(session.status).toBe('signed-in');

    live.clear(); // signed out from another computer
    let stands: boolean | undefined;
    await act(async () => {
      stands = await session.confirmSession('first-token');
    });
    expect(stands).toBe(false);
    expect(state()).toBe('signed-out');
    expect(sessionStorage.getItem(TOKEN_KEY)).toBeNull();
  });
});
