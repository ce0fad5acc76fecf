/**
 * Suite 5, widget: the bundle's gzip size, the first render of a large seat map in headless
 * Chromium (the partner demo page, the real server, a published event), and how long a seat
 * change takes to be painted once its Socket.IO message arrived.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { defineInventoryCommands, runInventoryScript } from '@happening/server/inventory';
import { launchChromium } from '@happening/testing';
import { startDemoServer } from '@happening/widget/demo';
import { Redis } from 'ioredis';
import { newOrganizer, publishedEvent } from '../lib/api.js';
import { REDIS_URL } from '../lib/config.js';
import { startServer } from '../lib/server.js';
import { median, nowMs, percentile } from '../lib/stats.js';
import type { SuiteContext } from '../lib/suite.js';

const bundlePath = fileURLToPath(new URL('../../widget/dist/happening.js', import.meta.url));

/**
 * Installed before the page's own scripts: times when the map is complete and painted, and when
 * each WebSocket message arrived, so paint latency is measured inside the page's own clock.
 */
const probe = (seats: number) => `
(() => {
  const Native = window.WebSocket;
  window.__lastMessageAt = 0;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => { window.__lastMessageAt = performance.now(); });
    }
  };
  // Checked in each frame's animation callbacks, before its style, layout and paint: the whole map
  // is visible once every seat is in the DOM as a dot of the sketch (one "M" per seat in its paths)
  // or as a circle; complete once every seat is a circle. Each moment is timed by a task queued
  // from there, which runs after that frame is painted (and before the element's own task, queued
  // later in the same frame).
  window.__firstRender = new Promise((resolve) => {
    const times = {};
    const painted = (name) => {
      times[name + 'Drawn'] = performance.now();
      setTimeout(() => {
        times[name] = performance.now();
        if (times.complete !== undefined && times.visible !== undefined) resolve(times);
      }, 0);
    };
    const check = () => {
      const root = document.querySelector('happening-seat-picker')?.shadowRoot;
      if (root && times.visibleDrawn === undefined) {
        const dots = [...root.querySelectorAll('svg.seats .sketch path')]
          .reduce((n, path) => n + (path.getAttribute('d').match(/M/g)?.length ?? 0), 0);
        if (dots >= ${seats} || root.querySelectorAll('circle[data-id]').length >= ${seats}) painted('visible');
      }
      if (root && root.querySelectorAll('circle[data-id]').length >= ${seats}) painted('complete');
      else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  });
  window.__paints = [];
  window.__watch = () => {
    const root = document.querySelector('happening-seat-picker').shadowRoot;
    new MutationObserver((records) => {
      const messageAt = window.__lastMessageAt;
      const changed = records.filter((r) => r.target.matches?.('circle[data-id]') && r.target.classList.contains('held'));
      if (changed.length === 0) return;
      const mutatedAt = performance.now();
      requestAnimationFrame(() => setTimeout(() => {
        for (const record of changed)
          window.__paints.push({ id: record.target.dataset.id, messageAt, mutatedAt, paintedAt: performance.now(), origin: performance.timeOrigin });
      }, 0));
    }).observe(root, { subtree: true, attributes: true, attributeFilter: ['class'] });
  };
})();`;

