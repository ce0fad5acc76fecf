import { launchChromium } from '@happening/testing';
import { bearer } from '@happening/testing/server';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { live, loggedEvents, type Stack, seat, seatLabel, smallMap, startStack } from './e2e-stack.js';

/**
 * The "×" beside one seat of the attendee's selection, in a real browser against the real server:
 * it releases exactly that seat (with a real, 74-character hold token) and another attendee can
 * take it at once.
 */

let stack: Stack;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchChromium()]);
});
afterAll(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await browser?.close();
  await stack?.close();
});

/** Each attendee in a browser context of their own: their own sessionStorage, their own hold. */
async function attendeePage(url: string): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(url);
  await live(page);
  return page;
}

const picker = (page: Page) => page.locator('happening-seat-picker');
const checked = (page: Page, id: string) => seat(page, id).getAttribute('aria-checked');
const holdTokenOf = (page: Page, eventId: string) =>
  page.evaluate(
    (key) => JSON.parse(sessionStorage.getItem(key) ?? '{}').holdToken as string,
    `happening:${eventId}`,
  );

describe('releasing one seat of a selection', () => {
  it('frees exactly that seat, and another attendee can hold it', async () => {
    const eventId = await stack.createEvent(smallMap(), { directBooking: true });
    const [a, b] = [await attendeePage(stack.pageUrl(eventId)), await attendeePage(stack.pageUrl(eventId))];

    for (const id of ['orch-A-1', 'orch-A-2', 'orch-A-3']) {
      await seat(a, id).click();
      await expect.poll(() => checked(a, id)).toBe('true');
    }
    // The server granted all three (the summary lists a "×" per held seat).
    await expect
      .poll(() =>
        picker(a)
          .getByRole('button', { name: /^Release Row A/ })
          .count(),
      )
      .toBe(3);
    for (const id of ['orch-A-1', 'orch-A-2', 'orch-A-3'])
      await expect.poll(() => seatLabel(b, id)).toContain('held by someone else');
    const token = await holdTokenOf(a, eventId);
    expect(token).toHaveLength(74);

    await picker(a).getByRole('button', { name: 'Release Row A, seat 2' }).click();

    // A: only that seat left the selection; the hold keeps the other two.
    await expect.poll(() => checked(a, 'orch-A-2')).toBe('false');
    expect([await checked(a, 'orch-A-1'), await checked(a, 'orch-A-3')]).toEqual(['true', 'true']);
    await expect
      .poll(() =>
        picker(a)
          .getByRole('button', { name: /^Release Row A/ })
          .count(),
      )
      .toBe(2);
    expect(await loggedEvents(a)).not.toContain('happening-error');
    expect(await picker(a).locator('.message').getAttribute('data-kind')).not.toBe('error');
    const hold = await stack.app.inject({
      url: `/api/v1/holds/${token}`,
      headers: bearer(stack.publishableKey),
    });
    expect(hold.json().seats).toEqual(['orch-A-1', 'orch-A-3']);

    // B: the seat comes back as available, and B can hold it.
    await expect.poll(() => seatLabel(b, 'orch-A-2')).not.toContain('held by someone else');
    expect(await seatLabel(b, 'orch-A-1')).toContain('held by someone else');
    await seat(b, 'orch-A-2').click();
    await expect.poll(() => checked(b, 'orch-A-2')).toBe('true');
    await expect.poll(() => picker(b).getByRole('timer').count()).toBe(1);
    const other = await holdTokenOf(b, eventId);
    expect(other).not.toBe(token);
    const theirs = await stack.app.inject({
      url: `/api/v1/holds/${other}`,
      headers: bearer(stack.publishableKey),
    });
    expect(theirs.json().seats).toEqual(['orch-A-2']);
    // And A sees it taken by someone else now.
    await expect.poll(() => seatLabel(a, 'orch-A-2')).toContain('held by someone else');
  });
});
