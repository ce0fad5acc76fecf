/**
 * List mode: the seats as headings, lists and checkboxes instead of a map, for keyboard and
 * screen-reader users (and anyone who prefers it). Driven with the keyboard only, and checked in
 * the accessibility tree Chromium exposes to assistive technology.
 */
import { axeViolations, launchChromium } from '@happening/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_ID, hall, holdOf, type Opened, openPicker, TOKEN } from './picker-fixtures.js';

const map = hall(['Stalls', 'Circle'], 3, 6);

let browser: Browser;
let opened: Opened | undefined;
beforeAll(async () => {
  browser = await launchChromium();
});
afterEach(async () => {
  await opened?.context.close();
  opened = undefined;
});
afterAll(async () => {
  await browser?.close();
});

/** What has focus inside the element, as a person would name it. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const active = document.querySelector('happening-seat-picker')!.shadowRoot!
      .activeElement as HTMLElement | null;
    if (!active) return '';
    return (active.closest('label')?.textContent ?? active.textContent ?? '').replace(/\s+/g, ' ').trim();
  });

/** Tabs forward until what has focus matches (a keyboard user reads as they go). */
async function tabTo(page: Page, name: RegExp) {
  for (let presses = 0; presses < 40; presses++) {
    if (name.test(await focused(page))) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`never reached ${name} by Tab (last: ${await focused(page)})`);
}

const message = (page: Page) => page.locator('happening-seat-picker [part=message]').textContent();