export async function widgetSuite(context: SuiteContext): Promise<void> {
  const { seats, updates } = context.sizes.widget;
  if (!existsSync(bundlePath)) {
    context.progress('widget: building the bundle (npm run widget:build)');
    const { buildWidget } = await import('@happening/widget/build');
    await buildWidget();
  }
  const bundle = readFileSync(bundlePath);
  const gzipKb = gzipSync(bundle, { level: 9 }).length / 1024;
  context.figure({
    suite: 'widget',
    name: 'bundle size, gzip -9',
    value: gzipKb,
    unit: 'KB',
    goal: '≤ 35 KB',
    met: gzipKb <= 35,
    detail: `widget/dist/happening.js, ${(bundle.length / 1024).toFixed(1)} KB raw, built ${statSync(bundlePath).mtime.toISOString()}`,
  });

  const server = await startServer(context.profile ? { profile: 'widget-server' } : {});
  // Everything started after the server is stopped in `finally`, even when starting it failed
  // (a missing Chromium once left a server running after the run).
  let demo: Awaited<ReturnType<typeof startDemoServer>> | undefined;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  const redis = new Redis(REDIS_URL, { connectionName: 'happening-bench-widget-driver' });
  defineInventoryCommands(redis);
  try {
    demo = await startDemoServer({ server: server.url, eventId: '', publishableKey: '', port: 0 });
    browser = await launchChromium();
    const organizer = await newOrganizer(server.url, [demo.url]);
    const event = await publishedEvent(organizer, seats);
    const pageUrl = `${demo.url}/?event=${event.eventId}&key=${encodeURIComponent(organizer.publishableKey)}`;
    context.progress(`widget: ${seats}-seat map in Chromium ${browser.version()}`);
    const visibleRenders: number[] = [];
    const completeRenders: number[] = [];
    const paintLatencies: number[] = [];
    const endToEnd: number[] = [];
    let seatIndex = 0;
    for (let round = 0; round < context.sizes.rounds; round++) {
      const page = await browser.newPage();
      await page.addInitScript(probe(seats));
      // Warm load first (the server's caches and Chromium's HTTP cache, as for a returning visitor),
      // then the measured load.
      await page.goto(pageUrl);
      await page.evaluate('window.__firstRender');
      await page.goto(pageUrl);
      const render = (await page.evaluate('window.__firstRender')) as Record<
        'visible' | 'visibleDrawn' | 'complete' | 'completeDrawn',
        number
      >;
      visibleRenders.push(render.visible);
      completeRenders.push(render.complete);
      await page.evaluate('window.__watch()');
      // Playwright installs its injected script on a page's first waitForFunction (a 12 ms script
      // evaluation and a GC in a trace): done here, so the first measured change does not pay it.
      await page.waitForFunction(() => document.readyState === 'complete');
      for (let i = 0; i < updates; i++) {
        const seat = event.seatIds[seatIndex++ % event.seatIds.length]!;
        const issuedAt = nowMs();
        await runInventoryScript(redis, event.eventId, 'hold', {
          token: `${event.eventId}.hold_bench${round}x${i}`,
          existing: false,
          seats: [seat],
          general: [],
          max: 10,
          ttl: 600_000,
        });
        await page.waitForFunction(
          (id) => (window as unknown as { __paints: { id: string }[] }).__paints.some((p) => p.id === id),
          seat,
        );
        const paint = (await page.evaluate(
          (id) =>
            (window as unknown as { __paints: Record<string, number | string>[] }).__paints.find(
              (p) => p.id === id,
            ),
          seat,
        )) as { messageAt: number; paintedAt: number; origin: number };
        paintLatencies.push(paint.paintedAt - paint.messageAt);
        endToEnd.push(paint.origin + paint.paintedAt - issuedAt);
      }
      await page.close();
      context.progress(
        `widget: round ${round + 1}: map visible ${render.visible.toFixed(0)} ms (sketched at ${render.visibleDrawn.toFixed(0)} ms), every seat ${render.complete.toFixed(0)} ms (in the DOM at ${render.completeDrawn.toFixed(0)} ms), paint after message p50 ${percentile(paintLatencies, 50).toFixed(1)} ms`,
      );
    }
    const path =
      'bundle from HTTP cache, event and availability over REST, draw; the socket connects meanwhile, off this path';
    const visible = median(visibleRenders);
    context.figure({
      suite: 'widget',
      name: `map visible (all sections drawn), ${seats.toLocaleString('en-US')} seats`,
      value: visible,
      unit: 'ms',
      goal: '< 150 ms',
      met: visible < 150,
      detail: `from navigation start to the first frame painted with every seat on the map, as a dot of the first frame's sketch or as its seat (${path}); rounds ${visibleRenders.map((v) => v.toFixed(0)).join(', ')} ms`,
    });
    const complete = median(completeRenders);
    context.figure({
      suite: 'widget',
      name: `every seat interactive, ${seats.toLocaleString('en-US')} seats`,
      value: complete,
      unit: 'ms',
      goal: '< 300 ms',
      met: complete < 300,
      detail: `from navigation start to the first frame after all ${seats} seats are in the DOM as focusable, labelled checkboxes (${path}); rounds ${completeRenders.map((v) => v.toFixed(0)).join(', ')} ms`,
    });
    const paintP99 = percentile(paintLatencies, 99);
    context.figure({
      suite: 'widget',
      name: 'update paint latency (message → painted), p99',
      value: paintP99,
      unit: 'ms',
      goal: '< 50 ms',
      met: paintP99 < 50,
      detail: `p50 ${percentile(paintLatencies, 50).toFixed(1)} ms over ${paintLatencies.length} changes; hold → painted end to end p50/p99 ${percentile(endToEnd, 50).toFixed(0)} / ${percentile(endToEnd, 99).toFixed(0)} ms (includes the server's 50 ms coalescing window)`,
    });
  } finally {
    redis.disconnect();
    await browser?.close();
    if (demo) await new Promise((resolve) => demo?.server.close(resolve));
    await server.stop();
  }
}
