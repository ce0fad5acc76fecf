/**
 * The attendee's booking page (`/bookings/<id>#<manageToken>`), opened in Debian's Chromium from
 * the link in the email the worker renders, against a real server: what the attendee sees and
 * does, and what ends up in the database. Also the HTTP surface of the page and of
 * `GET /api/v1/bookings/:id` with the token in the `x-manage-token` header.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { PersonalNotificationMessage as NotificationMessage } from '@happening/shared';
import { axeViolations, launchChromium } from '@happening/testing';
import { testEnv } from '@happening/testing/env';
import { attendee, type LiveEvent, publishedEvent, rowsMap } from '@happening/testing/inventory';
import { bearer, buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import { renderEmail } from '@happening/worker';
import { Redis } from 'ioredis';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryKeys } from '../src/inventory/keys.js';

/** For what a person waits for: true soon, on a busy machine too. */
const soon = { timeout: 15_000 };

let app: TestApp;
let baseUrl: string;
let browser: Browser;
let owner: SignedUp;

beforeAll(async () => {
  app = await buildTestApp({ HOLD_SWEEP_INTERVAL_MS: '100' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
  owner = await signup(app, 'booking-page');
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

const concert = (settings: Parameters<typeof publishedEvent>[3] = {}, seats = 4) =>
  publishedEvent(
    app,
    owner,
    rowsMap(1, seats, [{ id: 'floor', label: 'Standing', kind: 'general', category: 'std', capacity: 10 }]),
    { name: 'Harbour Jazz Night', venue: 'Pier 9 Hall', ...settings },
  );

interface Booked {
  id: string;
  manageToken: string;
  status: string;
}

async function book(live: LiveEvent, quantity: number, who: string, section?: string): Promise<Booked> {
  const response = await app.inject({
    method: 'POST',
    url: `/api/v1/events/${live.eventId}/bookings`,
    headers: bearer(live.secretKey),
    payload: { quantity, attendee: attendee(who), ...(section ? { section } : {}) },
  });
  expect(response.statusCode, response.body).toBeLessThan(300);
  const { booking, manageToken } = response.json();
  return { id: booking.id, manageToken, status: booking.status };
}

/** The link of the email the worker renders from the outbox row the booking queued. */
async function emailLink(bookingId: string, type: NotificationMessage['type']): Promise<URL> {
  const { rows } = await app.pg.query<{ payload: NotificationMessage }>(
    'SELECT payload FROM outbox WHERE type = $1 AND payload->>$2 = $3',
    [type, 'bookingId', bookingId],
  );
  expect(rows).toHaveLength(1);
  const href = renderEmail(rows[0]!.payload).html.match(/<a href="([^"]+)"/)?.[1];
  expect(href).toBeDefined();
  return new URL(href!.replaceAll('&amp;', '&'));
}

const statusOf = async (id: string) =>
  (await app.pg.query<{ status: string }>('SELECT status FROM bookings WHERE id = $1', [id])).rows[0]!.status;

async function until(check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface Opened {
  page: Page;
  /** Uncaught errors and policy violations (CSP, Trusted Types) seen in the page. */
  problems: string[];
  /** Every URL the page requested, to prove the token never travels in one. */
  requested: string[];
}

/** Opens `pathAndFragment` (e.g. `/bookings/<id>#<token>`) as the attendee would, in a fresh profile. */
async function open(pathAndFragment: string, options: BrowserContextOptions = {}): Promise<Opened> {
  const context = await browser.newContext({ locale: 'en-GB', timezoneId: 'Europe/Paris', ...options });
  const page = await context.newPage();
  const problems: string[] = [];
  const requested: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (/Content Security Policy|Trusted Type/i.test(message.text())) problems.push(message.text());
  });
  page.on('request', (request) => requested.push(request.url()));
  await page.goto(`${baseUrl}${pathAndFragment}`);
  return { page, problems, requested };
}

/** The link from the email, opened on this test's server (the email names PUBLIC_URL). */
const openLink = (link: URL, options?: BrowserContextOptions) =>
  open(`${link.pathname}${link.hash}`, options);

async function close({ page, problems }: Opened): Promise<void> {
  await page.context().close();
  expect(problems).toEqual([]);
}

async function waitForHeading(page: Page, text: string): Promise<void> {
  await page.getByRole('heading', { level: 1, name: text, exact: true }).waitFor(soon);
}

async function expectAxeClean(page: Page, state: string): Promise<void> {
  expect(await axeViolations(page), `axe on ${state}`).toEqual([]);
}

const focusedId = (page: Page) => page.evaluate<string | undefined>('document.activeElement?.id');
const visibleButtons = (page: Page) => page.locator('button:visible').allTextContents();

describe('the booking page in a browser', () => {
  it('shows a confirmed booking from the email link and cancels it with a reason, freeing the seats', async () => {
    const live = await concert();
    const booked = await book(live, 2, 'cancels');
    const link = await emailLink(booked.id, 'booking_confirmed');
    // The email links to the page with the token in the fragment, never in the path or query.
    expect(link.pathname).toBe(`/bookings/${booked.id}`);
    expect(link.search).toBe('');
    expect(link.hash).toBe(`#${booked.manageToken}`);

    const opened = await open(`${link.pathname}${link.hash}`);
    const { page } = opened;
    await waitForHeading(page, 'Your booking is confirmed');
    const shown = await page.locator('#booking').innerText();
    expect(shown).toContain('Your 2 places for Harbour Jazz Night are booked.');
    expect(shown).toContain('Harbour Jazz Night');
    expect(shown).toContain('Pier 9 Hall');
    // 20:00 UTC shown in the attendee's own zone and language.
    expect(shown).toContain('Friday, 1 January 2027 at 21:00 CET');
    expect(shown).toContain('Main, row A, seat 1');
    expect(shown).toContain('Main, row A, seat 2');
    expect(shown).toContain('Attendee cancels');
    expect(shown).toContain(booked.id);
    expect(await visibleButtons(page)).toEqual(['Cancel my booking']);
    await expectAxeClean(page, 'a confirmed booking');

    // The confirmation step: nothing happens until the attendee confirms.
    await page.getByRole('button', { name: 'Cancel my booking' }).click();
    expect(await focusedId(page)).toBe('cancel-heading');
    expect(await page.getByRole('form', { name: 'Cancel your booking?' }).innerText()).toContain(
      'released for other people at once',
    );
    await expectAxeClean(page, 'the cancel confirmation');
    await page.getByRole('button', { name: 'Keep my booking' }).click();
    expect(await focusedId(page)).toBe('cancel-open');
    expect(await statusOf(booked.id)).toBe('confirmed');

    await page.getByRole('button', { name: 'Cancel my booking' }).click();
    await page.getByLabel('Reason (optional)').fill('My train was cancelled');
    await page.getByRole('button', { name: 'Yes, cancel my booking' }).click();
    await waitForHeading(page, 'This booking is cancelled');
    expect(await focusedId(page)).toBe('heading');
    const after = await page.locator('#booking').innerText();
    expect(after).toMatch(/You cancelled this booking on \w+day, \d+ \w+ \d{4}/);
    expect(after).toContain('Reason given: My train was cancelled');
    expect(await visibleButtons(page)).toEqual([]);
    await expectAxeClean(page, 'a cancelled booking');

    // The database: cancelled by the attendee with the reason, and both seats on sale again.
    expect(await statusOf(booked.id)).toBe('cancelled');
    const { rows } = await app.pg.query<{ actor: string; reason: string }>(
      `SELECT actor, reason FROM booking_history WHERE booking_id = $1 AND status = 'cancelled'`,
      [booked.id],
    );
    expect(rows).toEqual([{ actor: 'attendee', reason: 'My train was cancelled' }]);
    const availability = (await app.inject({ url: `/api/v1/events/${live.eventId}/availability` })).json();
    expect(availability.sections.find((s: { id: string }) => s.id === 'main')).toMatchObject({
      available: 4,
      booked: 0,
    });

    // The token was in no URL the page requested (the fragment is never sent; reads use a header).
    expect(opened.requested.length).toBeGreaterThan(3);
    // The page's script runs with the shared module it imports (same origin, under the policy).
    expect(opened.requested).toContain(`${baseUrl}/pages/assets/page-kit.js`);
    expect(opened.requested.filter((url) => url.includes(booked.manageToken))).toEqual([]);
    await close(opened);
  }, 90_000);

  it('offer mode: shows the place in line, then the offer, claims it; a passed offer is explained', async () => {
    const live = await concert({ waitlistMode: 'offer', offerWindowSeconds: 600 }, 1);
    const buyer = await book(live, 1, 'offer-buyer', 'main');
    await book(live, 10, 'offer-floor', 'floor');
    const first = await book(live, 1, 'offer-first');
    const second = await book(live, 1, 'offer-second');
    expect([first.status, second.status]).toEqual(['waitlisted', 'waitlisted']);
    const firstLink = await emailLink(first.id, 'booking_waitlisted');
    const secondLink = await emailLink(second.id, 'booking_waitlisted');

    const firstPage = await openLink(firstLink);
    await waitForHeading(firstPage.page, 'You are on the waitlist');
    expect(await firstPage.page.locator('#status-line').textContent()).toBe(
      'You are number 1 in line for 1 place.',
    );
    expect(await visibleButtons(firstPage.page)).toEqual(['Leave the waitlist']);
    await expectAxeClean(firstPage.page, 'a waitlisted booking');
    const secondPage = await openLink(secondLink);
    await waitForHeading(secondPage.page, 'You are on the waitlist');
    expect(await secondPage.page.locator('#status-line').textContent()).toBe(
      'You are number 2 in line for 1 place.',
    );

    // The buyer cancels: the seat is offered to the first in line, who lets the window pass.
    const cancelled = await app.inject({
      method: 'POST',
      url: `/api/v1/bookings/${buyer.id}/cancel`,
      payload: { manageToken: buyer.manageToken },
    });
    expect(cancelled.statusCode).toBe(200);
    await until(async () => (await statusOf(first.id)) === 'offered');
    await firstPage.page.reload();
    await waitForHeading(firstPage.page, 'Places are held for you');
    expect(await firstPage.page.locator('#status-line').textContent()).toMatch(
      /^1 place freed up and is held for you until \w+day, \d+ \w+ \d{4} at \d+:\d\d CET\.$/,
    );
    // The held seat itself, not just a count: it is in the offer, not yet in the booking's seats.
    expect(await firstPage.page.locator('#places').innerText()).toMatch(
      /^Main, row A, seat 1 — held for you until \w+day, \d+ \w+ \d{4} at \d+:\d\d CET$/,
    );
    expect(await visibleButtons(firstPage.page)).toEqual(['Claim my places', 'I do not want these places']);
    await expectAxeClean(firstPage.page, 'an offer');
    const offered = await app.inject({
      url: `/api/v1/bookings/${first.id}`,
      headers: { 'x-manage-token': first.manageToken },
    });
    const { booking: offeredBooking } = offered.json();
    expect(offeredBooking).toMatchObject({
      status: 'offered',
      seats: [],
      general: [],
      offer: { seats: ['main-A-1'], general: [], expiresAt: offeredBooking.offerExpiresAt },
    });
    expect(Date.parse(offeredBooking.offer.expiresAt) - Date.now()).toBeGreaterThan(500_000);

    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const keys = inventoryKeys(live.eventId);
    const token = `offer_${first.id}`;
    const record = JSON.parse((await redis.hget(keys[3]!, token))!);
    await redis.hset(keys[3]!, token, JSON.stringify({ ...record, exp: Date.now() }));
    await redis.zadd(keys[4]!, Date.now(), token);
    await redis.quit();
    await until(async () => (await statusOf(second.id)) === 'offered');
    expect(await statusOf(first.id)).toBe('expired');
    // A passed offer holds nothing any more.
    const passed = await app.inject({
      url: `/api/v1/bookings/${first.id}`,
      headers: { 'x-manage-token': first.manageToken },
    });
    expect(passed.json().booking.status).toBe('expired');
    expect(passed.json().booking.offer).toBeUndefined();

    // The first attendee, still on the old page, tries to claim: the page explains what happened.
    await firstPage.page.getByRole('button', { name: 'Claim my places' }).click();
    await waitForHeading(firstPage.page, 'This offer has expired');
    expect(await focusedId(firstPage.page)).toBe('heading');
    expect(await firstPage.page.locator('#status-line').textContent()).toContain('were not claimed in time');
    expect(await visibleButtons(firstPage.page)).toEqual([]);
    await close(firstPage);

    await close(secondPage);

    // The second attendee claims from the link in the offer email itself: the same page as the
    // waitlist email's, rebuilt by the server from the booking id.
    const offerLink = await emailLink(second.id, 'waitlist_promoted');
    expect(offerLink.pathname).toBe(`/bookings/${second.id}`);
    expect(offerLink.hash).toBe(`#${second.manageToken}`);
    const offerPage = await openLink(offerLink);
    await waitForHeading(offerPage.page, 'Places are held for you');
    await offerPage.page.getByRole('button', { name: 'Claim my places' }).click();
    await waitForHeading(offerPage.page, 'Your booking is confirmed');
    expect(await focusedId(offerPage.page)).toBe('heading');
    expect(await offerPage.page.locator('#places').innerText()).toBe('Main, row A, seat 1');
    expect(await statusOf(second.id)).toBe('confirmed');
    const seats = await app.pg.query<{ seat_id: string }>(
      'SELECT seat_id FROM booking_seats WHERE booking_id = $1 AND active',
      [second.id],
    );
    expect(seats.rows).toEqual([{ seat_id: 'main-A-1' }]);
    const claimed = await app.inject({
      url: `/api/v1/bookings/${second.id}`,
      headers: { 'x-manage-token': second.manageToken },
    });
    expect(claimed.json().booking).toMatchObject({ status: 'confirmed', seats: ['main-A-1'] });
    expect(claimed.json().booking.offer).toBeUndefined();
    // The confirmation of the claim links to the same page.
    expect((await emailLink(second.id, 'booking_confirmed')).hash).toBe(`#${second.manageToken}`);
    await close(offerPage);
  }, 120_000);

  it('shows the general-admission places an offer holds, and lets them go', async () => {
    const live = await concert({ waitlistMode: 'offer', offerWindowSeconds: 600 }, 1);
    await book(live, 1, 'standing-seat', 'main');
    const crowd = await book(live, 10, 'standing-crowd', 'floor');
    const waiting = await book(live, 2, 'standing-wait', 'floor');
    expect(waiting.status).toBe('waitlisted');
    const cancelled = await app.inject({
      method: 'POST',
      url: `/api/v1/bookings/${crowd.id}/cancel`,
      payload: { manageToken: crowd.manageToken },
    });
    expect(cancelled.statusCode).toBe(200);
    await until(async () => (await statusOf(waiting.id)) === 'offered');
    const read = await app.inject({
      url: `/api/v1/bookings/${waiting.id}`,
      headers: { 'x-manage-token': waiting.manageToken },
    });
    expect(read.json().booking).toMatchObject({
      seats: [],
      general: [],
      offer: { seats: [], general: [{ section: 'floor', quantity: 2 }] },
    });

    const opened = await openLink(await emailLink(waiting.id, 'waitlist_promoted'));
    const { page } = opened;
    await waitForHeading(page, 'Places are held for you');
    expect(await page.locator('#places').innerText()).toMatch(
      /^2 places in Standing — held for you until \w+day, \d+ \w+ \d{4} at \d+:\d\d CET$/,
    );
    await page.getByRole('button', { name: 'I do not want these places' }).click();
    await page.getByRole('button', { name: 'Yes, let them go' }).click();
    await waitForHeading(page, 'This booking is cancelled');
    // Cancelled, it holds nothing: the page falls back to the count.
    expect(await page.locator('#places').innerText()).toBe('2 places');
    expect(await statusOf(waiting.id)).toBe('cancelled');
    await close(opened);
  }, 60_000);

  it('lets a waitlisted attendee leave the line', async () => {
    const live = await concert({}, 1);
    await book(live, 1, 'leave-buyer', 'main');
    await book(live, 10, 'leave-floor', 'floor');
    const waiting = await book(live, 2, 'leaves');
    const opened = await openLink(await emailLink(waiting.id, 'booking_waitlisted'));
    const { page } = opened;
    await waitForHeading(page, 'You are on the waitlist');
    expect(await page.locator('#places').innerText()).toBe('2 places, given when you move up');
    await page.getByRole('button', { name: 'Leave the waitlist' }).click();
    await page.getByRole('button', { name: 'Yes, leave the waitlist' }).click();
    await waitForHeading(page, 'This booking is cancelled');
    expect(await page.locator('#status-reason').isVisible()).toBe(false);
    expect(await statusOf(waiting.id)).toBe('cancelled');
    const line = await app.inject({
      url: `/api/v1/events/${live.eventId}/waitlist`,
      headers: bearer(owner.token),
    });
    expect(line.json().waitlist).toEqual([]);
    await close(opened);
  }, 60_000);

  it('explains a cancelled event with its reason, and links that do not work, showing no data', async () => {
    const live = await concert();
    const booked = await book(live, 1, 'event-gone');
    const cancelled = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/cancel`,
      headers: bearer(owner.token),
      payload: { reason: 'The pier is closed for repairs' },
    });
    expect(cancelled.statusCode).toBe(200);
    // The email that tells the attendee links to the page that explains it.
    const goneLink = await emailLink(booked.id, 'event_cancelled');
    expect(goneLink.hash).toBe(`#${booked.manageToken}`);
    const gone = await open(`${goneLink.pathname}#t=${booked.manageToken}`);
    await waitForHeading(gone.page, 'This event is cancelled');
    const shown = await gone.page.locator('#booking').innerText();
    expect(shown).toContain('Harbour Jazz Night has been cancelled, and with it your booking.');
    expect(shown).toContain('Reason given: The pier is closed for repairs');
    expect(await visibleButtons(gone.page)).toEqual([]);
    await expectAxeClean(gone.page, 'a cancelled event');
    await close(gone);

    const other = await book(await concert(), 1, 'someone-else');
    for (const path of [
      `/bookings/${booked.id}#mt_${'x'.repeat(32)}`, // a wrong token
      `/bookings/${booked.id}#t=${other.manageToken}`, // another booking's token
      `/bookings/${booked.id}`, // the fragment cut off
      `/bookings/not-a-booking#${booked.manageToken}`,
    ]) {
      const opened = await open(path);
      await waitForHeading(opened.page, 'This booking link does not work');
      expect(await opened.page.locator('#problem').innerText()).toContain('copy the whole link');
      expect(await opened.page.locator('#booking').isHidden()).toBe(true);
      // Nothing of the booking reached the page: the whole document lacks its event and reference.
      const everything = (await opened.page.content()) + (await opened.page.locator('body').innerText());
      expect(everything).not.toContain('Harbour Jazz Night');
      expect(everything).not.toContain('Attendee event-gone');
      expect(await visibleButtons(opened.page)).toEqual([]);
      await expectAxeClean(opened.page, `the link ${path}`);
      await close(opened);
    }
  }, 90_000);

  it('fits a phone screen in dark and light mode', async () => {
    const live = await concert();
    const booked = await book(live, 1, 'phone');
    for (const colorScheme of ['dark', 'light'] as const) {
      const opened = await open(`/bookings/${booked.id}#${booked.manageToken}`, {
        viewport: { width: 360, height: 740 },
        isMobile: true,
        hasTouch: true,
        colorScheme,
      });
      const { page } = opened;
      await waitForHeading(page, 'Your booking is confirmed');
      await page.getByRole('button', { name: 'Cancel my booking' }).click();
      const layout = await page.evaluate<{
        overflow: number;
        background: string;
        buttonRight: number;
      }>(`(() => ({
        overflow: document.documentElement.scrollWidth - window.innerWidth,
        background: getComputedStyle(document.querySelector('main')).backgroundColor,
        buttonRight: document.querySelector('#cancel-confirm').getBoundingClientRect().right,
      }))()`);
      expect(layout.overflow, colorScheme).toBeLessThanOrEqual(0);
      expect(layout.buttonRight).toBeLessThanOrEqual(360);
      expect(layout.background, colorScheme).toBe(
        colorScheme === 'dark' ? 'rgb(27, 30, 37)' : 'rgb(255, 255, 255)',
      );
      // axe checks every colour pair (status line, buttons, hints) in this scheme.
      await expectAxeClean(page, `the cancel step on a phone, ${colorScheme}`);
      await close(opened);
    }
  }, 60_000);
});

describe('the booking page over HTTP', () => {
  it('answers with the HTML page under a strict policy, with no inline script or style', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/bookings/8a1f1b9e-3c1d-4d55-9b7a-2f0c7d1e9a10',
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['x-robots-tag']).toBe('noindex');
    const csp = String(response.headers['content-security-policy']);
    for (const directive of [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "connect-src 'self'",
      "form-action 'none'",
      "frame-ancestors 'none'",
      "require-trusted-types-for 'script'",
      "trusted-types 'none'",
    ]) {
      expect(csp).toContain(directive);
    }
    expect(csp).not.toMatch(/unsafe-|data:|\*/);

    const html = response.body;
    expect(html).toMatch(/^<!doctype html>\s*<html lang="en">/i);
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts).toHaveLength(1);
    expect(scripts[0]![1]).toContain('type="module" src="/bookings/assets/booking.js"');
    expect(scripts[0]![2]!.trim()).toBe('');
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/<style\b|\sstyle\s*=/i);
  });

  it('serves its scripts and both stylesheets with their types and revalidates them with an ETag', async () => {
    for (const [path, type] of [
      ['/bookings/assets/booking.js', 'text/javascript; charset=utf-8'],
      ['/bookings/assets/booking.css', 'text/css; charset=utf-8'],
      ['/pages/assets/page.css', 'text/css; charset=utf-8'],
      ['/pages/assets/page-kit.js', 'text/javascript; charset=utf-8'],
    ] as const) {
      const first = await app.inject({ method: 'GET', url: path });
      expect(first.statusCode, path).toBe(200);
      expect(first.headers['content-type']).toBe(type);
      expect(first.headers['cache-control']).toBe('no-cache');
      const again = await app.inject({
        method: 'GET',
        url: path,
        headers: { 'if-none-match': String(first.headers.etag) },
      });
      expect(again.statusCode, path).toBe(304);
    }
  });
});

