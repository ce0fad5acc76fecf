/**
 * The seat picker on a phone (390×844, touch) and a tablet (768×1024): pinch and two-finger pan,
 * a first tap that zooms seats drawn too small to hit, a double tap, a page that still scrolls
 * past the map, tap targets, and the selection within reach. Touch is real touch input: CDP's
 * Input.dispatchTouchEvent, which Chromium turns into pointer and touch events as a finger would.
 */
import { axeViolations, launchChromium } from '@happening/testing';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hall, holdOf, type Opened, openPicker } from './picker-fixtures.js';

const PHONE = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true };
const TABLET = { viewport: { width: 768, height: 1024 }, hasTouch: true, isMobile: true };
const map = hall(['Stalls', 'Circle', 'Balcony']);

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
const viewBox = async (page: Page) =>
  (await page.locator('happening-seat-picker svg.seats').getAttribute('viewBox'))!.split(' ').map(Number) as [
    number,
    number,
    number,
    number,
  ];
async function centreOf(page: Page, id: string) {
  const box = (await seat(page, id).boundingBox())!;
  return { x: box.x + box.width / 2, y: box.y + box.height / 2, size: box.width };
}

type Finger = { x: number; y: number };
/** Fingers down at `from`, moved in steps to `to`, lifted: one finger scrolls, two pinch or pan. */
async function gesture(cdp: CDPSession, from: Finger[], to: Finger[], steps = 8) {
  const at = (t: number) =>
    from.map((start, i) => ({
      x: start.x + (to[i]!.x - start.x) * t,
      y: start.y + (to[i]!.y - start.y) * t,
      id: i,
    }));
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: at(0) });
  for (let step = 1; step <= steps; step++)
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: at(step / steps) });
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
}

