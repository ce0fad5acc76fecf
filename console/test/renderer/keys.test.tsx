// @vitest-environment happy-dom

import type { Organization } from '@happening/shared';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { KeysT } from '../../src/renderer/api/queries.js';
import { SessionProvider, useSession } from '../../src/renderer/app/session.js';
import { KeysScreen } from '../../src/renderer/screens/Keys.js';
import { act, type Rendered, render } from './dom.js';

const SERVER = 'http://server.test';
const user = { id: '00000000-0000-4000-8000-000000000001', email: 'grace@example.test', name: 'Grace' };
const ORG = '00000000-0000-4000-8000-00000000000a';
const OLD_KEY = 'pk_old-key-embedded-in-pages';
const NEW_KEY = 'pk_new-key-after-rotation';
const GRACE_END = '2030-01-03T09:00:00.000Z';

describe('the Keys screen', () => {
  let view: Rendered | undefined;
  let queryClient: QueryClient;
  let current: KeysT;
  let calls: { method: string; path: string }[];

  function serve(role: Organization['role']) {
    const organization: Organization = { id: ORG, name: 'Harbour', role };
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        const method = init?.method ?? 'GET';
        const path = url.replace(`${SERVER}/api/v1`, '');
        calls.push({ method, path });
        if (path === '/auth/me') return Response.json({ user, organizations: [organization] });
        if (method === 'GET' && path === `/orgs/${ORG}/keys`) return Response.json(current);
        if (method === 'GET' && path === `/orgs/${ORG}/events`) return Response.json({ events: [] });
        if (method === 'POST' && path === `/orgs/${ORG}/keys/rotate-publishable`) {
          current = {
            ...current,
            publishableKey: NEW_KEY,
            previousPublishableKey: OLD_KEY,
            previousPublishableKeyExpiresAt: GRACE_END,
          };
          return Response.json(current);
        }
        return Response.json(
          { error: { code: 'NOT_FOUND', message: `no ${method} ${path}` } },
          { status: 404 },
        );
      }),
    );
  }

  function Screen() {
    return useSession().status === 'signed-in' ? <KeysScreen /> : null;
  }

  async function open(role: Organization['role'] = 'admin') {
    serve(role);
    view = await render(
      <QueryClientProvider client={queryClient}>
        <SessionProvider>
          <Screen />
        </SessionProvider>
      </QueryClientProvider>,
    );
  }

  const until = (check: () => void) =>
    vi.waitFor(async () => {
      await act(() => new Promise((resolve) => setTimeout(resolve, 5)));
      check();
    });
  const text = () => view!.container.textContent ?? '';
  const shown = (testId: string) =>
    view!.container.querySelector(`[data-testid="${testId}"]`)?.textContent ?? null;
  const button = (name: string, within: ParentNode = view!.container) => {
    const found = [...within.querySelectorAll('button')].find((b) => b.textContent === name);
    if (!found) throw new Error(`no button "${name}"`);
    return found;
  };
  const openDialog = () => view!.container.querySelector<HTMLDialogElement>('dialog[open]')!;
  const rotations = () => calls.filter((call) => call.path.endsWith('/keys/rotate-publishable'));

  beforeEach(() => {
    sessionStorage.setItem('happening.console.token', 'session-token');
    localStorage.setItem('happening.console.server', SERVER);
    queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    calls = [];
    current = {
      publishableKey: OLD_KEY,
      previousPublishableKey: null,
      previousPublishableKeyExpiresAt: null,
      secretKeyHint: 'sk_…AbCd',
      allowedOrigins: ['https://tickets.example.com'],
    };
  });

  afterEach(() => {
    view?.unmount();
    view = undefined;
    vi.unstubAllGlobals();
    sessionStorage.clear();
    localStorage.clear();
  });

  it('rotates the publishable key after a confirmation and puts the new key in the embed snippet', async () => {
    await open();
    await until(() => expect(shown('publishable-key')).toBe(OLD_KEY));
    expect(shown('embed-snippet')).toContain(`publishable-key="${OLD_KEY}"`);
    expect(shown('previous-publishable-key')).toBeNull();

    // Asking is not doing: "Keep it" leaves the key alone.
    await act(async () => button('Rotate publishable key').click());
    expect(openDialog().textContent).toContain(
      'Pages that embed the current key keep working for a grace period',
    );
    await act(async () => button('Keep it', openDialog()).click());
    expect(rotations()).toEqual([]);
    expect(shown('publishable-key')).toBe(OLD_KEY);

    await act(async () => button('Rotate publishable key').click());
    await act(async () => button('Rotate', openDialog()).click());
    await until(() => expect(shown('publishable-key')).toBe(NEW_KEY));
    expect(rotations()).toEqual([{ method: 'POST', path: `/orgs/${ORG}/keys/rotate-publishable` }]);
    expect(shown('embed-snippet')).toContain(`publishable-key="${NEW_KEY}"`);
    expect(shown('embed-snippet')).not.toContain(OLD_KEY);
    const previous = view!.container.querySelector('[data-testid="previous-publishable-key"]')!;
    expect(previous.getAttribute('role')).toBe('status');
    expect(previous.textContent).toContain(`The previous key ${OLD_KEY} keeps working until`);
    expect(previous.textContent).toContain(
      new Date(GRACE_END).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }),
    );
    expect(view!.container.querySelector('dialog[open]')).toBeNull();
  });

  it('shows the previous key and its end when the screen opens during a grace period', async () => {
    current = {
      ...current,
      publishableKey: NEW_KEY,
      previousPublishableKey: OLD_KEY,
      previousPublishableKeyExpiresAt: GRACE_END,
    };
    await open();
    await until(() => expect(shown('publishable-key')).toBe(NEW_KEY));
    expect(shown('previous-publishable-key')).toContain(`The previous key ${OLD_KEY} keeps working until`);
  });

  it('offers no rotation to someone who is not an admin', async () => {
    await open('organizer');
    await until(() => expect(text()).toContain('Only admins of Harbour can see and rotate keys.'));
    expect([...view!.container.querySelectorAll('button')].map((b) => b.textContent)).not.toContain(
      'Rotate publishable key',
    );
  });
});
