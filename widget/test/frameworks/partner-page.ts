/**
 * What the framework tests share: a partner application bundled the way a partner's own build
 * would (Vite, library mode), and a partner page that loads the element's bundle and that app
 * from their own origins, with one small on-sale event behind the fake server.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { build, type InlineConfig, mergeConfig } from 'vite';
import { API, type FakeServer, fakeServer, PARTNER } from '../fake-server.js';

export const EVENT_ID = '6f1c1d53-3a55-4d4e-9a53-2f1d2b7a9c10';
/** The seat the tests pick; the only price category costs 50.00 EUR. */
export const SEAT_ID = 'orch-A-2';
export const SEAT_PRICE = { minorUnits: 5000, currency: 'EUR' };

/**
 * Bundles `frameworks/<file>` into one ES module. `config` adds what one framework needs
 * (defines, aliases); the production build is the default.
 */
export async function bundlePartnerApp(file: string, config: InlineConfig = {}): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'happening-partner-'));
  try {
    const base: InlineConfig = {
      configFile: false,
      logLevel: 'silent',
      mode: 'production',
      define: { 'process.env.NODE_ENV': '"production"' },
      build: {
        outDir,
        minify: false,
        lib: {
          entry: fileURLToPath(new URL(file, import.meta.url)),
          formats: ['es'],
          fileName: () => 'app.js',
        },
      },
    };
    await build(mergeConfig(base, config));
    return await readFile(join(outDir, 'app.js'), 'utf8');
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

/**
 * A partner page on its own origin with the element's script tag and the partner's app, which
 * mounts into `#root` and reads the server and event id from its data attributes. Module scripts
 * run in document order: with the widget's script after the app, the framework renders the tag
 * before the browser knows it (as when a partner adds the script tag at the end of the page).
 */
export async function openPartnerPage(
  browser: Browser,
  title: string,
  appBundle: string,
  { widgetScript = 'before-app' }: { widgetScript?: 'before-app' | 'after-app' } = {},
): Promise<{ page: Page; fake: FakeServer }> {
  const page = await browser.newPage();
  const scripts = [
    `<script type="module" src="${API}/widget/happening.js"></script>`,
    `<script type="module" src="${PARTNER}/app.js"></script>`,
  ];
  if (widgetScript === 'after-app') scripts.reverse();
  const fake = await fakeServer(
    page,
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
    ${scripts.join('\n    ')}</head>
    <body><div id="root" data-server="${API}" data-event="${EVENT_ID}"></div></body></html>`,
  );
  await page.route(`${PARTNER}/app.js`, (route) =>
    route.fulfill({ contentType: 'text/javascript', body: appBundle }),
  );
  serveOneRowEvent(fake, title);
  return { page, fake };
}

/** One on-sale event of three seats in one row; holding answers with `SEAT_ID` held. */
function serveOneRowEvent(fake: FakeServer, name: string): void {
  const seatMap = {
    sections: [
      { id: 'orch', label: 'Orchestra', kind: 'reserved', category: 'p', rows: [{ label: 'A', seats: 3 }] },
    ],
    categories: [{ key: 'p', label: 'Premium', price: SEAT_PRICE.minorUnits, currency: SEAT_PRICE.currency }],
  };
  const snapshot = {
    eventId: EVENT_ID,
    version: 1,
    sections: [{ id: 'orch', capacity: 3, available: 3, held: 0, booked: 0, blocked: 0 }],
    seats: {},
    waitlistLength: 0,
  };
  fake.rest.set(`GET /events/${EVENT_ID}`, () => ({
    status: 200,
    body: {
      event: {
        id: EVENT_ID,
        orgId: EVENT_ID,
        name,
        startsAt: '2030-01-01T20:00:00.000Z',
        venue: 'Hall',
        status: 'on_sale',
        seatMap,
        holdTtlSeconds: 300,
        maxSeatsPerBooking: 4,
        directBooking: false,
        waitlistEnabled: false,
        waitlistMode: 'auto',
        offerWindowSeconds: 600,
        maxSeatsPerAddress: null,
        maxHoldsPerAddress: 4,
        proofOfWork: false,
        capacity: 3,
        createdAt: '2030-01-01T00:00:00.000Z',
      },
    },
  }));
  fake.rest.set(`GET /events/${EVENT_ID}/availability`, () => ({ status: 200, body: snapshot }));
  fake.socket.set('join', () => ({ ok: true, data: snapshot }));
  fake.socket.set('hold', () => ({
    ok: true,
    data: {
      holdToken: `${EVENT_ID}.t`,
      eventId: EVENT_ID,
      expiresAt: new Date(Date.now() + 300_000).toISOString(),
      seats: [SEAT_ID],
      general: [],
      extensionsLeft: 2,
    },
  }));
}