describe('list mode', () => {
  it('picks, releases one seat and books with the keyboard only', async () => {
    opened = await openPicker(browser, map, { seats: { 'stalls-A-3': 'booked' } });
    const { page, fake } = opened;
    let held: string[] = [];
    fake.socket.set('hold', (payload) => {
      held = [...held, ...(payload as { seatIds: string[] }).seatIds];
      return { ok: true, data: holdOf(held) };
    });
    fake.rest.set(`DELETE /holds/${TOKEN}/seats/([^/]+)`, (_request, match) => {
      held = held.filter((id) => id !== decodeURIComponent(match[1]!));
      return { status: 200, body: holdOf(held) };
    });
    let booking: unknown;
    fake.rest.set(`POST /events/${EVENT_ID}/bookings`, (request) => {
      booking = request.postDataJSON();
      return {
        status: 201,
        body: {
          booking: { id: 'a1b2c3d4-0000-4000-8000-000000000000', seats: held, status: 'confirmed' },
          manageToken: 'manage',
        },
      };
    });

    // Offered visibly, first in the element; switching is announced.
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('Show as list');
    await page.keyboard.press('Enter');
    await expect.poll(() => message(page)).toBe('Seats are shown as a list.');
    expect(await focused(page)).toBe('Show as map');
    expect(await page.locator('happening-seat-picker svg.seats').isVisible()).toBe(false);

    await tabTo(page, /^Stalls/);
    expect(await focused(page)).toMatch(/^Stalls 17 left, from €89\.00$/);
    await page.keyboard.press('Enter');
    await tabTo(page, /^Seat 2$/);
    await page.keyboard.press('Space');
    await expect.poll(() => held).toEqual(['stalls-A-2']);
    // Seat 3 is sold: disabled, so Tab skips it.
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('Seat 4');
    await page.keyboard.press('Space');
    await expect.poll(() => held).toEqual(['stalls-A-2', 'stalls-A-4']);
    await expect
      .poll(() => page.locator('happening-seat-picker [role=timer]').textContent())
      .toMatch(/Held for you for [45]:\d\d/);
    const checkbox = (id: string) => page.locator(`happening-seat-picker .list input[data-id="${id}"]`);
    await expect.poll(() => checkbox('stalls-A-4').isChecked()).toBe(true);

    // Release one: Space on a checked seat.
    await page.keyboard.press('Space');
    await expect.poll(() => held).toEqual(['stalls-A-2']);
    await expect.poll(() => checkbox('stalls-A-4').isChecked()).toBe(false);
    expect(await checkbox('stalls-A-2').isChecked()).toBe(true);

    await tabTo(page, /^Book 1 seat$/);
    await page.keyboard.press('Enter');
    // The form opens with focus in its first field.
    await expect.poll(() => focused(page)).toBe('Name');
    await page.keyboard.type('Ada Lovelace');
    await page.keyboard.press('Tab');
    await page.keyboard.type('ada@example.com');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.locator('happening-seat-picker [part=confirmation]').textContent())
      .toContain('A1B2C3D4');
    expect(booking).toEqual({
      holdToken: TOKEN,
      attendee: { name: 'Ada Lovelace', email: 'ada@example.com' },
    });
  });

  it('is headings per section and a list per row to assistive technology, axe clean, remembered on reload', async () => {
    opened = await openPicker(browser, map, { seats: { 'stalls-A-3': 'booked' } });
    const { page, fake } = opened;
    await page.getByRole('button', { name: 'Show as list' }).click();
    await page.getByRole('button', { name: /^Stalls/ }).click();
    const tree = await page.locator('happening-seat-picker').ariaSnapshot();
    // Each section a heading (its button says what is left and from what price) …
    expect(tree).toMatch(/- heading "Stalls 17 left, from €89\.00" \[level=3\]/);
    expect(tree).toMatch(/- heading "Circle 18 left, from €25\.00" \[level=3\]/);
    // … each row of an open section one named list, each seat a checkbox in it.
    for (const row of ['A', 'B', 'C']) expect(tree).toContain(`- list "Row ${row}":`);
    const rowA = tree.slice(tree.indexOf('- list "Row A":'), tree.indexOf('- list "Row B":'));
    expect(rowA.match(/- listitem:/g)).toHaveLength(6);
    expect(rowA.match(/- checkbox "Seat \d[^"]*"/g)).toHaveLength(6);
    expect(tree).toMatch(/- checkbox "Seat 3 sold" \[disabled\]/);
    // The map is not in the tree while the list is shown.
    expect(tree).not.toContain('Seat map');
    expect(await axeViolations(page)).toEqual([]);

    // Best available from the list, for this section.
    let body: unknown;
    fake.rest.set(`POST /events/${EVENT_ID}/holds`, (request) => {
      body = request.postDataJSON();
      return { status: 200, body: holdOf(['stalls-B-3', 'stalls-B-4']) };
    });
    await page.getByRole('button', { name: 'Find 2 best seats here' }).click();
    await expect.poll(() => page.locator('happening-seat-picker .list input:checked').count()).toBe(2);
    expect(body).toEqual({ bestAvailable: { quantity: 2, section: 'stalls' } });

    // Remembered for the page: a reload comes back as a list.
    fake.rest.set(`GET /holds/${TOKEN}`, () => ({
      status: 404,
      body: { error: { code: 'HOLD_NOT_FOUND', message: 'x' } },
    }));
    await page.reload();
    await expect.poll(() => page.getByRole('button', { name: 'Show as map' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Show as map' }).click();
    await expect.poll(() => page.locator('happening-seat-picker svg.seats').isVisible()).toBe(true);
    await expect.poll(() => message(page)).toBe('Seats are shown as a map.');
  });

  it('opens the only section of a one-section map at once, after a reload too', async () => {
    opened = await openPicker(browser, hall(['Stalls'], 2, 3));
    const { page } = opened;
    await page.getByRole('button', { name: 'Show as list' }).click();
    const rows = page.locator('happening-seat-picker .list ul');
    await expect.poll(() => rows.count()).toBe(2);
    await page.reload();
    await expect.poll(() => rows.count()).toBe(2);
    expect(await page.getByRole('button', { name: /^Stalls/ }).getAttribute('aria-expanded')).toBe('true');
  });
});