describe('GET /api/v1/bookings/:id for the attendee', () => {
  it('takes the manage token in the x-manage-token header or the query, with the event beside the booking', async () => {
    const live = await concert();
    const booked = await book(live, 1, 'api-reader');
    const byHeader = await app.inject({
      url: `/api/v1/bookings/${booked.id}`,
      headers: { 'x-manage-token': booked.manageToken },
    });
    expect(byHeader.statusCode).toBe(200);
    expect(byHeader.json()).toMatchObject({
      booking: { id: booked.id, status: 'confirmed', seats: ['main-A-1'] },
      event: {
        id: live.eventId,
        name: 'Harbour Jazz Night',
        venue: 'Pier 9 Hall',
        status: 'on_sale',
        sections: [
          { id: 'main', label: 'Main' },
          { id: 'floor', label: 'Standing' },
        ],
      },
      statusChange: { status: 'confirmed', by: 'organizer', reason: null },
    });
    expect(byHeader.json().event.seatMap).toBeUndefined();
    const byQuery = await app.inject({
      url: `/api/v1/bookings/${booked.id}?manageToken=${encodeURIComponent(booked.manageToken)}`,
    });
    expect(byQuery.json()).toEqual(byHeader.json());

    const wrong = await app.inject({
      url: `/api/v1/bookings/${booked.id}`,
      headers: { 'x-manage-token': 'mt_wrong' },
    });
    expect(wrong.statusCode).toBe(404);
    expect(wrong.json().error.code).toBe('NOT_FOUND');
    const anonymous = await app.inject({ url: `/api/v1/bookings/${booked.id}` });
    expect(anonymous.statusCode).toBe(404);
  });

  it('refuses a token forged for another booking id or with the session key', async () => {
    const live = await concert();
    const booked = await book(live, 1, 'forged');
    const other = await book(live, 1, 'forged-other');
    const hmac = (key: string, id: string) =>
      `mt_${createHmac('sha256', key).update(`manage-token:${id}`).digest('base64url')}`;
    const secret = testEnv().TOKEN_SECRET!;
    for (const token of [
      other.manageToken, // a real token, of another booking
      hmac(secret, booked.id), // the right recipe with the session-signing key instead of its own
      `mt_${createHmac('sha256', secret).update(booked.id).digest('base64url')}`,
    ]) {
      const read = await app.inject({
        url: `/api/v1/bookings/${booked.id}`,
        headers: { 'x-manage-token': token },
      });
      expect(read.statusCode, token).toBe(404);
      const cancel = await app.inject({
        method: 'POST',
        url: `/api/v1/bookings/${booked.id}/cancel`,
        payload: { manageToken: token },
      });
      expect(cancel.statusCode, token).toBe(404);
    }
    expect(await statusOf(booked.id)).toBe('confirmed');
  });

  it('keeps random tokens of bookings made before derived tokens working, and mails no link it cannot rebuild', async () => {
    const live = await concert();
    const booked = await book(live, 1, 'legacy');
    // What a booking made before looks like: the hash of a random token, the only thing stored.
    const randomToken = `mt_${randomBytes(24).toString('base64url')}`;
    await app.pg.query('UPDATE bookings SET manage_token_hash = $2 WHERE id = $1', [
      booked.id,
      createHash('sha256').update(randomToken).digest('hex'),
    ]);
    const read = await app.inject({
      url: `/api/v1/bookings/${booked.id}`,
      headers: { 'x-manage-token': randomToken },
    });
    expect(read.statusCode).toBe(200);
    expect(read.json().booking).toMatchObject({ id: booked.id, status: 'confirmed' });
    // The derived token is not this booking's: its holder has the random one.
    const derived = await app.inject({
      url: `/api/v1/bookings/${booked.id}`,
      headers: { 'x-manage-token': booked.manageToken },
    });
    expect(derived.statusCode).toBe(404);

    const cancelled = await app.inject({
      method: 'POST',
      url: `/api/v1/bookings/${booked.id}/cancel`,
      headers: bearer(owner.token),
      payload: { reason: 'Double booking' },
    });
    expect(cancelled.statusCode).toBe(200);
    const { rows } = await app.pg.query<{ payload: NotificationMessage }>(
      `SELECT payload FROM outbox WHERE type = 'booking_cancelled' AND payload->>'bookingId' = $1`,
      [booked.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.payload).not.toHaveProperty('manageUrl');
    expect(renderEmail(rows[0]!.payload).html).not.toContain('<a ');
    const stillReadable = await app.inject({
      url: `/api/v1/bookings/${booked.id}`,
      headers: { 'x-manage-token': randomToken },
    });
    expect(stillReadable.json().statusChange).toMatchObject({ status: 'cancelled', by: 'organizer' });
  });

  it('links the email of a cancellation by the organizer to the page, which says who cancelled and why', async () => {
    const live = await concert();
    const booked = await book(live, 2, 'organizer-cancels');
    const cancelled = await app.inject({
      method: 'POST',
      url: `/api/v1/bookings/${booked.id}/cancel`,
      headers: bearer(owner.token),
      payload: { reason: 'Duplicate order' },
    });
    expect(cancelled.statusCode).toBe(200);
    const link = await emailLink(booked.id, 'booking_cancelled');
    expect(link.hash).toBe(`#${booked.manageToken}`);
    const opened = await openLink(link);
    await waitForHeading(opened.page, 'This booking is cancelled');
    const shown = await opened.page.locator('#booking').innerText();
    expect(shown).toMatch(/The organizer cancelled this booking on \w+day/);
    expect(shown).toContain('Reason given: Duplicate order');
    await close(opened);
  }, 60_000);
});
