/** Events, snapshots and holds for the browser tests that run against the fake server. */
import type { Availability, Event, Hold, SeatMap } from '@happening/shared';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { API, type FakeServer, fakeServer, PARTNER } from './fake-server.js';

export const EVENT_ID = '6f1c1d53-3a55-4d4e-9a53-2f1d2b7a9c10';
export const TOKEN = `${EVENT_ID}.token`;

export function fakeEvent(seatMap: SeatMap, overrides: Partial<Event> = {}): Event {
  return {
    id: EVENT_ID,
    orgId: '0d5c7f4e-0c44-4a0e-8b3f-3b8d9a1e2f33',
    name: 'Spring Concert',
    startsAt: '2030-04-01T19:00:00.000Z',
    venue: 'Riverside Hall',
    status: 'on_sale',
    seatMap,
    holdTtlSeconds: 300,
    maxSeatsPerBooking: 6,
    directBooking: true,
    waitlistEnabled: true,
    waitlistMode: 'auto',
    offerWindowSeconds: 600,
    maxSeatsPerAddress: null,
    maxHoldsPerAddress: 4,
    proofOfWork: false,
    capacity: 0,
    createdAt: '2030-01-01T00:00:00.000Z',
    onSaleAt: null,
    offSaleAt: null,
    salePaused: false,
    saleState: 'on_sale',
    waitingRoom: { enabled: false, admitPerMinute: null, maxActiveShoppers: null },
    ...overrides,
  };
}

/** A hall as a phone meets it: sections of 30-seat rows, so seats are drawn small at first. */
export function hall(sections: string[], rows = 8, seats = 30): SeatMap {
  return {
    sections: sections.map((label, index) => ({
      id: label.toLowerCase(),
      label,
      kind: 'reserved' as const,
      category: index === 0 ? 'premium' : 'standard',
      rows: Array.from({ length: rows }, (_, row) => ({ label: String.fromCharCode(65 + row), seats })),
    })),
    categories: [
      { key: 'premium', label: 'Premium', price: 8900, currency: 'EUR' },
      { key: 'standard', label: 'Standard', price: 2500, currency: 'EUR' },
    ],
  };
}

export function snapshotOf(map: SeatMap, seats: Availability['seats'] = {}): Availability {
  return {
    eventId: EVENT_ID,
    version: 1,
    sections: map.sections.map((section) => {
      const capacity =
        section.kind === 'reserved'
          ? section.rows.reduce(
              (sum, row) => sum + (typeof row.seats === 'number' ? row.seats : row.seats.length),
              0,
            )
          : section.capacity;
      const taken = Object.keys(seats).filter((id) => id.startsWith(`${section.id}-`)).length;
      return { id: section.id, capacity, available: capacity - taken, held: 0, booked: taken, blocked: 0 };
    }),
    seats,
    waitlistLength: 0,
  };
}

export function holdOf(seats: string[]): Hold {
  return {
    holdToken: TOKEN,
    eventId: EVENT_ID,
    expiresAt: new Date(Date.now() + 300_000).toISOString(),
    seats,
    general: [],
    extensionsLeft: 2,
  };
}

/** A partner page: a title, the element and enough of the page after it to scroll past. */
export function partnerPage(attributes: string, lang = 'en'): string {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Partner</title>
<script type="module" src="${API}/widget/happening.js"></script></head>
<body style="margin:0"><main><h1>Partner page</h1>
<happening-seat-picker server="${API}" publishable-key="pk_test" event-id="${EVENT_ID}" ${attributes}></happening-seat-picker>
<p style="height:1500px">Directions, parking and the rest of the partner's page.</p>
</main></body></html>`;
}

export interface Opened {
  context: BrowserContext;
  page: Page;
  fake: FakeServer;
}

/** A fresh context on the partner page, with the event, its snapshot and a socket that joins. */
export async function openPicker(
  browser: Browser,
  map: SeatMap,
  options: BrowserContextOptions & { attributes?: string; lang?: string; seats?: Availability['seats'] } = {},
): Promise<Opened> {
  const { attributes = '', lang, seats, ...contextOptions } = options;
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  const fake = await fakeServer(page, partnerPage(attributes, lang));
  const snapshot = snapshotOf(map, seats);
  fake.rest.set(`GET /events/${EVENT_ID}`, () => ({ status: 200, body: { event: fakeEvent(map) } }));
  fake.rest.set(`GET /events/${EVENT_ID}/availability`, () => ({ status: 200, body: snapshot }));
  fake.socket.set('join', () => ({ ok: true, data: snapshot }));
  await page.goto(`${PARTNER}/`);
  await page.locator('happening-seat-picker [data-state=live]').waitFor();
  return { context, page, fake };
}
