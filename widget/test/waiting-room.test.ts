/**
 * The waiting line and the sale window as the attendee sees them, against the fake server: join
 * with a party size (proof of work solved at join), the place in line live over the socket, a
 * reload and a reconnect that keep it, the turn (admission token on every hold, its countdown),
 * sold out while waiting (the waitlist with the party size), and a sale that has not opened yet.
 */
import type { Availability, Event, Hold, QueueTicketState, SeatMap } from '@happening/shared';
import { axeViolations, launchChromium } from '@happening/testing';
import { createChallenge } from 'altcha-lib/v1';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { worthAnnouncing } from '../src/happening-seat-picker/waiting-room-controller.js';
import { formatDuration } from '../src/happening-seat-picker/waiting-room-view.js';
import { type FakeServer, fakeServer, PARTNER, pickerPage } from './fake-server.js';

const EVENT_ID = '6f1c1d53-3a55-4d4e-9a53-2f1d2b7a9c10';
const TICKET = 'qt_test_ticket';

const map: SeatMap = {
  sections: [
    {
      id: 'orch',
      label: 'Orchestra',
      kind: 'reserved',
      category: 'premium',
      rows: [{ label: 'A', seats: 4 }],
    },
  ],
  categories: [{ key: 'premium', label: 'Premium', price: 8900, currency: 'EUR' }],
};

type Sale = Record<string, unknown>;

function event(sale: Sale = {}): Event & Sale {
  return {
    id: EVENT_ID,
    orgId: '0d5c7f4e-0c44-4a0e-8b3f-3b8d9a1e2f33',
    name: 'Hot Concert',
    startsAt: '2030-04-01T19:00:00.000Z',
    venue: 'Riverside Hall',
    status: 'on_sale',
    seatMap: map,
    holdTtlSeconds: 300,
    maxSeatsPerBooking: 6,
    directBooking: true,
    waitlistEnabled: true,
    waitlistMode: 'auto',
    offerWindowSeconds: 600,
    maxSeatsPerAddress: null,
    maxHoldsPerAddress: 4,
    proofOfWork: false,
    capacity: 4,
    createdAt: '2030-01-01T00:00:00.000Z',
    saleState: 'on_sale',
    onSaleAt: '2030-01-01T10:00:00.000Z',
    offSaleAt: null,
    salePaused: false,
    waitingRoom: { enabled: true, admitPerMinute: 60, maxActiveShoppers: null },
    ...sale,
  };
}

const snapshot = (available = 4): Availability => ({
  eventId: EVENT_ID,
  version: 1,
  sections: [{ id: 'orch', capacity: 4, available, held: 0, booked: 4 - available, blocked: 0 }],
  seats:
    available === 0
      ? { 'orch-A-1': 'booked', 'orch-A-2': 'booked', 'orch-A-3': 'booked', 'orch-A-4': 'booked' }
      : {},
  waitlistLength: 0,
});

function ticket(state: Partial<QueueTicketState> = {}): QueueTicketState {
  return {
    ticket: TICKET,
    eventId: EVENT_ID,
    state: 'waiting',
    position: 40,
    ahead: 39,
    etaSeconds: 300,
    partySize: 3,
    opensAt: null,
    preQueue: false,
    ...state,
  };
}

const hold = (seats: string[]): Hold => ({
  holdToken: `${EVENT_ID}.token`,
  eventId: EVENT_ID,
  expiresAt: new Date(Date.now() + 300_000).toISOString(),
  seats,
  general: [],
  extensionsLeft: 2,
});

let browser: Browser;
let context: BrowserContext | undefined;
let page: Page;
let fake: FakeServer;

beforeAll(async () => {
  // The proof of work needs Web Crypto, which only a secure page has (as on a partner's https page).
  browser = await launchChromium([`--unsafely-treat-insecure-origin-as-secure=${PARTNER}`]);
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
});

