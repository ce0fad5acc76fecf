// @vitest-environment happy-dom

import type { Organization } from '@happening/shared';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Delivery, WebhookEndpoint } from '../../src/renderer/api/queries.js';
import { SessionProvider, useSession } from '../../src/renderer/app/session.js';
import { WebhooksScreen } from '../../src/renderer/screens/Webhooks.js';
import { describeTestResult, endpointHealth } from '../../src/renderer/screens/webhook-health.js';
import { act, byLabel, type Rendered, render, typeInto } from './dom.js';

const SERVER = 'http://server.test';
const user = { id: '00000000-0000-4000-8000-000000000001', email: 'grace@example.test', name: 'Grace' };
const ORG = '00000000-0000-4000-8000-00000000000a';
const ENDPOINT = '00000000-0000-4000-8000-0000000000e1';
const SECRET = 'whsec_c2VjcmV0LXNob3duLW9uY2Utb25seS0xMjM0NTY=';
const NEW_SECRET = 'whsec_bmV3LXNlY3JldC1hZnRlci1yb3RhdGlvbi0xMjM=';

function delivery(overrides: Partial<Delivery>): Delivery {
  return {
    id: crypto.randomUUID(),
    messageId: crypto.randomUUID(),
    type: 'booking_confirmed',
    channel: 'webhook',
    target: ENDPOINT,
    status: 'sent',
    attempts: 1,
    lastError: null,
    createdAt: '2030-01-01T10:00:00.000Z',
    updatedAt: '2030-01-01T10:00:01.000Z',
    sentAt: '2030-01-01T10:00:01.000Z',
    ...overrides,
  };
}

describe('endpoint health in words', () => {
  it('says how the newest delivery went, with the reason when it did not get through', () => {
    const deliveries = [
      delivery({
        status: 'failed',
        attempts: 3,
        lastError: 'webhook answered HTTP 410',
        type: 'booking_cancelled',
      }),
      delivery({ status: 'sent' }),
      delivery({ status: 'sent', target: 'another-endpoint' }),
      delivery({ status: 'pending', attempts: 2, lastError: 'timeout after 3000 ms' }),
      delivery({ status: 'sent' }),
      delivery({ status: 'sent', channel: 'email', target: ENDPOINT }),
    ];
    const health = endpointHealth(deliveries, ENDPOINT);
    expect(health.summary).toBe('Failed after 3 attempts (booking_cancelled): webhook answered HTTP 410.');
    expect(health.attention).toBe(true);
    expect(health.recent).toHaveLength(3);
    expect(health.recent.every((d) => d.target === ENDPOINT && d.channel === 'webhook')).toBe(true);
    expect({ sent: health.sent, failed: health.failed, pending: health.pending }).toEqual({
      sent: 2,
      failed: 1,
      pending: 1,
    });

    const retrying = endpointHealth(
      [delivery({ status: 'pending', attempts: 2, lastError: 'socket hang up' })],
      ENDPOINT,
    );
    expect(retrying.summary).toBe('Retrying after 2 attempts (booking_confirmed): socket hang up.');
    expect(endpointHealth([delivery({ status: 'pending', attempts: 0 })], ENDPOINT).summary).toBe(
      'Queued (booking_confirmed).',
    );
    const fine = endpointHealth([delivery({ status: 'sent' })], ENDPOINT);
    expect(fine).toMatchObject({ summary: 'Delivered (booking_confirmed).', attention: false });
    expect(endpointHealth([], ENDPOINT)).toMatchObject({ summary: 'No deliveries yet.', attention: false });
  });

  it('reports a test event as delivered with the status, or not delivered with the reason', () => {
    expect(describeTestResult({ delivered: true, status: 204, error: null })).toEqual({
      delivered: true,
      text: 'Test event delivered: the endpoint answered HTTP 204.',
    });
    expect(
      describeTestResult({ delivered: false, status: null, error: 'webhook answered HTTP 500' }),
    ).toEqual({
      delivered: false,
      text: 'Test event not delivered: webhook answered HTTP 500.',
    });
  });
});

