/**
 * The element speaks the page's language (or its `locale`), fetching that language's strings
 * from the server, and shows an attendee a sentence for every failure: never the server's own
 * text, which goes with the code to the `happening-error` event.
 */
import { launchChromium } from '@happening/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hall, holdOf, type Opened, openPicker, TOKEN } from './picker-fixtures.js';

const map = hall(['Stalls'], 2, 4);

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

const seat = (page: Page, id: string) => page.locator(`happening-seat-picker circle[data-id="${id}"]`);
const message = (page: Page) => page.locator('happening-seat-picker [part=message]').textContent();
const errors = (page: Page) =>
  page.evaluate(() => (window as unknown as { errors: { code: string; message: string }[] }).errors);

describe('languages and the sentences an attendee reads', () => {
  it.each([
    ['the page is in German', { lang: 'de' }, 'Reihe A, Platz 1, Premium, 89,00 €, frei', 'Als Liste zeigen'],
    [
      'the page is in French (fr-CA)',
      { lang: 'fr-CA' },
      'Rang A, place 1, Premium, 89,00 €, libre',
      'Afficher en liste',
    ],
    [
      'the element says es',
      { attributes: 'locale="es-ES"' },
      'Fila A, asiento 1, Premium, 89,00 €, libre',
      'Ver como lista',
    ],
    [
      'the page is in Italian (not shipped: English)',
      { lang: 'it' },
      'Row A, seat 1, Premium, 89,00 €, available',
      'Show as list',
    ],
  ])('when %s', async (_when, options, label, toggle) => {
    opened = await openPicker(browser, map, options);
    const { page } = opened;
    await expect
      .poll(async () =>
        (await seat(page, 'stalls-A-1').getAttribute('aria-label'))?.replaceAll('\u00a0', ' '),
      )
      .toBe(label);
    expect(await page.getByRole('button', { name: toggle }).count()).toBe(1);
  });

  it('shows a sentence, not the server’s message, and gives the page the code', async () => {
    opened = await openPicker(browser, map);
    const { page, fake } = opened;
    await page.evaluate(() => {
      const seen: unknown[] = [];
      (window as unknown as { errors: unknown[] }).errors = seen;
      document.addEventListener('happening-error', (event) => seen.push((event as CustomEvent).detail));
    });
    fake.socket.set('hold', () => ({ ok: true, data: holdOf(['stalls-A-1']) }));
    // What the issue saw: a validation message from the server, in the attendee's face.
    const raw = 'params.holdToken must NOT have more than 64 characters';
    fake.rest.set(`DELETE /holds/${TOKEN}/seats/(.+)`, () => ({
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', message: raw } },
    }));
    await seat(page, 'stalls-A-1').click();
    await expect.poll(() => seat(page, 'stalls-A-1').getAttribute('aria-checked')).toBe('true');
    await page.getByRole('button', { name: 'Release Row A, seat 1' }).click();
    await expect.poll(() => message(page)).toBe('That did not work. Please reload the page and try again.');
    expect(
      await page.locator('happening-seat-picker').evaluate((el) => el.shadowRoot!.textContent),
    ).not.toContain('must NOT');
    expect(await errors(page)).toEqual([{ code: 'VALIDATION_FAILED', message: raw }]);

    // A code this widget does not know: the generic sentence, the code to the page.
    fake.rest.set(`DELETE /holds/${TOKEN}/seats/(.+)`, () => ({
      status: 409,
      body: { error: { code: 'SOMETHING_NEW', message: 'internal detail' } },
    }));
    await page.getByRole('button', { name: 'Release Row A, seat 1' }).click();
    await expect.poll(() => message(page)).toBe('Something went wrong. Please try again.');
    expect((await errors(page)).at(-1)).toEqual({ code: 'SOMETHING_NEW', message: 'internal detail' });

    // The network gone: its own sentence, translated like the rest (a partner override wins).
    await page.evaluate(() => {
      document.querySelector('happening-seat-picker')!.strings = { NETWORK_ERROR: 'Offline – bitte erneut.' };
    });
    await page.route(`**/api/v1/holds/**`, (route) => route.abort('internetdisconnected'));
    await page.getByRole('button', { name: 'Release Row A, seat 1' }).click();
    await expect.poll(() => message(page)).toBe('Offline – bitte erneut.');
    expect((await errors(page)).at(-1)?.code).toBe('NETWORK_ERROR');
  });

  it('the rate limit and a missing admission read as what they are', async () => {
    opened = await openPicker(browser, map, { lang: 'de' });
    const { page, fake } = opened;
    for (const [code, sentence] of [
      [
        'RATE_LIMITED',
        'Zu viele Versuche in kurzer Zeit. Bitte warten Sie einen Moment und versuchen Sie es erneut.',
      ],
      [
        'ADMISSION_REQUIRED',
        'Bitte warten Sie im Warteraum, bis Sie an der Reihe sind, bevor Sie Plätze wählen.',
      ],
    ] as const) {
      fake.socket.set('hold', () => ({ ok: false, error: { code, message: `server says ${code}` } }));
      await seat(page, 'stalls-B-2').click();
      await expect.poll(() => message(page)).toBe(sentence);
      await expect.poll(() => seat(page, 'stalls-B-2').getAttribute('aria-checked')).toBe('false');
    }
  });
});