async function open(sale: Sale = {}, available = 4) {
  await context?.close();
  context = await browser.newContext();
  page = await context.newPage();
  page.setDefaultTimeout(8_000);
  fake = await fakeServer(page, pickerPage(`event-id="${EVENT_ID}" party-size="2"`));
  fake.rest.set(`GET /events/${EVENT_ID}`, () => ({ status: 200, body: { event: event(sale) } }));
  fake.rest.set(`GET /events/${EVENT_ID}/availability`, () => ({ status: 200, body: snapshot(available) }));
  fake.socket.set('join', () => ({ ok: true, data: snapshot(available) }));
  await page.addInitScript(() => {
    const queue: unknown[] = [];
    (window as unknown as { queue: unknown[] }).queue = queue;
    document.addEventListener('happening-queue', (event) => queue.push(event.detail));
  });
}

const picker = (selector: string) => page.locator(`happening-seat-picker ${selector}`);
const seat = (id: string) => picker(`circle[data-id="${id}"]`);
const live = () => expect.poll(() => picker('.connection').getAttribute('data-state')).toBe('live');
const emitted = (name: string) => fake.emits.filter((emit) => emit.event === name);

describe('the waiting line in the widget (fake server)', () => {
  it('joins with the party size, solving the proof of work at join, and shows the place in line', async () => {
    await open();
    const joins: unknown[] = [];
    const challenge = await createChallenge({ hmacKey: 'test', maxnumber: 2_000 });
    fake.rest.set(`POST /events/${EVENT_ID}/queue`, (request) => {
      joins.push(request.postDataJSON());
      if (joins.length === 1)
        return { status: 428, body: { error: { code: 'CHALLENGE_REQUIRED', message: 'solve', challenge } } };
      return { status: 201, body: ticket() };
    });
    fake.socket.set('queue:follow', () => ({ ok: true, data: ticket() }));
    await page.goto(`${PARTNER}/`);
    await live();
    // Not the attendee's turn: no picking, the map is there to look at.
    await seat('orch-A-1').click();
    await expect.poll(() => picker('[part=message]').textContent()).toContain('on your turn');
    expect(emitted('hold')).toEqual([]);
    expect(await picker('[part=toolbar]').count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);

    await page.getByLabel('Number of seats').fill('3');
    await page.getByRole('button', { name: 'Join the line' }).click();
    await expect.poll(() => picker('[data-position]').textContent()).toContain('You are number 40 in line.');
    expect(await picker('[data-ahead]').textContent()).toContain('39 ahead of you · about 5 min wait');
    expect(joins[0]).toEqual({ partySize: 3 });
    // The host page hears of each change of the ticket.
    expect(await page.evaluate(() => (window as unknown as { queue: unknown[] }).queue.at(-1))).toMatchObject(
      { ticket: TICKET, state: 'waiting', position: 40 },
    );
    expect(joins[1]).toMatchObject({ partySize: 3, altcha: expect.any(String) });
    // Followed live over the socket, kept for a reload, never in a cookie.
    await expect.poll(() => emitted('queue:follow').at(-1)?.payload).toEqual({ ticket: TICKET });
    expect(await page.evaluate((id) => sessionStorage.getItem(`happening:${id}`), EVENT_ID)).toContain(
      TICKET,
    );
    expect(await context!.cookies()).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);
  });

  it('moves with queue pushes and announces milestones politely, not every step', async () => {
    await open();
    await page.addInitScript(
      ([id, saved]) => sessionStorage.setItem(`happening:${id}`, JSON.stringify({ queueTicket: saved })),
      [EVENT_ID, TICKET],
    );
    fake.rest.set(`GET /queue/${TICKET}`, () => ({ status: 200, body: ticket() }));
    fake.socket.set('queue:follow', () => ({ ok: true, data: ticket() }));
    await page.goto(`${PARTNER}/`);
    await live();
    const news = picker('[data-news]');
    expect(await news.getAttribute('aria-live')).toBe('polite');
    await expect.poll(() => news.textContent()).toBe('You are number 40 in line.');
    // Shown at once, but not announced: 40 → 39 → 30 stay in the same band.
    for (const position of [39, 30]) {
      fake.push('queue', ticket({ position, ahead: position - 1 }));
      await expect.poll(() => picker('[data-position]').textContent()).toContain(`number ${position} `);
    }
    expect(await news.textContent()).toBe('You are number 40 in line.');
    // 20 is the next band: announced.
    fake.push('queue', ticket({ position: 20, ahead: 19 }));
    await expect.poll(() => news.textContent()).toBe('You are number 20 in line.');
    // Another event's push is not ours.
    fake.push('queue', { ...ticket({ position: 1 }), eventId: '00000000-0000-4000-8000-000000000000' });
    fake.push('queue', ticket({ position: 19, ahead: 18 }));
    await expect.poll(() => picker('[data-position]').textContent()).toContain('number 19 ');
  });

  it('keeps its place after a reload and a dropped connection, reading the state afresh each time', async () => {
    await open();
    let position = 12;
    fake.rest.set(`POST /events/${EVENT_ID}/queue`, () => ({ status: 201, body: ticket({ position }) }));
    fake.rest.set(`GET /queue/${TICKET}`, () => ({ status: 200, body: ticket({ position }) }));
    fake.socket.set('queue:follow', () => ({ ok: true, data: ticket({ position }) }));
    await page.goto(`${PARTNER}/`);
    await live();
    await page.getByRole('button', { name: 'Join the line' }).click();
    await expect.poll(() => picker('[data-position]').textContent()).toContain('number 12 ');

    position = 9;
    await page.reload();
    await live();
    await expect.poll(() => picker('[data-position]').textContent()).toContain('number 9 ');
    expect(fake.calls.filter((call) => call.startsWith('POST /events'))).toHaveLength(1);
    expect(fake.calls).toContain(`GET /queue/${TICKET}`);

    position = 5;
    const follows = emitted('queue:follow').length;
    fake.dropAll();
    await expect.poll(() => picker('.connection').getAttribute('data-state')).toBe('reconnecting');
    await expect
      .poll(() => picker('.connection').getAttribute('data-state'), { timeout: 10_000 })
      .toBe('live');
    // Re-followed after the reconnect, and the ack's state is shown (the line moved meanwhile).
    await expect.poll(() => emitted('queue:follow').length).toBeGreaterThan(follows);
    await expect.poll(() => picker('[data-position]').textContent()).toContain('number 5 ');

    // A ticket the server no longer knows does not fail the connection (it would retry for ever).
    fake.socket.set('queue:follow', () => ({
      ok: false,
      error: { code: 'QUEUE_TICKET_NOT_FOUND', message: 'gone' },
    }));
    const joins = emitted('join').length;
    fake.dropAll();
    await expect
      .poll(() => picker('.connection').getAttribute('data-state'), { timeout: 10_000 })
      .toBe('live');
    await expect.poll(() => emitted('queue:follow').length).toBeGreaterThan(follows + 1);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(emitted('join').length).toBe(joins + 1);
    expect(await picker('.connection').getAttribute('data-state')).toBe('live');
  });

  it('on its turn: the map, the turn’s countdown beside the hold’s, and the admission token on every hold', async () => {
    await open();
    await page.addInitScript(
      ([id, saved]) => sessionStorage.setItem(`happening:${id}`, JSON.stringify({ queueTicket: saved })),
      [EVENT_ID, TICKET],
    );
    fake.rest.set(`GET /queue/${TICKET}`, () => ({ status: 200, body: ticket({ position: 2, ahead: 1 }) }));
    fake.socket.set('queue:follow', () => ({ ok: true, data: ticket({ position: 2, ahead: 1 }) }));
    fake.socket.set('hold', () => ({ ok: true, data: hold(['orch-A-2']) }));
    await page.goto(`${PARTNER}/`);
    await live();
    const admitted = ticket({
      state: 'admitted',
      position: null,
      ahead: 0,
      admissionToken: 'adm.token',
      admissionExpiresAt: new Date(Date.now() + 240_000).toISOString(),
    });
    fake.push('queue', admitted);
    await expect.poll(() => picker('[data-news]').textContent()).toBe('It is your turn: pick your seats.');
    await expect
      .poll(() => picker('[part~=admission-timer]').textContent())
      .toMatch(/Your turn ends in [34]:\d\d/);
    await seat('orch-A-2').click();
    await expect.poll(() => seat('orch-A-2').getAttribute('aria-checked')).toBe('true');
    expect(emitted('hold').at(-1)?.payload).toMatchObject({
      seatIds: ['orch-A-2'],
      admissionToken: 'adm.token',
    });
    // Both countdowns side by side.
    expect(await picker('[role=timer]').count()).toBe(2);
    // Best available goes over REST: the token is in its body too.
    let body: Record<string, unknown> = {};
    fake.rest.set(`POST /events/${EVENT_ID}/holds`, (request) => {
      body = request.postDataJSON();
      return { status: 200, body: hold(['orch-A-2', 'orch-A-3']) };
    });
    await page.getByRole('button', { name: 'Find best seats' }).click();
    await expect.poll(() => body.admissionToken).toBe('adm.token');
    expect(await axeViolations(page)).toEqual([]);

    // The turn ended on the server: a hold answers ADMISSION_REQUIRED and the widget reads the ticket.
    fake.rest.set(`GET /queue/${TICKET}`, () => ({
      status: 200,
      body: ticket({ state: 'expired', position: null }),
    }));
    fake.socket.set('hold', () => ({ ok: false, error: { code: 'ADMISSION_REQUIRED', message: 'no turn' } }));
    await seat('orch-A-4').click();
    await expect.poll(() => picker('[data-news]').textContent()).toBe('Your turn has ended.');
    await expect.poll(() => page.getByRole('button', { name: 'Join the line' }).count()).toBe(1);
  });

  it('sold out while waiting: told at once, and offered the waitlist with the party size it queued with', async () => {
    await open();
    await page.addInitScript(
      ([id, saved]) => sessionStorage.setItem(`happening:${id}`, JSON.stringify({ queueTicket: saved })),
      [EVENT_ID, TICKET],
    );
    fake.rest.set(`GET /queue/${TICKET}`, () => ({ status: 200, body: ticket() }));
    fake.socket.set('queue:follow', () => ({ ok: true, data: ticket() }));
    let body: Record<string, unknown> = {};
    fake.rest.set(`POST /events/${EVENT_ID}/bookings`, (request) => {
      body = request.postDataJSON();
      return {
        status: 201,
        body: {
          booking: {
            id: '11111111-1111-4111-8111-111111111111',
            status: 'waitlisted',
            waitlistPosition: 7,
            seats: [],
          },
          manageToken: 'm',
        },
      };
    });
    fake.socket.set('waitlist:watch', () => ({ ok: true, data: { position: 7 } }));
    await page.goto(`${PARTNER}/`);
    await live();
    fake.push(
      'queue',
      ticket({ state: 'sold_out', position: null, waitlistOffered: true, admissionToken: 'wl.token' }),
    );
    await expect.poll(() => picker('[data-news]').textContent()).toBe('Sold out while you were in line.');
    const quantity = picker('[part=waitlist] input[name=quantity]');
    await expect.poll(() => quantity.inputValue()).toBe('3');
    await picker('[part=waitlist] input[name=name]').fill('Ada');
    await picker('[part=waitlist] input[name=email]').fill('ada@example.test');
    await page.getByRole('button', { name: 'Join the waitlist' }).click();
    await expect.poll(() => picker('[data-position]').textContent()).toContain('number 7 on the waitlist');
    expect(body).toMatchObject({ quantity: 3, admissionToken: 'wl.token' });
  });

  it('before the sale opens, with no line: the map read-only with a countdown, then on sale by itself', async () => {
    await open({
      waitingRoom: { enabled: false, admitPerMinute: null, maxActiveShoppers: null },
      saleState: 'scheduled',
      onSaleAt: new Date(Date.now() + 3_000).toISOString(),
    });
    await page.goto(`${PARTNER}/`);
    await live();
    await expect.poll(() => picker('[part=sale]').textContent()).toMatch(/On sale in 0:0[0-3]/);
    expect(await picker('[part=toolbar]').count()).toBe(0);
    await seat('orch-A-1').click();
    expect(emitted('hold')).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);
    await expect.poll(() => picker('[part=toolbar]').count(), { timeout: 10_000 }).toBe(1);
    expect(await picker('[part=sale]').count()).toBe(0);
  });

  it('before the opening with a line: the countdown, the pre-queue (a place drawn at opening), then the place', async () => {
    const opensAt = new Date(Date.now() + 120_000).toISOString();
    await open({ saleState: 'scheduled', onSaleAt: opensAt });
    const preQueue = ticket({ position: null, ahead: null, etaSeconds: null, preQueue: true, opensAt });
    fake.rest.set(`POST /events/${EVENT_ID}/queue`, () => ({ status: 201, body: preQueue }));
    fake.socket.set('queue:follow', () => ({ ok: true, data: preQueue }));
    await page.goto(`${PARTNER}/`);
    await live();
    await expect.poll(() => picker('[part=sale]').textContent()).toMatch(/On sale in [12]:\d\d/);
    await page.getByRole('button', { name: 'Join the line' }).click();
    await expect
      .poll(() => picker('[part=line]').textContent())
      .toMatch(/The sale opens in [12]:\d\d\. Places are then drawn at random/);
    expect(await picker('[part=sale]').count()).toBe(0);
    expect(await picker('[data-news]').textContent()).toBe('You are in line');
    expect(await axeViolations(page)).toEqual([]);
    // The opening shuffle gave this ticket its place: pushed, shown and announced.
    fake.push('queue', ticket({ position: 17, ahead: 16, preQueue: true, opensAt: null }));
    await expect.poll(() => picker('[data-news]').textContent()).toBe('You are number 17 in line.');
    expect(await picker('[data-ahead]').textContent()).toContain('16 ahead of you');
  });

  it('says when the sale is paused or over', async () => {
    await open({
      waitingRoom: { enabled: false, admitPerMinute: null, maxActiveShoppers: null },
      saleState: 'paused',
    });
    await page.goto(`${PARTNER}/`);
    await expect
      .poll(() => picker('[part=sale]').textContent())
      .toBe('Sales are paused. Check back shortly.');
    // A resume reaches the page with the next snapshot (every rejoin carries the sale state).
    fake.socket.set('join', () => ({
      ok: true,
      data: {
        ...snapshot(),
        sale: { saleState: 'ended', onSaleAt: null, offSaleAt: null, waitingRoom: false },
      },
    }));
    fake.dropAll();
    await expect
      .poll(() => picker('[part=sale]').textContent(), { timeout: 10_000 })
      .toBe('Sales have ended.');
  });
});

describe('waiting line helpers', () => {
  it('announces a position on the first read, at each band of a doubling scale, and after a minute', () => {
    expect(worthAnnouncing(null, 500, 0, 0)).toBe(true);
    expect(worthAnnouncing(40, 39, 0, 1_000)).toBe(false);
    expect(worthAnnouncing(40, 20, 0, 1_000)).toBe(true);
    expect(worthAnnouncing(3, 2, 0, 1_000)).toBe(true);
    expect(worthAnnouncing(2, 1, 0, 1_000)).toBe(true);
    expect(worthAnnouncing(40, 39, 0, 60_000)).toBe(true);
    expect(worthAnnouncing(40, 40, 0, 600_000)).toBe(false);
  });

  it('formats countdowns of seconds, minutes and hours', () => {
    expect(formatDuration(4_500)).toBe('0:05');
    expect(formatDuration(245_000)).toBe('4:05');
    expect(formatDuration(3_723_000)).toBe('1:02:03');
    expect(formatDuration(50 * 3_600_000)).toBe('50:00:00');
    expect(formatDuration(-5)).toBe('0:00');
  });
});
