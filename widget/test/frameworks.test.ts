import { launchChromium } from '@happening/testing';
import type { Browser, ElementHandle, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, PARTNER } from './fake-server.js';
import { bundlePartnerApp, openPartnerPage, SEAT_ID, SEAT_PRICE } from './frameworks/partner-page.js';

// The element inside React 19 and Vue 3 applications: the framework renders it like any tag,
// re-renders around it without touching its shadow DOM, and hears its events. React is the
// console workspace's dependency (hoisted to the root node_modules); Vue is the widget's own
// dev dependency, used only here.
let browser: Browser;
let reactBundle: string;
let vueBundle: string;

beforeAll(async () => {
  [reactBundle, vueBundle] = await Promise.all([
    bundlePartnerApp('react-app.ts'),
    // Vue's development build, so that its warnings (an unresolved component, a missing
    // isCustomElement) reach the console, and its full build, which compiles the page's template.
    bundlePartnerApp('vue-app.ts', {
      mode: 'development',
      define: {
        'process.env.NODE_ENV': '"development"',
        // What @vitejs/plugin-vue would define; left undefined, Vue warns about them.
        __VUE_OPTIONS_API__: 'true',
        __VUE_PROD_DEVTOOLS__: 'false',
        __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
      },
      resolve: { alias: [{ find: /^vue$/, replacement: 'vue/dist/vue.esm-bundler.js' }] },
    }),
  ]);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const picker = (page: Page) => page.locator('happening-seat-picker');
const seat = (page: Page) => page.locator(`happening-seat-picker circle[data-id="${SEAT_ID}"]`);
const joins = (fake: FakeServer) => fake.emits.filter(({ event }) => event === 'join').length;

/** The seat's price as this browser formats it for `locale` (what the element should show). */
const seatPrice = (page: Page, locale: string) =>
  page.evaluate(
    ({ locale, price }) =>
      new Intl.NumberFormat(locale, { style: 'currency', currency: price.currency }).format(
        price.minorUnits / 100,
      ),
    { locale, price: SEAT_PRICE },
  );

/** Waits for the live map; returns the element so later checks can tell it was never replaced. */
async function liveElement(page: Page): Promise<ElementHandle> {
  await expect
    .poll(() => page.locator('happening-seat-picker .connection').getAttribute('data-state'))
    .toBe('live');
  return (await picker(page).elementHandle())!;
}

/** The framework neither replaced nor moved the element: same node, one join, the pick kept. */
async function expectElementKept(page: Page, fake: FakeServer, element: ElementHandle): Promise<void> {
  expect(await element.evaluate((node) => node.isConnected)).toBe(true);
  await expect.poll(() => seat(page).getAttribute('aria-checked')).toBe('true');
  expect(joins(fake)).toBe(1);
}

it('works unchanged inside a React page', async () => {
  const { page, fake } = await openPartnerPage(browser, 'React partner', reactBundle);
  await page.goto(`${PARTNER}/`);
  const element = await liveElement(page);
  await seat(page).click();
  // React re-rendered on the event; the element kept its map and the pick.
  await expect.poll(() => page.locator('#react-held').textContent()).toBe(`React saw: ${SEAT_ID}`);
  await expectElementKept(page, fake, element);
  await page.close();
});

describe('works unchanged inside a Vue page', () => {
  it.for([
    ['when the widget script runs first', 'before-app'],
    // Vue renders the tag as an unknown element and sets its bindings before the class exists;
    // the element must still pick them up on upgrade, and Vue must not look for a component.
    ['when Vue renders the tag before the widget script runs', 'after-app'],
  ] as const)('%s', async ([, widgetScript]) => {
    const { page, fake } = await openPartnerPage(browser, 'Vue partner', vueBundle, { widgetScript });
    const vueWarnings: string[] = [];
    page.on('console', (message) => {
      if (/vue/i.test(message.text()) && ['warning', 'error'].includes(message.type()))
        vueWarnings.push(message.text());
    });
    page.on('pageerror', (error) => vueWarnings.push(error.message));
    await page.goto(`${PARTNER}/`);
    const element = await liveElement(page);
    await expect(page.locator('#vue-held').textContent()).resolves.toBe('Vue saw nothing yet');

    await seat(page).click();
    // `@happening-hold` reached Vue, which re-rendered and inserted a reminder before the element.
    await expect.poll(() => page.locator('#vue-held').textContent()).toBe(`Vue saw: ${SEAT_ID}`);
    await expect.poll(() => page.locator('#vue-reminder').isVisible()).toBe(true);
    await expectElementKept(page, fake, element);
    // The partner's wording, bound as a property from the first render, is the seat's label.
    await expect
      .poll(() => seat(page).getAttribute('aria-label'))
      .toBe(`Row A, seat 2, Premium, ${await seatPrice(page, 'en-US')}, in your basket`);

    // The page switches language: Vue sets the bound `locale` and `strings`, and the element
    // relabels its header and seats in place, keeping the attendee's pick.
    await page.locator('#vue-language').click();
    await expect
      .poll(() => page.locator('happening-seat-picker .connection').textContent())
      .toBe('En direct');
    await expect
      .poll(() => seat(page).getAttribute('aria-label'))
      .toBe(`Rang A, place 2, Premium, ${await seatPrice(page, 'fr-FR')}, choisie par vous`);
    await page.locator('#vue-language').click();
    await expect
      .poll(() => seat(page).getAttribute('aria-label'))
      .toBe(`Row A, seat 2, Premium, ${await seatPrice(page, 'en-US')}, in your basket`);
    await expectElementKept(page, fake, element);

    // Vue compiled the tag as a custom element: no "Failed to resolve component" or other warning.
    expect(vueWarnings).toEqual([]);
    await page.close();
  });
});
