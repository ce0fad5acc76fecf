import { launchChromium } from '@happening/testing';
import { bearer } from '@happening/testing/server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { live, loggedEvents, type Stack, seat, smallMap, startStack } from './e2e-stack.js';

// The server runs with the default difficulty (POW_MAX_NUMBER): what a real attendee's browser solves.
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

it('on an event with proof of work, the attendee picks seats and gets the hold without doing anything extra', {
  timeout: 60_000,
}, async () => {
  const eventId = await stack.createEvent(smallMap(2, 5), { directBooking: false, proofOfWork: true });
  const page = await (await browser.newContext()).newPage();
  await page.goto(stack.pageUrl(eventId));
  await live(page);

  // Over the socket (named seats), then over REST (best available): each hold is asked for proof.
  await seat(page, 'orch-A-3').click();
  await expect
    .poll(() => seat(page, 'orch-A-3').getAttribute('aria-checked'), { timeout: 15_000 })
    .toBe('true');
  await seat(page, 'orch-A-4').click();
  await expect
    .poll(() => seat(page, 'orch-A-4').getAttribute('aria-checked'), { timeout: 15_000 })
    .toBe('true');
  await picker(page).getByLabel('Number of seats').fill('2');
  await picker(page).getByRole('button', { name: 'Find best seats' }).click();
  await expect
    .poll(() => picker(page).locator('circle[aria-checked="true"]').count(), { timeout: 15_000 })
    .toBe(4);

  // Nothing to read or click: no error, and the page heard only of holds.
  expect(await picker(page).locator('.message').getAttribute('data-kind')).not.toBe('error');
  expect(new Set(await loggedEvents(page))).toEqual(new Set(['happening-hold']));
  const stats = await stack.app.inject({
    url: `/api/v1/events/${eventId}/stats`,
    headers: bearer(stack.owner.token),
  });
  // One hold: each pick after the first joined the same hold token, each with its own proof.
  expect(stats.json()).toMatchObject({ held: 4, activeHolds: 1 });
});
