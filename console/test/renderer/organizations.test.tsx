// @vitest-environment happy-dom

import type { Organization } from '@happening/shared';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../src/renderer/api/client.js';
import { keys } from '../../src/renderer/api/queries.js';
import { NewOrganizationButton } from '../../src/renderer/app/NewOrganization.js';
import { routeAfterOrgSwitch } from '../../src/renderer/app/routes.js';
import { SessionProvider, useSession } from '../../src/renderer/app/session.js';
import { act, byLabel, type Rendered, render, typeInto } from './dom.js';

const SERVER = 'http://server.test';
const user = { id: '00000000-0000-4000-8000-000000000001', email: 'grace@example.test', name: 'Grace' };
const first: Organization = { id: '00000000-0000-4000-8000-00000000000a', name: 'Harbour', role: 'admin' };
const second: Organization = { id: '00000000-0000-4000-8000-00000000000b', name: 'Riverside', role: 'admin' };

let view: Rendered | undefined;
afterEach(() => {
  view?.unmount();
  view = undefined;
  vi.unstubAllGlobals();
  sessionStorage.clear();
  localStorage.clear();
});

describe('routeAfterOrgSwitch', () => {
  it("leaves the old organization's event screens for their lists and keeps every other screen", () => {
    expect(routeAfterOrgSwitch({ screen: 'live', eventId: 'e1' })).toEqual({ screen: 'events' });
    expect(routeAfterOrgSwitch({ screen: 'event-edit', eventId: 'e1' })).toEqual({ screen: 'events' });
    expect(routeAfterOrgSwitch({ screen: 'bookings', eventId: 'e1', q: 'ada' })).toEqual({
      screen: 'bookings',
    });
    expect(routeAfterOrgSwitch({ screen: 'bookings', q: 'ada' })).toEqual({ screen: 'bookings' });
    for (const screen of ['events', 'event-new', 'queues', 'members', 'keys', 'inbox', 'webhooks'] as const) {
      const route = { screen };
      expect(routeAfterOrgSwitch(route)).toBe(route);
    }
  });
});

describe('session: creating and switching organizations', () => {
  let session: ReturnType<typeof useSession>;
  function Probe() {
    session = useSession();
    return <p data-testid="org">{session.org?.name ?? 'none'}</p>;
  }

  /** A server that knows `organizations` for /auth/me and answers POST /orgs with `created`. */
  function stubServer(answers: { me: () => Response; create: () => Response }) {
    const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
      if (url === `${SERVER}/api/v1/auth/me`) return answers.me();
      if (url === `${SERVER}/api/v1/orgs` && init?.method === 'POST') return answers.create();
      return Response.json({ error: { code: 'NOT_FOUND', message: 'no' } }, { status: 404 });
    });
    vi.stubGlobal('fetch', fetchMock);
    return fetchMock;
  }

  let queryClient: QueryClient;
  beforeEach(() => {
    sessionStorage.setItem('happening.console.token', 'session-token');
    localStorage.setItem('happening.console.server', SERVER);
    queryClient = new QueryClient();
  });

  async function signedIn() {
    view = await render(
      <QueryClientProvider client={queryClient}>
        <SessionProvider>
          <Probe />
        </SessionProvider>
      </QueryClientProvider>,
    );
    await vi.waitFor(() => expect(session.status).toBe('signed-in'));
  }
  const shown = () => view?.container.querySelector('[data-testid="org"]')?.textContent;

  it('creates one, lists it from the server, and switching to it drops what was cached for the old one', async () => {
    let organizations = [first];
    const fetchMock = stubServer({
      me: () => Response.json({ user, organizations }),
      create: () => {
        organizations = [first, second];
        return Response.json({ organization: second }, { status: 201 });
      },
    });
    await signedIn();
    expect(shown()).toBe('Harbour');
    queryClient.setQueryData(keys.events(first.id), [{ id: 'old-event' }]);

    let created: Organization | undefined;
    await act(async () => {
      created = await session.createOrganization('  Riverside  ');
    });
    expect(created).toEqual(second);
    const post: RequestInit = fetchMock.mock.calls.find(([, init]) => init?.method === 'POST')?.[1] ?? {};
    expect(JSON.parse(String(post.body))).toEqual({ name: 'Riverside' });
    expect(new Headers(post.headers).get('authorization')).toBe('Bearer session-token');
    expect(session.session?.organizations).toEqual([first, second]);
    // Creating does not switch by itself: the shell switches, so it can leave event screens first.
    expect(shown()).toBe('Harbour');

    await act(async () => session.switchOrg(second.id));
    expect(shown()).toBe('Riverside');
    expect(localStorage.getItem('happening.console.org')).toBe(second.id);
    expect(queryClient.getQueryData(keys.events(first.id))).toBeUndefined();

    await act(async () => session.switchOrg(first.id));
    expect(shown()).toBe('Harbour');
  });

  it('keeps the new organization listed when re-reading the list fails', async () => {
    let meCalls = 0;
    stubServer({
      me: () =>
        ++meCalls === 1
          ? Response.json({ user, organizations: [first] })
          : Response.json({ error: { code: 'SERVICE_UNAVAILABLE', message: 'down' } }, { status: 503 }),
      create: () => Response.json({ organization: second }, { status: 201 }),
    });
    await signedIn();
    await act(async () => void (await session.createOrganization('Riverside')));
    expect(meCalls).toBe(2);
    expect(session.session?.organizations).toEqual([first, second]);
    expect(session.status).toBe('signed-in');
  });

  it('changes nothing when the server refuses, and says why', async () => {
    stubServer({
      me: () => Response.json({ user, organizations: [first] }),
      create: () =>
        Response.json(
          {
            error: {
              code: 'ORGANIZATION_LIMIT_REACHED',
              message: 'You already belong to 20 organizations',
              limit: 20,
            },
          },
          { status: 409 },
        ),
    });
    await signedIn();
    let refused: unknown;
    await act(async () => {
      refused = await session.createOrganization('One too many').catch((error: unknown) => error);
    });
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({
      status: 409,
      code: 'ORGANIZATION_LIMIT_REACHED',
      details: { limit: 20 },
    });
    expect(session.session?.organizations).toEqual([first]);
    expect(shown()).toBe('Harbour');
  });
});

