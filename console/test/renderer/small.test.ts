import { describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError, errorAdvice } from '../../src/renderer/api/client.js';
import { parseRoute, routeHref } from '../../src/renderer/app/routes.js';
import { bookingsCsv, csvCell } from '../../src/renderer/screens/csv.js';
import { normaliseServerUrl } from '../../src/shared-ipc/urls.js';

describe('routes', () => {
  it.each([
    [{ screen: 'events' }, '#/events'],
    [{ screen: 'event-new' }, '#/events/new'],
    [{ screen: 'event-edit', eventId: 'e1' }, '#/events/e1/edit'],
    [{ screen: 'live', eventId: 'e1' }, '#/events/e1'],
    [{ screen: 'bookings', eventId: 'e1', q: 'ada' }, '#/bookings?event=e1&q=ada'],
    [{ screen: 'queues' }, '#/queues'],
    [{ screen: 'webhooks' }, '#/webhooks'],
  ] as const)('%o ⇄ %s', (route, href) => {
    expect(routeHref(route)).toBe(href);
    expect(parseRoute(href)).toEqual(route);
  });
  it('falls back to events for unknown hashes', () => {
    expect(parseRoute('#/nope')).toEqual({ screen: 'events' });
    expect(parseRoute('')).toEqual({ screen: 'events' });
  });
});

describe('csv', () => {
  it('quotes and defuses formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvCell('+1')).toBe("'+1");
  });
  it('exports one row per booking', () => {
    const csv = bookingsCsv([
      {
        id: 'b1',
        eventId: 'e',
        status: 'confirmed',
        quantity: 2,
        seats: ['a-A-1', 'a-A-2'],
        general: [],
        attendee: { name: 'Ada, Countess', email: 'ada@example.test' },
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:00:00.000Z',
      },
    ]);
    expect(csv.split('\r\n')).toEqual([
      'id,status,attendee_name,attendee_email,quantity,seats,general,created_at',
      'b1,confirmed,"Ada, Countess",ada@example.test,2,a-A-1 a-A-2,,2026-01-01T00:00:00.000Z',
      '',
    ]);
  });
});

describe('ApiClient', () => {
  it('sends the bearer token and turns error bodies into ApiError with the code', async () => {
    const fetch = vi.fn(async () =>
      Response.json(
        { error: { code: 'SEAT_UNAVAILABLE', message: 'Taken', seats: ['a-A-1'] } },
        { status: 409 },
      ),
    );
    const client = new ApiClient({ serverUrl: 'http://s', token: () => 'tok', fetch: fetch as never });
    const error = await client.post('/x', { a: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 409, code: 'SEAT_UNAVAILABLE', details: { seats: ['a-A-1'] } });
    expect(fetch).toHaveBeenCalledWith('http://s/api/v1/x', {
      method: 'POST',
      headers: { authorization: 'Bearer tok', 'content-type': 'application/json' },
      body: '{"a":1}',
    });
  });
  it('says what to do when the server cannot be reached, and signs out on 401', async () => {
    const onUnauthenticated = vi.fn();
    const down = new ApiClient({
      serverUrl: 'http://s',
      token: () => null,
      fetch: (async () => {
        throw new TypeError('fetch failed');
      }) as never,
    });
    const error = await down.get('/x').catch((e: unknown) => e);
    expect(errorAdvice(error)).toMatch(/Cannot reach the server at http:\/\/s/);
    const expired = new ApiClient({
      serverUrl: 'http://s',
      token: () => 't',
      onUnauthenticated,
      fetch: (async () =>
        Response.json(
          { error: { code: 'UNAUTHENTICATED', message: 'Session expired' } },
          { status: 401 },
        )) as never,
    });
    const e2 = await expired.get('/x').catch((e: unknown) => e);
    expect(onUnauthenticated).toHaveBeenCalled();
    expect(errorAdvice(e2)).toBe('Session expired Your session has ended. Sign in again.');
  });
});

describe('server URL', () => {
  it('accepts http(s) origins only', () => {
    expect(normaliseServerUrl('http://localhost:3000')).toBe('http://localhost:3000');
    expect(normaliseServerUrl('https://x.example/')).toBe('https://x.example');
    expect(normaliseServerUrl('https://x.example/api')).toBeNull();
    expect(normaliseServerUrl('ftp://x.example')).toBeNull();
  });
});
