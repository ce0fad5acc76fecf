/**
 * End to end (real server, PostgreSQL, Redis): the waiting line as attendees see it in Chromium.
 * Pages in line: the first admitted picks and books seats while the others watch their position
 * move, pushed over the socket; then the next one's turn. Sold out while waiting: told at once,
 * and onto the waitlist with the party size queued with (the ticket's admission lets it join).
 */
import { launchChromium } from '@happening/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { live, type Stack, seat, smallMap, startStack } from './e2e-stack.js';

let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

const picker = (page: Page) => page.locator('happening-seat-picker');
const newPage = async () => {
  const page = await (await browser.newContext()).newPage();
  page.setDefaultTimeout(15_000);
  return page;
};

describe('the waiting line in the widget (real server)', () => {
  it('two pages in line: the first admitted picks and books while the second watches its position move, then gets its turn', {
    timeout: 90_000,
  }, async () => {
    const eventId = await stack.createEvent(smallMap(2, 4), {
      directBooking: true,
      waitingRoom: { enabled: true, admitPerMinute: null, maxActiveShoppers: 1 },
    });
    const first = await newPage();
    const second = await newPage();
    const third = await newPage();
    for (const page of [first, second, third]) {
      await page.goto(stack.pageUrl(eventId));
      await live(page);
    }
    const join = async (page: Page, partySize: number) => {
      await picker(page).getByLabel('Number of seats').fill(String(partySize));
      await picker(page).getByRole('button', { name: 'Join the line' }).click();
    };
    // One shopper at a time: the first is admitted, the others wait in the order they joined.
    await join(first, 2);
    await expect
      .poll(() => picker(first).locator('[part~=admission-timer]').textContent(), { timeout: 20_000 })
      .toMatch(/Your turn ends in \d+:\d\d/);
    await join(second, 1);
    await expect
      .poll(() => picker(second).locator('[data-position]').getAttribute('data-position'))
      .toBe('1');
    await join(third, 2);
    await expect.poll(() => picker(third).locator('[data-position]').getAttribute('data-position')).toBe('2');
    // A reload keeps the place (the ticket is in sessionStorage; the server says where it stands).
    await third.reload();
    await live(third);
    await expect.poll(() => picker(third).locator('[data-position]').getAttribute('data-position')).toBe('2');
    // Waiting pages cannot pick.
    await seat(third, 'orch-B-1').click();
    await expect.poll(() => picker(third).locator('.message').textContent()).toContain('on your turn');

    // The first picks two seats and books them; its admission ends, the second's turn comes, and
    // the third moves up to number 1 — pushed over the socket, while the page stays as it is.
    await picker(first).getByLabel('Number of seats').fill('2');
    await picker(first).getByRole('button', { name: 'Find best seats' }).click();
    await expect.poll(() => picker(first).locator('circle[aria-checked="true"]').count()).toBe(2);
    await picker(first).getByRole('button', { name: 'Book 2 seats' }).click();
    await picker(first).locator('input[name=name]').fill('Ada');
    await picker(first).locator('input[name=email]').fill('ada@example.test');
    await picker(first).getByRole('button', { name: 'Confirm booking' }).click();
    await expect.poll(() => picker(first).locator('[part=confirmation]').count()).toBe(1);

    await expect
      .poll(() => picker(second).locator('[part~=admission-timer]').count(), { timeout: 20_000 })
      .toBe(1);
    await expect
      .poll(() => picker(third).locator('[data-position]').getAttribute('data-position'), { timeout: 20_000 })
      .toBe('1');
    expect(await picker(third).locator('[data-news]').textContent()).toBe('You are number 1 in line.');
    // The second's turn: it holds a seat with its admission.
    await seat(second, 'orch-B-4').click();
    await expect.poll(() => seat(second, 'orch-B-4').getAttribute('aria-checked')).toBe('true');
    // The booking is in PostgreSQL, the way a user would see it: the seats are sold on every page.
    await expect.poll(() => picker(third).locator('circle[data-id].booked').count()).toBe(2);
    await expect.poll(() => seat(third, 'orch-B-4').getAttribute('class')).toContain('held');
  });

  it('sold out while waiting: told at once, and onto the waitlist with the party size it queued with', {
    timeout: 60_000,
  }, async () => {
    const eventId = await stack.createEvent(smallMap(1, 2), {
      directBooking: true,
      waitlistEnabled: true,
      waitingRoom: { enabled: true, admitPerMinute: null, maxActiveShoppers: 1 },
    });
    const first = await newPage();
    const second = await newPage();
    for (const page of [first, second]) {
      await page.goto(stack.pageUrl(eventId));
      await live(page);
    }
    await picker(first).getByRole('button', { name: 'Join the line' }).click();
    await expect
      .poll(() => picker(first).locator('[part~=admission-timer]').count(), { timeout: 20_000 })
      .toBe(1);
    await picker(second).getByLabel('Number of seats').fill('3');
    await picker(second).getByRole('button', { name: 'Join the line' }).click();
    await expect
      .poll(() => picker(second).locator('[data-position]').getAttribute('data-position'))
      .toBe('1');

    // The first books the last two seats.
    await picker(first).getByLabel('Number of seats').fill('2');
    await picker(first).getByRole('button', { name: 'Find best seats' }).click();
    await picker(first).getByRole('button', { name: 'Book 2 seats' }).click();
    await picker(first).locator('input[name=name]').fill('Ada');
    await picker(first).locator('input[name=email]').fill('ada@example.test');
    await picker(first).getByRole('button', { name: 'Confirm booking' }).click();
    await expect.poll(() => picker(first).locator('[part=confirmation]').count()).toBe(1);

    // The second is told, and offered the waitlist for the party it queued with.
    await expect
      .poll(() => picker(second).locator('[data-news]').textContent(), { timeout: 20_000 })
      .toBe('Sold out while you were in line.');
    const waitlist = picker(second).locator('[part=waitlist]');
    await expect.poll(() => waitlist.locator('input[name=quantity]').inputValue()).toBe('3');
    await waitlist.locator('input[name=name]').fill('Grace');
    await waitlist.locator('input[name=email]').fill('grace@example.test');
    await waitlist.getByRole('button', { name: 'Join the waitlist' }).click();
    await expect
      .poll(() => waitlist.locator('[data-position]').textContent())
      .toContain('number 1 on the waitlist');
  });
});
