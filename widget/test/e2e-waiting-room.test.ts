/**
 * End to end (real server, PostgreSQL, Redis): the sale window as attendees see it in Chromium. A
 * sale that opens in a few seconds shows a read-only map with a countdown and goes on sale by
 * itself; a pause reaches the page with the next hold. (The line itself: e2e-waiting-line.test.ts.)
 */
import { launchChromium } from '@happening/testing';
import { bearer } from '@happening/testing/server';
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
const control = (eventId: string, path: string) =>
  stack.app.inject({
    method: 'POST',
    url: `/api/v1/events/${eventId}${path}`,
    headers: bearer(stack.owner.token),
  });

describe('the sale window in the widget (real server)', () => {
  it('before onSaleAt: a read-only map with a countdown, on sale by itself at the time; a pause shows at the next pick', {
    timeout: 60_000,
  }, async () => {
    const onSaleAt = new Date(Date.now() + 6_000).toISOString();
    const eventId = await stack.createEvent(smallMap(1, 4), { onSaleAt });
    const page = await newPage();
    await page.goto(stack.pageUrl(eventId));
    await live(page);
    await expect.poll(() => picker(page).locator('[part=sale]').textContent()).toMatch(/On sale in 0:0\d/);
    expect(await picker(page).getByRole('button', { name: 'Find best seats' }).count()).toBe(0);
    await seat(page, 'orch-A-1').click();
    expect(await seat(page, 'orch-A-1').getAttribute('aria-checked')).toBe('false');

    // At onSaleAt the page goes on sale by itself and the server agrees.
    await expect
      .poll(() => picker(page).getByRole('button', { name: 'Find best seats' }).count(), { timeout: 15_000 })
      .toBe(1);
    await seat(page, 'orch-A-1').click();
    await expect.poll(() => seat(page, 'orch-A-1').getAttribute('aria-checked')).toBe('true');

    // The organizer pauses: the next pick is refused with the state, and the page says so.
    expect((await control(eventId, '/sale/pause')).statusCode).toBe(200);
    await seat(page, 'orch-A-2').click();
    await expect
      .poll(() => picker(page).locator('[part=sale]').textContent())
      .toBe('Sales are paused. Check back shortly.');
    expect(await seat(page, 'orch-A-2').getAttribute('aria-checked')).toBe('false');
  });
});