describe('the New organization dialog', () => {
  const dialog = () => view!.container.querySelector('dialog')!;
  const button = (name: string) =>
    [...view!.container.querySelectorAll('button')].find((b) => b.textContent === name)!;
  const submit = () => act(async () => void dialog().querySelector('form')!.requestSubmit());

  it('creates with the typed name, closes, and hands the organization over', async () => {
    const create = vi.fn(async () => second);
    const onCreated = vi.fn();
    view = await render(<NewOrganizationButton create={create} onCreated={onCreated} />);
    expect(dialog().open).toBe(false);
    await act(async () => button('New organization').click());
    expect(dialog().open).toBe(true);
    await typeInto(byLabel(view.container, 'Organization name'), 'Riverside');
    await submit();
    expect(create).toHaveBeenCalledWith('Riverside');
    expect(onCreated).toHaveBeenCalledWith(second);
    expect(dialog().open).toBe(false);
    // Opened again, it starts blank.
    await act(async () => button('New organization').click());
    expect((byLabel(view.container, 'Organization name') as HTMLInputElement).value).toBe('');
  });

  it('stays open with the reason when the server refuses, and switches nothing', async () => {
    const create = vi.fn(async () => {
      throw new ApiError(409, 'ORGANIZATION_LIMIT_REACHED', 'You already belong to 20 organizations');
    });
    const onCreated = vi.fn();
    view = await render(<NewOrganizationButton create={create} onCreated={onCreated} />);
    await act(async () => button('New organization').click());
    await typeInto(byLabel(view.container, 'Organization name'), 'One too many');
    await submit();
    expect(dialog().open).toBe(true);
    expect(dialog().querySelector('[role="alert"]')?.textContent).toContain(
      'You already belong to 20 organizations',
    );
    expect(onCreated).not.toHaveBeenCalled();
    expect(button('Create organization').disabled).toBe(false);
  });

  it('does not send a name that is only spaces', async () => {
    const create = vi.fn(async () => second);
    view = await render(<NewOrganizationButton create={create} onCreated={() => {}} />);
    await act(async () => button('New organization').click());
    const input = byLabel(view.container, 'Organization name') as HTMLInputElement;
    await typeInto(input, '   ');
    expect(input.checkValidity()).toBe(false);
    await act(async () => button('Create organization').click());
    expect(create).not.toHaveBeenCalled();
  });
});