describe('the seat picker on a phone', () => {
  it('opens with seats too small to hit, so the first tap zooms there and the next one picks', async () => {
    opened = await openPicker(browser, map, PHONE);
    const { page, fake } = opened;
    fake.socket.set('hold', () => ({ ok: true, data: holdOf(['circle-C-15']) }));
    const before = await centreOf(page, 'circle-C-15');
    // At the opening zoom a seat is well under WCAG 2.2's 24 px …
    expect(before.size).toBeLessThan(24);
    await page.locator('happening-seat-picker svg.seats').scrollIntoViewIfNeeded();
    const target = await centreOf(page, 'circle-C-15');
    await page.touchscreen.tap(target.x, target.y);
    // … so that tap zoomed in around it instead of picking a seat the finger may have missed.
    await expect.poll(async () => (await centreOf(page, 'circle-C-15')).size).toBeGreaterThanOrEqual(24);
    expect(await seat(page, 'circle-C-15').getAttribute('aria-checked')).toBe('false');
    expect(fake.emits.filter((emit) => emit.event === 'hold')).toEqual([]);
    await expect
      .poll(() => page.locator('happening-seat-picker [part=message]').textContent())
      .toMatch(/Zoomed in/);
    const zoomed = await centreOf(page, 'circle-C-15');
    // Wait out the double-tap window: this is a second, separate tap.
    await page.waitForTimeout(400);
    await page.touchscreen.tap(zoomed.x, zoomed.y);
    await expect.poll(() => seat(page, 'circle-C-15').getAttribute('aria-checked')).toBe('true');
    expect(fake.emits.filter((emit) => emit.event === 'hold').map((emit) => emit.payload)).toEqual([
      expect.objectContaining({ seatIds: ['circle-C-15'] }),
    ]);
  });

  it('pinches to zoom and pans with two fingers, and one finger still scrolls the page past it', async () => {
    opened = await openPicker(browser, map, PHONE);
    const { page, context } = opened;
    const cdp = await context.newCDPSession(page);
    const svg = page.locator('happening-seat-picker svg.seats');
    await svg.scrollIntoViewIfNeeded();
    const box = (await svg.boundingBox())!;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    const [, , fullWidth] = await viewBox(page);
    const top = await page.evaluate(() => window.scrollY);

    await gesture(
      cdp,
      [
        { x: cx - 20, y: cy },
        { x: cx + 20, y: cy },
      ],
      [
        { x: cx - 100, y: cy },
        { x: cx + 100, y: cy },
      ],
    );
    const [x1, y1, pinched] = await viewBox(page);
    // Fingers 5× further apart: about 5× the zoom (a fifth of the map across).
    expect(pinched).toBeLessThan(fullWidth / 3);
    // The pinch was the map's: the page neither scrolled nor zoomed under it.
    expect(await page.evaluate(() => window.scrollY)).toBe(top);
    expect(await page.evaluate(() => window.visualViewport?.scale)).toBe(1);

    // Both fingers to the right: the map follows them (what was left of centre comes into view).
    await gesture(
      cdp,
      [
        { x: cx - 40, y: cy },
        { x: cx + 40, y: cy },
      ],
      [
        { x: cx + 40, y: cy + 30 },
        { x: cx + 120, y: cy + 30 },
      ],
    );
    const [x2, y2, panned] = await viewBox(page);
    expect(panned).toBeCloseTo(pinched, 0);
    expect(x2).toBeLessThan(x1);
    expect(y2).toBeLessThan(y1);

    // One finger up the zoomed map scrolls the page: the map never traps the scroll.
    const scrolled = await page.evaluate(() => window.scrollY);
    await gesture(cdp, [{ x: cx, y: cy + 150 }], [{ x: cx, y: cy - 150 }], 12);
    await expect.poll(() => page.evaluate(() => window.scrollY)).toBeGreaterThan(scrolled + 100);
    expect((await viewBox(page))[0]).toBe(x2);
  });

  it('zooms in on a double tap without picking a seat', async () => {
    opened = await openPicker(browser, map, PHONE);
    const { page, fake } = opened;
    const svg = page.locator('happening-seat-picker svg.seats');
    await svg.scrollIntoViewIfNeeded();
    // Between two sections: no seat under the finger.
    const stallsEnd = await centreOf(page, 'stalls-H-15');
    const circleStart = await centreOf(page, 'circle-A-15');
    const x = stallsEnd.x;
    const y = (stallsEnd.y + circleStart.y) / 2;
    const [, , before] = await viewBox(page);
    await page.touchscreen.tap(x, y);
    await page.touchscreen.tap(x, y);
    await expect.poll(async () => (await viewBox(page))[2]).toBeLessThan(before / 1.8);
    expect(fake.emits.filter((emit) => emit.event === 'hold')).toEqual([]);
  });

  it.each([
    ['390×844', PHONE],
    ['768×1024', TABLET],
  ])(
    'at %s: targets of at least 24 px, the selection in reach beside the map, axe clean',
    async (_size, device) => {
      opened = await openPicker(browser, map, device);
      const { page, fake } = opened;
      fake.socket.set('hold', () => ({ ok: true, data: holdOf(['stalls-A-1']) }));
      // Every button, input and checkbox the element shows is a big enough target.
      const small = await page.evaluate(() =>
        [...document.querySelector('happening-seat-picker')!.shadowRoot!.querySelectorAll('button, input')]
          .map((element) => ({ element, box: element.getBoundingClientRect() }))
          .filter(({ box }) => box.width > 0 && (box.width < 24 || box.height < 24))
          .map(({ element, box }) => `${element.outerHTML.slice(0, 60)} ${box.width}×${box.height}`),
      );
      expect(small).toEqual([]);
      // The zoom buttons sit above the map, not over its seats or labels.
      const zoomBar = (await page.locator('happening-seat-picker [part=zoom-controls]').boundingBox())!;
      const svg = (await page.locator('happening-seat-picker svg.seats').boundingBox())!;
      expect(zoomBar.y + zoomBar.height).toBeLessThanOrEqual(svg.y + 1);

      // Pick with the keyboard (the same at any size), then look at the map: the selection, its
      // countdown and checkout stay on screen below it.
      await seat(page, 'stalls-A-1').focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => seat(page, 'stalls-A-1').getAttribute('aria-checked')).toBe('true');
      await page.evaluate(() =>
        document
          .querySelector('happening-seat-picker')!
          .shadowRoot!.querySelector('svg.seats')!
          .scrollIntoView(),
      );
      const viewport = page.viewportSize()!;
      const checkout = (await page.getByRole('button', { name: 'Book 1 seat' }).boundingBox())!;
      const timer = (await page.locator('happening-seat-picker [role=timer]').boundingBox())!;
      const legend = (await page.locator('happening-seat-picker [part=legend]').boundingBox())!;
      const mapNow = (await page.locator('happening-seat-picker svg.seats').boundingBox())!;
      for (const box of [checkout, timer, legend]) {
        expect(box.y).toBeGreaterThanOrEqual(0);
        expect(box.y + box.height).toBeLessThanOrEqual(viewport.height);
      }
      // … and most of the screen is still map.
      const mapVisible = Math.min(mapNow.y + mapNow.height, legend.y) - Math.max(0, mapNow.y);
      expect(mapVisible).toBeGreaterThan(viewport.height * 0.3);
      expect(await axeViolations(page)).toEqual([]);
    },
  );
});
