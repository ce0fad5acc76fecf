import { axeViolations, launchChromium } from '@happening/testing';
import { bearer } from '@happening/testing/server';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { live, loggedEvents, type Stack, seat, seatLabel, smallMap, startStack } from './e2e-stack.js';

let stack: Stack;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
});

async function openPage(url: string): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

const picker = (page: Page) => page.locator('happening-seat-picker');

describe('seat picker on a partner page, against the real server', () => {
  it('shows one attendee’s hold to another within a second, then the booking', async () => {
    const eventId = await stack.createEvent(smallMap(), { directBooking: true });
    const [a, b] = await Promise.all([openPage(stack.pageUrl(eventId)), openPage(stack.pageUrl(eventId))]);
    await Promise.all([live(a), live(b)]);

    await seat(a, 'orch-A-2').click();
    await expect.poll(() => seat(a, 'orch-A-2').getAttribute('aria-checked')).toBe('true');
    await expect
      .poll(() => seatLabel(b, 'orch-A-2'), { timeout: 1_000, interval: 50 })
      .toContain('held by someone else');
    expect(await picker(a).getByRole('timer').textContent()).toMatch(/Held for you for \d+:\d\d/);

    // B cannot take it: the seat is announced as unavailable and nothing is held. (`force`: the
    // seat is aria-disabled, which Playwright would otherwise wait on.)
    await seat(b, 'orch-A-2').click({ force: true });
    await expect
      .poll(() => picker(b).locator('.message').textContent())
      .toContain('Row A, seat 2 is held by someone else');

    await picker(a).getByRole('button', { name: 'Book 1 seat' }).click();
    await picker(a).getByLabel('Name').fill('Ada Lovelace');
    await picker(a).getByLabel('Email').fill('ada@example.test');
    await picker(a).getByRole('button', { name: 'Confirm booking' }).click();
    await expect.poll(() => picker(a).locator('.confirmation').textContent()).toContain('Booked!');
    await expect.poll(() => seatLabel(b, 'orch-A-2'), { timeout: 1_000, interval: 50 }).toContain('sold');
    expect(await loggedEvents(a)).toEqual(['happening-booked', 'happening-hold']);

    const bookings = await stack.app.inject({
      url: `/api/v1/events/${eventId}/bookings`,
      headers: bearer(stack.owner.token),
    });
    expect(bookings.json().bookings).toMatchObject([
      { status: 'confirmed', seats: ['orch-A-2'], attendee: { email: 'ada@example.test' } },
    ]);
  });

  it('holds the best adjacent seats in one action and shows them to others', async () => {
    const eventId = await stack.createEvent(smallMap(2, 5), { directBooking: false });
    const [a, b] = await Promise.all([openPage(stack.pageUrl(eventId)), openPage(stack.pageUrl(eventId))]);
    await Promise.all([live(a), live(b)]);
    await picker(a).getByLabel('Number of seats').fill('3');
    await picker(a).getByRole('button', { name: 'Find best seats' }).click();
    await expect.poll(() => picker(a).locator('circle[aria-checked="true"]').count()).toBe(3);
    const picked = await picker(a)
      .locator('circle[aria-checked="true"]')
      .evaluateAll((seats) => seats.map((element) => element.getAttribute('data-id')!));
    // Adjacent: one row, consecutive numbers.
    const [row] = new Set(picked.map((id) => id.split('-')[1]));
    const numbers = picked.map((id) => Number(id.split('-')[2])).sort((x, y) => x - y);
    expect(picked.every((id) => id.split('-')[1] === row)).toBe(true);
    expect(numbers.at(-1)! - numbers[0]!).toBe(2);
    for (const id of picked) await expect.poll(() => seatLabel(b, id)).toContain('held by someone else');
  });

  it('picks and books with the keyboard only', async () => {
    const eventId = await stack.createEvent(smallMap(), { directBooking: true });
    const page = await openPage(stack.pageUrl(eventId));
    await live(page);
    const focused = () =>
      page.evaluate(() => {
        const active = document.querySelector('happening-seat-picker')?.shadowRoot?.activeElement;
        return active
          ? (active.getAttribute('data-id') ?? active.textContent?.trim() ?? active.tagName)
          : null;
      });
    for (let i = 0; i < 10 && !(await focused())?.startsWith('orch-'); i++) await page.keyboard.press('Tab');
    expect(await focused()).toBe('orch-A-1');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowRight');
    expect(await focused()).toBe('orch-B-2');
    await page.keyboard.press('Enter');
    await expect.poll(() => seat(page, 'orch-B-2').getAttribute('aria-checked')).toBe('true');
    // The seat is checked at once (optimistic); the summary with its Book button only appears once
    // the server has granted the hold, so tabbing before that would walk past where it will be.
    await expect.poll(() => picker(page).getByRole('timer').count()).toBe(1);
    for (let i = 0; i < 15 && !(await focused())?.startsWith('Book'); i++) await page.keyboard.press('Tab');
    expect(await focused()).toBe('Book 1 seat');
    await page.keyboard.press('Enter');
    await expect
      .poll(() =>
        page.evaluate(() =>
          document.querySelector('happening-seat-picker')?.shadowRoot?.activeElement?.getAttribute('name'),
        ),
      )
      .toBe('name');
    await page.keyboard.type('Grace Hopper');
    await page.keyboard.press('Tab');
    await page.keyboard.type('grace@example.test');
    await page.keyboard.press('Enter');
    await expect.poll(() => picker(page).locator('.confirmation').textContent()).toContain('Booked!');
    await expect.poll(() => seatLabel(page, 'orch-B-2')).toContain('sold');
  });

  it('stops at the event’s seat limit and says so in the right number', async () => {
    for (const [limit, message] of [
      [1, 'You can pick only 1 seat.'],
      [2, 'You can pick up to 2 seats.'],
    ] as const) {
      const eventId = await stack.createEvent(smallMap(), { directBooking: true, maxSeatsPerBooking: limit });
      const page = await openPage(stack.pageUrl(eventId));
      await live(page);
      const ids = ['orch-A-1', 'orch-A-2', 'orch-A-3'];
      for (const id of ids.slice(0, limit)) {
        await seat(page, id).click();
        await expect.poll(() => seat(page, id).getAttribute('aria-checked')).toBe('true');
      }
      await seat(page, ids[limit]!).click();
      await expect.poll(() => picker(page).locator('.message').textContent()).toContain(message);
      expect(await seat(page, ids[limit]!).getAttribute('aria-checked')).toBe('false');
    }
  });

  it('has no axe-core violations on the demo page', async () => {
    const eventId = await stack.createEvent(smallMap(), { directBooking: true });
    const page = await openPage(stack.pageUrl(eventId));
    await live(page);
    // Seats take their place and size from a stylesheet the element builds; the demo page's CSP
    // (no inline styles) must not keep it out.
    const diameter = await seat(page, 'orch-A-2').evaluate(
      (circle) => (circle as SVGCircleElement).getBBox().width,
    );
    expect(diameter).toBeCloseTo(9, 3);
    await seat(page, 'orch-A-1').click();
    await expect.poll(() => picker(page).getByRole('timer').count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
  });

  it('refuses a page whose origin is not allowed, visibly and without seat data', async () => {
    const eventId = await stack.createEvent(smallMap(), { directBooking: true });
    const page = await openPage(stack.pageUrl(eventId, stack.foreignUrl));
    const alert = picker(page).getByRole('alert');
    await expect
      .poll(() => alert.textContent())
      .toContain(`This page (${stack.foreignUrl}) is not allowed to show this seat picker`);
    expect(await picker(page).locator('circle').count()).toBe(0);
    expect(await loggedEvents(page)).toEqual(['happening-error']);
    expect(await page.locator('#event-log li').textContent()).toContain('ORIGIN_NOT_ALLOWED');
  });

  it('offers the waitlist when sold out and moves the position when someone ahead leaves', async () => {
    const eventId = await stack.createEvent(smallMap(1, 2), { directBooking: true, waitlistEnabled: true });
    const book = (body: object, key: string) =>
      stack.app.inject({
        method: 'POST',
        url: `/api/v1/events/${eventId}/bookings`,
        headers: { ...bearer(stack.secretKey), 'idempotency-key': key },
        payload: body,
      });
    const sold = await book(
      { quantity: 2, attendee: { name: 'First', email: 'first@example.test' } },
      `${eventId}-1`,
    );
    expect(sold.statusCode, sold.body).toBe(201);
    const ahead = await book(
      { quantity: 1, attendee: { name: 'Ahead', email: 'ahead@example.test' } },
      `${eventId}-2`,
    );
    expect(ahead.statusCode, ahead.body).toBe(202);

    const page = await openPage(stack.pageUrl(eventId));
    await live(page);
    const waitlist = picker(page).locator('.waitlist');
    await expect.poll(() => waitlist.locator('h3').textContent()).toBe('Sold out.');
    await waitlist.getByLabel('Number of seats').fill('1');
    await waitlist.getByLabel('Name').fill('Patient Person');
    await waitlist.getByLabel('Email').fill('patient@example.test');
    await waitlist.getByRole('button', { name: 'Join the waitlist' }).click();
    await expect.poll(() => waitlist.textContent()).toContain('You are number 2 on the waitlist.');
    expect(await loggedEvents(page)).toEqual(['happening-waitlisted']);

    const left = await stack.app.inject({
      method: 'POST',
      url: `/api/v1/bookings/${ahead.json().booking.id}/cancel`,
      payload: { manageToken: ahead.json().manageToken },
    });
    expect(left.statusCode, left.body).toBe(200);
    await expect.poll(() => waitlist.textContent()).toContain('You are number 1 on the waitlist.');
  });

  it('speaks German on the demo page when asked, fetching the strings from the server under its CSP', async () => {
    const eventId = await stack.createEvent(smallMap(), { directBooking: true });
    const page = await openPage(`${stack.pageUrl(eventId)}&locale=de-DE`);
    await live(page);
    await expect.poll(() => seatLabel(page, 'orch-A-2')).toMatch(/^Reihe A, Platz 2, .*, frei$/);
    expect(await picker(page).getByRole('button', { name: 'Als Liste zeigen' }).count()).toBe(1);
  });
});
