import { launchChromium } from '@happening/testing';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { live, loggedEvents, type Stack, seat, seatLabel, smallMap, startStack } from './e2e-stack.js';

// Its own file so its one unavoidable wait (the shortest hold an event allows is 30 s) overlaps
// with the other test files instead of adding to them.
let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

it('frees an expired hold for everyone and tells the holder', { timeout: 75_000 }, async () => {
  const eventId = await stack.createEvent(smallMap(1, 3), { directBooking: false, holdTtlSeconds: 30 });
  const open = async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(stack.pageUrl(eventId));
    return page;
  };
  const [a, b] = await Promise.all([open(), open()]);
  await Promise.all([live(a), live(b)]);

  await seat(a, 'orch-A-1').click();
  await expect
    .poll(() => seatLabel(b, 'orch-A-1'), { timeout: 1_000, interval: 50 })
    .toContain('held by someone else');
  // Without direct booking the element hands the hold to the partner page instead of booking.
  await a.locator('happening-seat-picker').getByRole('button', { name: 'Continue to checkout' }).click();
  expect(await loggedEvents(a)).toEqual(['happening-hold', 'happening-hold']);
  expect(await a.locator('#event-log li').first().textContent()).toContain(
    'happening-hold (checkout): orch-A-1',
  );

  const expired = { timeout: 45_000, interval: 250 };
  await expect.poll(() => seatLabel(b, 'orch-A-1'), expired).toContain('available');
  await expect
    .poll(() => a.locator('happening-seat-picker .message').textContent(), expired)
    .toContain('Your hold expired');
  expect((await loggedEvents(a))[0]).toBe('happening-hold-expired');
  await expect.poll(() => seat(a, 'orch-A-1').getAttribute('aria-checked')).toBe('false');
  expect(await a.evaluate((id) => sessionStorage.getItem(`happening:${id}`), eventId)).toBeNull();
});