describe('the Webhooks screen', () => {
  let view: Rendered | undefined;
  let queryClient: QueryClient;
  let endpoints: WebhookEndpoint[];
  let deliveries: Delivery[];
  let calls: { method: string; path: string; body?: unknown }[];
  /** Answers the server gives, by "METHOD path"; the rest is the in-memory organization above. */
  let answers: Record<string, () => Response>;

  function serve(role: Organization['role']) {
    const organization: Organization = { id: ORG, name: 'Harbour', role };
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        const method = init?.method ?? 'GET';
        const path = url.replace(`${SERVER}/api/v1`, '');
        calls.push({ method, path, ...(init?.body ? { body: JSON.parse(String(init.body)) } : {}) });
        const answer = answers[`${method} ${path}`];
        if (answer) return answer();
        if (path === '/auth/me') return Response.json({ user, organizations: [organization] });
        if (method === 'GET' && path === `/orgs/${ORG}/webhooks`) return Response.json({ endpoints });
        if (method === 'GET' && path.startsWith(`/orgs/${ORG}/deliveries?`))
          return Response.json({ deliveries });
        return Response.json(
          { error: { code: 'NOT_FOUND', message: `no ${method} ${path}` } },
          { status: 404 },
        );
      }),
    );
  }

  function Screen() {
    return useSession().status === 'signed-in' ? <WebhooksScreen /> : null;
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
    await until(() => expect(view!.container.querySelector('h1')?.textContent).toBe('Webhooks'));
  }

  /**
   * Waits for what the screen shows, letting its fetches answer inside act() so React applies each
   * answer before the check (the screen loads on its own, like it does for a person).
   */
  const until = (check: () => void) =>
    vi.waitFor(async () => {
      await act(() => new Promise((resolve) => setTimeout(resolve, 5)));
      check();
    });
  const text = () => view!.container.textContent ?? '';
  const button = (name: string, within: ParentNode = view!.container) => {
    const found = [...within.querySelectorAll('button')].find((b) => b.textContent === name);
    if (!found) throw new Error(`no button "${name}"`);
    return found;
  };
  const openDialog = () => view!.container.querySelector<HTMLDialogElement>('dialog[open]')!;
  const registerForm = () => byLabel(view!.container, 'Endpoint URL').closest('form')!;

  beforeEach(() => {
    sessionStorage.setItem('happening.console.token', 'session-token');
    localStorage.setItem('happening.console.server', SERVER);
    queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    endpoints = [];
    deliveries = [];
    calls = [];
    answers = {};
  });

  afterEach(() => {
    view?.unmount();
    view = undefined;
    vi.unstubAllGlobals();
    sessionStorage.clear();
    localStorage.clear();
  });

  it('explains webhooks when there are none, linking out through a new-window link', async () => {
    await open();
    await until(() => expect(text()).toContain('No webhook endpoints yet.'));
    expect(text()).toContain('A webhook tells your own systems');
    const link = view!.container.querySelector<HTMLAnchorElement>('.empty a')!;
    // target=_blank is what the desktop app's window-open handler turns into the system browser.
    expect(link.getAttribute('href')).toBe(`${SERVER}/docs#/webhooks`);
    expect(link.target).toBe('_blank');
    expect(link.rel).toBe('noopener noreferrer');
    expect(link.textContent).toContain('(opens in your browser)');
  });

  it("shows the server's refusal of a URL in words, then the secret once after registering", async () => {
    await open();
    await until(() => expect(text()).toContain('No webhook endpoints yet.'));
    answers[`POST /orgs/${ORG}/webhooks`] = () =>
      Response.json(
        {
          error: {
            code: 'WEBHOOK_URL_NOT_ALLOWED',
            message: '10.0.0.5 is (or resolves to) 10.0.0.5, a private or loopback address',
          },
        },
        { status: 422 },
      );
    await typeInto(byLabel(view!.container, 'Endpoint URL'), 'http://10.0.0.5/hook');
    await act(async () => registerForm().requestSubmit());
    await until(() =>
      expect(view!.container.querySelector('[role="alert"]')?.textContent).toBe(
        '10.0.0.5 is (or resolves to) 10.0.0.5, a private or loopback address Use a public https address where your own systems receive webhooks.',
      ),
    );
    expect(text()).not.toContain('whsec_');

    const created: WebhookEndpoint = {
      id: ENDPOINT,
      url: 'https://crm.example.com/hook',
      description: 'CRM',
      secretHint: SECRET.slice(-4),
      types: null,
      createdAt: '2030-01-01T09:00:00.000Z',
      rotatedAt: null,
    };
    answers[`POST /orgs/${ORG}/webhooks`] = () => {
      endpoints = [created];
      return Response.json({ ...created, secret: SECRET }, { status: 201 });
    };
    await typeInto(byLabel(view!.container, 'Endpoint URL'), '  https://crm.example.com/hook ');
    await typeInto(byLabel(view!.container, 'Description (optional)'), 'CRM');
    await act(async () => registerForm().requestSubmit());
    await until(() => expect(view!.container.querySelector('[data-testid="webhooks"]')).not.toBeNull());
    expect(calls.filter((c) => c.method === 'POST').at(-1)?.body).toEqual({
      url: 'https://crm.example.com/hook',
      description: 'CRM',
    });
    const panel = view!.container.querySelector('[data-testid="webhook-secret-panel"]')!;
    expect(panel.getAttribute('role')).toBe('status');
    expect(panel.querySelector('[data-testid="webhook-secret"]')?.textContent).toBe(SECRET);
    expect(panel.textContent).toContain('you will not see it again');
    expect(view!.container.querySelector('[role="alert"]')).toBeNull();
    expect((byLabel(view!.container, 'Endpoint URL') as HTMLInputElement).value).toBe('');
    // The list shows only the hint; once hidden, the secret is nowhere on screen.
    expect(view!.container.querySelector('[data-testid="webhooks"]')?.textContent).toContain(
      `whsec_…${SECRET.slice(-4)}`,
    );
    await act(async () => button('I stored it, hide it').click());
    expect(text()).not.toContain(SECRET);
  });

  it('subscribes a new endpoint to the ticked types only, and lists what each endpoint receives', async () => {
    await open();
    await until(() => expect(text()).toContain('No webhook endpoints yet.'));
    const box = (label: string) => {
      const found = [...view!.container.querySelectorAll('label')].find(
        (l) => l.textContent?.trim() === label,
      );
      if (!found) throw new Error(`no checkbox "${label}"`);
      return found.querySelector<HTMLInputElement>('input[type="checkbox"]')!;
    };
    const created: WebhookEndpoint = {
      id: ENDPOINT,
      url: 'https://shop.example.com/holds',
      description: '',
      secretHint: SECRET.slice(-4),
      types: ['hold_expiring', 'hold_expired'],
      createdAt: '2030-01-01T09:00:00.000Z',
      rotatedAt: null,
    };
    answers[`POST /orgs/${ORG}/webhooks`] = () => {
      endpoints = [created];
      return Response.json({ ...created, secret: SECRET }, { status: 201 });
    };
    for (const label of [
      'Booking confirmed',
      'Joined the waitlist',
      'Promoted from the waitlist',
      'Booking cancelled',
      'Event cancelled',
      'Invitation sent',
      'Hold extended (or checkout started)',
      'Waiting room opened',
      'Sold out while people waited',
    ]) {
      await act(async () => box(label).click());
    }
    await typeInto(byLabel(view!.container, 'Endpoint URL'), 'https://shop.example.com/holds');
    await act(async () => registerForm().requestSubmit());
    await until(() => expect(view!.container.querySelector('[data-testid="webhooks"]')).not.toBeNull());
    expect(calls.filter((c) => c.method === 'POST').at(-1)?.body).toEqual({
      url: 'https://shop.example.com/holds',
      types: ['hold_expiring', 'hold_expired'],
    });
    expect(view!.container.querySelector('[data-testid="webhook-types"] p')?.textContent).toBe(
      'Hold about to expire, Hold expired',
    );
    // After registering, every box is ticked again: the next endpoint receives every type.
    expect(box('Booking confirmed').checked).toBe(true);

    // Changing it later: a PATCH with the new list, and the list shows it.
    answers[`PATCH /orgs/${ORG}/webhooks/${ENDPOINT}`] = () => {
      const body = calls.at(-1)!.body as { types: WebhookEndpoint['types'] };
      endpoints = [{ ...created, types: body.types }];
      return Response.json(endpoints[0]);
    };
    const row = view!.container.querySelector('[data-testid="webhook-types"]')!;
    await act(async () => button('Change', row).click());
    const inRow = (label: string) =>
      [...row.querySelectorAll('label')]
        .find((l) => l.textContent?.trim() === label)!
        .querySelector<HTMLInputElement>('input')!;
    expect(inRow('Hold expired').checked).toBe(true);
    expect(inRow('Booking confirmed').checked).toBe(false);
    await act(async () => inRow('Hold extended (or checkout started)').click());
    await act(async () => button('Save types', row).click());
    await until(() =>
      expect(view!.container.querySelector('[data-testid="webhook-types"] p')?.textContent).toBe(
        'Hold about to expire, Hold expired, Hold extended (or checkout started)',
      ),
    );
    expect(calls.filter((c) => c.method === 'PATCH').at(-1)?.body).toEqual({
      types: ['hold_expiring', 'hold_expired', 'hold_extended'],
    });
  });

  it('lists health, sends a test event, rotates with a confirmation and deletes', async () => {
    endpoints = [
      {
        id: ENDPOINT,
        url: 'https://crm.example.com/hook',
        description: '',
        secretHint: 'AbCd',
        types: null,
        createdAt: '2030-01-01T09:00:00.000Z',
        rotatedAt: null,
      },
    ];
    deliveries = [
      delivery({ status: 'failed', attempts: 4, lastError: 'webhook answered HTTP 410' }),
      delivery({ status: 'sent', type: 'booking_waitlisted' }),
    ];
    await open();
    const health = () => view!.container.querySelector('[data-testid="webhook-health"]')?.textContent ?? '';
    await until(() =>
      expect(health()).toContain('Failed after 4 attempts (booking_confirmed): webhook answered HTTP 410.'),
    );
    expect(health()).toContain('1 sent · 1 failed · 0 pending');
    expect(calls.some((c) => c.path === `/orgs/${ORG}/deliveries?channel=webhook&limit=200`)).toBe(true);

    const base = `/orgs/${ORG}/webhooks/${ENDPOINT}`;
    answers[`POST ${base}/test`] = () =>
      Response.json({ delivered: false, status: null, error: 'webhook answered HTTP 500' });
    await act(async () => button('Send test event').click());
    const outcome = () => view!.container.querySelector('[data-testid="webhook-test-result"]')!;
    await until(() =>
      expect(outcome().textContent).toBe('Test event not delivered: webhook answered HTTP 500.'),
    );
    expect(outcome().getAttribute('role')).toBe('status');
    answers[`POST ${base}/test`] = () => Response.json({ delivered: true, status: 200, error: null });
    await act(async () => button('Send test event').click());
    await until(() =>
      expect(outcome().textContent).toBe('Test event delivered: the endpoint answered HTTP 200.'),
    );

    answers[`POST ${base}/rotate-secret`] = () => {
      endpoints = [
        { ...endpoints[0]!, secretHint: NEW_SECRET.slice(-4), rotatedAt: '2030-01-02T09:00:00.000Z' },
      ];
      return Response.json({
        id: ENDPOINT,
        secret: NEW_SECRET,
        previousSecretExpiresAt: '2030-01-03T09:00:00.000Z',
      });
    };
    await act(async () => button('Rotate secret').click());
    // Nothing happens before the organizer confirms.
    expect(calls.some((c) => c.path === `${base}/rotate-secret`)).toBe(false);
    expect(openDialog().textContent).toContain('Rotate the signing secret of https://crm.example.com/hook?');
    await act(async () => button('Rotate', openDialog()).click());
    await until(() =>
      expect(view!.container.querySelector('[data-testid="webhook-secret"]')?.textContent).toBe(NEW_SECRET),
    );
    expect(view!.container.querySelector('[data-testid="webhook-secret-panel"]')?.textContent).toContain(
      'both the new and the previous secret until',
    );
    await until(() => expect(text()).toContain(`whsec_…${NEW_SECRET.slice(-4)}`));

    answers[`DELETE ${base}`] = () => {
      endpoints = [];
      return new Response(null, { status: 204 });
    };
    await act(async () => button('Delete').click());
    await act(async () => button('Delete endpoint', openDialog()).click());
    await until(() => expect(text()).toContain('No webhook endpoints yet.'));
    // The secret of a deleted endpoint is no use any more: its panel goes with it.
    expect(text()).not.toContain(NEW_SECRET);
  });

  it('keeps the failure of a deleted-elsewhere endpoint on screen, in words', async () => {
    endpoints = [
      {
        id: ENDPOINT,
        url: 'https://crm.example.com/hook',
        description: 'CRM',
        secretHint: 'AbCd',
        types: null,
        createdAt: '2030-01-01T09:00:00.000Z',
        rotatedAt: null,
      },
    ];
    await open();
    await until(() => expect(text()).toContain('No deliveries yet.'));
    await act(async () => button('Send test event').click());
    await until(() =>
      expect(view!.container.querySelector('[role="alert"]')?.textContent).toContain(
        'It may have been deleted, or belongs to another organization.',
      ),
    );
  });

  it('tells other roles that only admins manage webhooks, without asking the server for them', async () => {
    await open('organizer');
    expect(text()).toContain('Only admins of Harbour can see and manage webhook endpoints.');
    expect(calls.some((c) => c.path.includes('/webhooks') || c.path.includes('/deliveries'))).toBe(false);
    expect(view!.container.querySelector('form')).toBeNull();
  });
});
