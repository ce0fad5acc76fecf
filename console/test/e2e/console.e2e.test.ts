/**
 * End to end: the console's web build in Debian's Chromium against a real server (PostgreSQL,
 * Redis, RabbitMQ) and a real notification worker. One organizer's on-sale, screen by screen, with
 * a separate client holding and booking seats. Screenshots go to test-artifacts/console/.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { OutboxRelay, type OutboxRelayOptions } from '@happening/server/notifications/relay';
import { axeViolations, launchChromium } from '@happening/testing';
import { TEST_DATABASE_URL } from '@happening/testing/env';
import {
  deletePipeline,
  peekDeadLetters,
  quietLog,
  RABBITMQ_URL,
  TestReceiver,
  TestSmtp,
  testRetry,
  uniqueQueue,
  waitFor,
  workerEnv,
} from '@happening/testing/notifications';
import { solve } from '@happening/testing/proof-of-work';
import { accountOutsideSignup, buildTestApp, type TestApp } from '@happening/testing/server';
import { createLogger, loadWorkerConfig, NotificationWorker } from '@happening/worker';
import amqplib from 'amqplib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildRenderer } from '../../scripts/build.js';
import { type StaticServer, serveStatic } from '../../scripts/static-server.js';

const artifacts = fileURLToPath(new URL('../../../test-artifacts/console/', import.meta.url));
const queue = uniqueQueue();

let app: TestApp;
let serverUrl: string;
let web: StaticServer;
let worker: NotificationWorker | null = null;
let relay: OutboxRelay | null = null;
const smtp = new TestSmtp();
/** The organizer's own system behind a webhook: checks each signature with `standardwebhooks`. */
const receiver = new TestReceiver();
let browser: Browser;
let page: Page;
/** Uncaught errors in the page fail the step they happened in. */
const pageErrors: string[] = [];

const organizer = {
  name: 'Grace Organizer',
  organization: `Harbour Concerts ${randomUUID().slice(0, 6)}`,
  email: `console-e2e-${randomUUID()}@example.test`,
  password: 'correct horse battery staple',
};
/** The deployment's operator: not the organizer, who signs up like anyone. */
const operatorEmail = `console-operator-${randomUUID()}@example.test`;
let token = '';
let orgId = '';
let eventId = '';

/**
 * The keys screen previews the widget the server serves from widget/dist. In a full `npm test` the
 * widget project's setup builds it; alone, this test builds it after giving that setup a moment.
 */
async function ensureWidgetBundle(): Promise<void> {
  const bundle = fileURLToPath(new URL('../../../widget/dist/happening.js', import.meta.url));
  for (let waited = 0; waited < 30_000 && !existsSync(bundle); waited += 500)
    await new Promise((resolve) => setTimeout(resolve, 500));
  if (existsSync(bundle)) return;
  const build = new URL('../../../widget/scripts/build.ts', import.meta.url);
  const { buildWidget } = (await import(pathToFileURL(fileURLToPath(build)).href)) as {
    buildWidget(): Promise<void>;
  };
  await buildWidget();
}

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  await ensureWidgetBundle();
  const [, started] = await Promise.all([
    buildRenderer(),
    (async () => {
      // The webhook receiver below listens on loopback, which only development lets webhooks reach.
      const server = await buildTestApp({
        NOTIFICATIONS_QUEUE: queue,
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
        OPERATOR_EMAILS: operatorEmail,
      });
      await server.listen({ port: 0, host: '127.0.0.1' });
      return server;
    })(),
  ]);
  app = started;
  const address = app.server.address();
  serverUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  web = await serveStatic(fileURLToPath(new URL('../../dist/renderer/', import.meta.url)), 0);
  await smtp.start();
  await receiver.start();
  const config = loadWorkerConfig(workerEnv(queue, smtp.url));
  worker = new NotificationWorker(config, createLogger(config));
  await worker.start();
  browser = await launchChromium();
  const context = await browser.newContext({
    viewport: { width: 1400, height: 1000 },
    acceptDownloads: true,
  });
  page = await context.newPage();
  // A step that cannot happen fails on its own line, well before the test's timeout.
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (error) => pageErrors.push(error.message));
}, 120_000);

afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await relay?.stop();
  await smtp.stop();
  await receiver.stop();
  await web?.close();
  await app?.close();
  await deletePipeline(queue, testRetry).catch(() => {});
});

/** The REST calls of a separate client (a partner backend, an attendee's browser). */
async function call(method: string, path: string, credential: string, body?: unknown, headers = {}) {
  const response = await fetch(`${serverUrl}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${credential}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function screenshot(name: string): Promise<void> {
  await page.screenshot({ path: `${artifacts}${name}.png`, fullPage: true });
}

async function expectAxeClean(screen: string): Promise<void> {
  expect(await axeViolations(page), `axe on ${screen}`).toEqual([]);
}

/** For things that need not be fast, only true soon (the within-a-second checks set their own). */
const eventually = { timeout: 10_000 };

const seatStatus = () => page.getByTestId('seat-status').textContent();

/**
 * The colour the canvas painted under the focused seat's marker. Poll it after a change: the
 * status text re-renders from the store at once, the canvas on the next animation frame.
 */
async function pixelUnderMarker(): Promise<string> {
  return page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="live-map"]')!;
    const marker = document.querySelector<HTMLElement>('.seat-marker')!;
    const c = canvas.getBoundingClientRect();
    const m = marker.getBoundingClientRect();
    const ratio = canvas.width / c.width;
    const x = Math.round((m.left + m.width / 2 - c.left) * ratio);
    const y = Math.round((m.top + m.height / 2 - c.top) * ratio);
    const [r, g, b] = canvas.getContext('2d')!.getImageData(x, y, 1, 1).data;
    return `#${[r, g, b].map((v) => v!.toString(16).padStart(2, '0')).join('')}`;
  });
}

describe('organizer console, end to end', () => {
  it('signs up with a server URL and lands on an empty events list', async () => {
    await page.goto(web.url);
    await page.getByRole('heading', { name: 'Happening Console' }).waitFor();
    await expectAxeClean('sign in');
    await screenshot('01-sign-in');
    await page.getByRole('tab', { name: 'Create an account' }).click();
    await page.getByLabel('Server URL', { exact: true }).fill(serverUrl);
    await page.getByLabel('Your name', { exact: true }).fill(organizer.name);
    await page.getByLabel('Organization name', { exact: true }).fill(organizer.organization);
    await page.getByLabel('Email', { exact: true }).fill(organizer.email);
    await page.getByLabel('Password', { exact: true }).fill(organizer.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('No events yet.').waitFor();
    await page.locator('[data-connection="connected"]').waitFor();
    await expectAxeClean('events (empty)');
    await screenshot('02-events-empty');

    const login = await call('POST', '/auth/login', '', {
      email: organizer.email,
      password: organizer.password,
    });
    token = login.body.token;
    orgId = login.body.organizations[0].id;
    expect(login.body.organizations[0]).toMatchObject({ name: organizer.organization, role: 'admin' });
    // The outbox relay for this organization only, so other tests' rows stay theirs.
    relay = new OutboxRelay({
      // The pg decoration's type lives in the server's own program; the value is its pool.
      pool: (app as unknown as { pg: OutboxRelayOptions['pool'] }).pg,
      databaseUrl: TEST_DATABASE_URL,
      rabbitmqUrl: RABBITMQ_URL,
      queue,
      orgIds: [orgId],
      log: quietLog,
    });
    await relay.start();
  });

  it('builds a seat map in the editor and publishes the event', async () => {
    await page.getByRole('link', { name: 'New event' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Night of the Strings');
    await page.getByLabel('Venue', { exact: true }).fill('Harbour Hall');
    await page.getByLabel('Rows', { exact: true }).fill('2');
    await page.getByLabel('Seats per row', { exact: true }).fill('3');
    await page.getByLabel('Category 1 price', { exact: true }).fill('35.50');
    await expect.poll(() => page.locator('#preview-title').textContent(), eventually).toContain('6 places');
    await expect
      .poll(() => page.locator('canvas.preview-canvas').getAttribute('aria-label'))
      .toContain('2 rows, 6 reserved seats');
    await expectAxeClean('editor');
    await screenshot('03-editor');
    await page.getByRole('button', { name: 'Create draft' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();

    const events = await call('GET', `/orgs/${orgId}/events`, token);
    expect(events.body.events).toHaveLength(1);
    eventId = events.body.events[0].id;
    const saved = await call('GET', `/events/${eventId}`, token);
    expect(saved.body.event).toMatchObject({ status: 'draft', capacity: 6 });
    expect(saved.body.event.seatMap.sections[0].rows).toEqual([
      { label: 'A', seats: 3 },
      { label: 'B', seats: 3 },
    ]);
    expect(saved.body.event.seatMap.categories[0]).toMatchObject({ price: 3550, currency: 'EUR' });

    await page.getByRole('button', { name: 'Publish' }).click();
    await page.locator('dialog[open]').getByRole('button', { name: 'Publish' }).click();
    await page.getByRole('heading', { name: 'Night of the Strings', exact: true }).waitFor();
    await expect.poll(() => page.getByTestId('count-available').textContent(), eventually).toBe('6');
    expect((await call('GET', `/events/${eventId}`, token)).body.event.status).toBe('on_sale');
  });

  it('shows holds and bookings of a separate client on the live map within a second', async () => {
    await page.getByLabel('Find seat', { exact: true }).fill('orchestra-A-1');
    await page.getByRole('button', { name: 'Show' }).click();
    expect(await seatStatus()).toBe('available');
    await expect.poll(pixelUnderMarker, { timeout: 1_000, interval: 50 }).toBe('#2f9e5b');

    const keys = await call('GET', `/orgs/${orgId}/keys`, token);
    const hold = await call('POST', `/events/${eventId}/holds`, keys.body.publishableKey, {
      seats: ['orchestra-A-1'],
    });
    expect(hold.status).toBe(200);
    await expect.poll(seatStatus, { timeout: 1_000, interval: 50 }).toBe('held');
    await expect.poll(pixelUnderMarker, { timeout: 1_000, interval: 50 }).toBe('#e8a317');
    await expect.poll(() => page.getByTestId('count-held').textContent(), { timeout: 1_000 }).toBe('1');
    await expect(page.getByTestId('seat-details').textContent()).resolves.toMatch(
      /Hold expiresin (about )?(59\d|600) s/,
    );

    const booked = await call(
      'POST',
      `/events/${eventId}/bookings`,
      token,
      { holdToken: hold.body.holdToken, attendee: { email: 'ada@example.test', name: 'Ada Lovelace' } },
      { 'idempotency-key': randomUUID() },
    );
    expect(booked.status).toBe(201);
    await expect.poll(seatStatus, { timeout: 1_000, interval: 50 }).toBe('booked');
    await expect.poll(pixelUnderMarker, { timeout: 1_000, interval: 50 }).toBe('#3b5bdb');
    await expect.poll(() => page.getByTestId('count-booked').textContent(), { timeout: 1_000 }).toBe('1');
    await expect
      .poll(() => page.getByTestId('seat-attendee').textContent(), eventually)
      .toBe('Ada Lovelace <ada@example.test>');

    // Block a seat from the keyboard, then give it back.
    await page.getByLabel('Find seat', { exact: true }).fill('orchestra-B-3');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.keyboard.press('Space');
    await page.getByText('1 seat selected.').waitFor();
    await page.getByRole('button', { name: 'Block', exact: true }).click();
    // The console's own action (a REST round trip first): not held to the one-second bound.
    await expect.poll(seatStatus, eventually).toBe('blocked');
    await expect.poll(pixelUnderMarker, { timeout: 1_000, interval: 50 }).toBe('#5c5f66');
    await expect.poll(() => page.getByTestId('count-blocked').textContent(), eventually).toBe('1');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.keyboard.press('Space');
    await page.getByRole('button', { name: 'Unblock', exact: true }).click();
    await expect.poll(seatStatus, eventually).toBe('available');
    await expect.poll(() => page.getByTestId('count-blocked').textContent(), eventually).toBe('0');

    // The rest sells in one go; then a party of two has to wait.
    const bulk = await call(
      'POST',
      `/events/${eventId}/bookings`,
      token,
      { quantity: 5, attendee: { email: 'bulk@example.test', name: 'Bulk Buyer' } },
      { 'idempotency-key': randomUUID() },
    );
    expect(bulk.status).toBe(201);
    await expect.poll(() => page.getByTestId('count-available').textContent(), { timeout: 1_000 }).toBe('0');
    const waiting = await call(
      'POST',
      `/events/${eventId}/bookings`,
      token,
      { quantity: 2, attendee: { email: 'grace@example.test', name: 'Grace Hopper' } },
      { 'idempotency-key': randomUUID() },
    );
    expect(waiting.status).toBe(202);
    await expect.poll(() => page.getByTestId('count-waitlist').textContent(), { timeout: 1_000 }).toBe('1');
    await expect
      .poll(() => page.getByTestId('waitlist').textContent())
      .toContain('Grace Hopper · party of 2');
    await expectAxeClean('live event');
    await screenshot('04-live-event');
  });

  it('cancels a booking with a reason, the waitlist is promoted, and the inbox is told live', async () => {
    await page.getByRole('link', { name: 'Bookings' }).first().click();
    const bulkRow = page.locator('tr', { hasText: 'Bulk Buyer' });
    await bulkRow.waitFor();
    await expect(page.locator('tr', { hasText: 'Grace Hopper' }).textContent()).resolves.toContain(
      'waitlisted',
    );
    await bulkRow.getByRole('button', { name: 'Cancel' }).click();
    await page
      .locator('dialog[open]')
      .getByLabel('Reason (the attendee sees it)', { exact: true })
      .fill('Promoter released seats');
    await page.locator('dialog[open]').getByRole('button', { name: 'Cancel booking' }).click();
    await expect.poll(() => bulkRow.textContent(), eventually).toContain('cancelled');
    // Grace's party was next in line: promoted without anyone reloading the page.
    await expect
      .poll(() => page.locator('tr', { hasText: 'Grace Hopper' }).textContent(), { timeout: 5_000 })
      .toContain('confirmed');
    await bulkRow.getByRole('button', { name: 'History' }).click();
    await expect
      .poll(() => page.getByRole('list', { name: 'Booking history' }).textContent())
      .toContain('Promoter released seats');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const csv = readFileSync((await (await download).path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toBe(
      'id,status,attendee_name,attendee_email,quantity,seats,general,created_at',
    );
    expect(csv).toContain('Ada Lovelace');
    expect(csv).toContain('Grace Hopper');
    await expectAxeClean('bookings');
    await screenshot('05-bookings');

    await page.goto(`${web.url}/#/events/${eventId}`);
    await expect.poll(() => page.getByTestId('count-waitlist').textContent(), eventually).toBe('0');
    await page.getByText('Nobody is waiting.').waitFor();
    await expect.poll(() => page.getByTestId('count-booked').textContent(), eventually).toBe('3');

    // Notifications went outbox → RabbitMQ → worker → the in-app inbox.
    await page.getByRole('link', { name: 'Notifications' }).click();
    const inbox = page.getByTestId('inbox');
    await expect.poll(() => inbox.textContent(), eventually).toContain('Waitlist promoted');
    const cancelledItems = () => inbox.locator('li', { hasText: 'Booking cancelled' }).count();
    expect(await cancelledItems()).toBe(1);
    // Pushed live: a cancellation elsewhere shows up without reloading or polling.
    const ada = (await call('GET', `/events/${eventId}/bookings?q=Ada`, token)).body.bookings[0];
    expect(
      (await call('POST', `/bookings/${ada.id}/cancel`, token, { reason: 'Changed plans' })).status,
    ).toBe(200);
    await expect.poll(cancelledItems, eventually).toBe(2);
    await expectAxeClean('notifications');
    await screenshot('09-notifications');
  });

  it('registers a webhook, shows its secret once, tests, rotates and deletes it', async () => {
    await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
    await page.getByText('No webhook endpoints yet.').waitFor();
    await expectAxeClean('webhooks (empty)');
    await screenshot('12-webhooks-empty');

    // The server's refusal reaches the organizer in words.
    const urlField = page.getByLabel('Endpoint URL', { exact: true });
    await urlField.fill('ftp://example.com/hook');
    await page.getByRole('button', { name: 'Register endpoint' }).click();
    await page.getByRole('alert').filter({ hasText: 'Webhook URLs use https' }).waitFor();

    const hookUrl = receiver.url('/console-hook');
    await urlField.fill(hookUrl);
    await page.getByLabel('Description (optional)', { exact: true }).fill('Door scanner');
    await page.getByRole('button', { name: 'Register endpoint' }).click();
    const secret = await page.getByTestId('webhook-secret').textContent();
    expect(secret).toMatch(/^whsec_/);
    await page.getByText('you will not see it again', { exact: false }).waitFor();
    receiver.secrets.set('/console-hook', secret!);
    const row = page.locator('tr', { hasText: hookUrl });
    await expect(row.textContent()).resolves.toContain(`whsec_…${secret!.slice(-4)}`);
    const listed = await call('GET', `/orgs/${orgId}/webhooks`, token);
    expect(listed.body.endpoints).toEqual([
      expect.objectContaining({ url: hookUrl, description: 'Door scanner' }),
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(secret);

    // A test event: signed with the secret just shown, and the screen says how it went.
    const outcome = row.getByTestId('webhook-test-result');
    await row.getByRole('button', { name: 'Send test event' }).click();
    await expect
      .poll(() => outcome.textContent(), eventually)
      .toBe('Test event delivered: the endpoint answered HTTP 200.');
    expect(receiver.received.at(-1)).toMatchObject({
      path: '/console-hook',
      verified: true,
      body: { type: 'webhook.test' },
    });
    receiver.statuses.set('/console-hook', 500);
    await row.getByRole('button', { name: 'Send test event' }).click();
    await expect
      .poll(() => outcome.textContent(), eventually)
      .toBe('Test event not delivered: webhook answered HTTP 500.');
    receiver.statuses.delete('/console-hook');

    // A real notification goes outbox → worker → the endpoint, and its delivery shows in the list.
    const booked = await call(
      'POST',
      `/events/${eventId}/bookings`,
      token,
      { quantity: 1, attendee: { email: 'hook@example.test', name: 'Hedy Lamarr' } },
      { 'idempotency-key': randomUUID() },
    );
    expect(booked.status).toBe(201);
    await expect
      .poll(() => receiver.received.find((hook) => hook.body.type === 'booking_confirmed'), eventually)
      .toMatchObject({ path: '/console-hook', verified: true });
    await expect
      .poll(() => row.getByTestId('webhook-health').textContent(), { timeout: 20_000 })
      .toContain('Delivered (booking_confirmed).');

    await page.getByRole('button', { name: 'I stored it, hide it' }).click();
    expect(await page.getByText(secret!).count()).toBe(0);

    // Rotation: a new secret, shown once; deliveries verify with it.
    await row.getByRole('button', { name: 'Rotate secret' }).click();
    await page.locator('dialog[open]').getByRole('button', { name: 'Rotate', exact: true }).click();
    await expect.poll(() => page.getByTestId('webhook-secret').textContent(), eventually).not.toBe(secret);
    const rotated = (await page.getByTestId('webhook-secret').textContent())!;
    expect(rotated).toMatch(/^whsec_/);
    // The secret is shown from the rotate answer; the row's hint comes with the list's refetch.
    await expect.poll(() => row.textContent(), eventually).toContain(`whsec_…${rotated.slice(-4)}`);
    receiver.secrets.set('/console-hook', rotated);
    const before = receiver.received.length;
    await row.getByRole('button', { name: 'Send test event' }).click();
    await expect.poll(() => receiver.received.length, eventually).toBe(before + 1);
    expect(receiver.received.at(-1)).toMatchObject({ verified: true, body: { type: 'webhook.test' } });
    await expect
      .poll(() => outcome.textContent(), eventually)
      .toBe('Test event delivered: the endpoint answered HTTP 200.');
    await expectAxeClean('webhooks');
    await screenshot('13-webhooks');

    await row.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.locator('dialog[open]').getByRole('button', { name: 'Delete endpoint' }).click();
    await page.getByText('No webhook endpoints yet.').waitFor();
    expect(await page.getByText(rotated).count()).toBe(0);
    expect((await call('GET', `/orgs/${orgId}/webhooks`, token)).body.endpoints).toEqual([]);
  });

  it("shows an admin its organization's failed deliveries, and replay sends exactly those again", async () => {
    const connection = await amqplib.connect(RABBITMQ_URL);
    const channel = await connection.createConfirmChannel();
    // A message of this organization the worker cannot deliver (it fails validation), and a poison
    // message that belongs to nobody: only the deployment's operators see that one.
    const failedId = randomUUID();
    const poisonId = randomUUID();
    channel.sendToQueue(
      queue,
      Buffer.from(JSON.stringify({ id: failedId, orgId, type: 'booking_confirmed' })),
      {
        messageId: failedId,
        type: 'booking_confirmed',
      },
    );
    channel.sendToQueue(queue, Buffer.from('{not json'), { messageId: poisonId });
    await channel.waitForConfirms();
    await connection.close();
    await waitFor(async () => {
      const dead = await peekDeadLetters(queue);
      return [failedId, poisonId].every((id) => dead.some((d) => d.messageId === id));
    }, 'both dead letters');
    // With the worker stopped, a replayed message stays on the queue instead of failing again.
    await worker?.stop();
    worker = null;

    // A freshly signed-up admin operates no deployment: no queue stats, its own failed deliveries.
    expect(await page.getByRole('link', { name: 'Queue stats' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Failed deliveries' }).click();
    await expect.poll(() => page.getByTestId('org-dead-letters').textContent(), eventually).toBe('1');
    const list = page.getByTestId('org-dead-letter-list');
    await expect(list.textContent()).resolves.toContain('invalid:');
    await expect(list.textContent()).resolves.toContain(failedId.slice(0, 8));
    expect(await page.getByTestId('queues').count()).toBe(0);
    await expectAxeClean('failed deliveries');
    await screenshot('06-failed-deliveries');
    await page.getByRole('button', { name: 'Replay failed deliveries' }).click();
    await page.locator('dialog[open]').getByRole('button', { name: 'Replay' }).click();
    await page.getByText('Replayed 1 message.').waitFor();
    await expect.poll(() => page.getByTestId('org-dead-letters').textContent(), eventually).toBe('0');
    expect((await peekDeadLetters(queue)).map((d) => d.messageId)).toEqual([poisonId]);

    // The deployment's operator (a viewer of this organization here) sees every queue and replays all.
    const operator = await accountOutsideSignup(app, operatorEmail);
    await (app as unknown as { pg: { query(sql: string, values: unknown[]): Promise<unknown> } }).pg.query(
      "INSERT INTO memberships (org_id, user_id, role) VALUES ($1, $2, 'viewer')",
      [orgId, operator.userId],
    );
    const operatorContext = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const operatorPage = await operatorContext.newPage();
    operatorPage.setDefaultTimeout(10_000);
    operatorPage.on('pageerror', (error) => pageErrors.push(error.message));
    try {
      await operatorPage.goto(web.url);
      await operatorPage.getByLabel('Server URL', { exact: true }).fill(serverUrl);
      await operatorPage.getByLabel('Email', { exact: true }).fill(operatorEmail);
      await operatorPage.getByLabel('Password', { exact: true }).fill(operator.password);
      await operatorPage.getByRole('button', { name: 'Sign in' }).click();
      await operatorPage.getByRole('link', { name: 'Queue stats' }).click();
      await expect.poll(() => operatorPage.getByTestId('dead-letters').textContent(), eventually).toBe('1');
      await expect(operatorPage.getByTestId('queues').textContent()).resolves.toContain(queue);
      // A viewer of the organization: its failed deliveries are for its admins.
      expect(await operatorPage.getByTestId('org-dead-letters').count()).toBe(0);
      expect(await axeViolations(operatorPage), 'axe on queue stats').toEqual([]);
      await operatorPage.screenshot({ path: `${artifacts}06-queues.png`, fullPage: true });
      await operatorPage.getByRole('button', { name: 'Replay dead letters' }).click();
      await operatorPage.locator('dialog[open]').getByRole('button', { name: 'Replay' }).click();
      await operatorPage.getByText('Replayed 1 message.').waitFor();
      await expect.poll(() => operatorPage.getByTestId('dead-letters').textContent(), eventually).toBe('0');
      expect(await peekDeadLetters(queue)).toEqual([]);
    } finally {
      await operatorContext.close();
    }
  });

  it('invites a member', async () => {
    await page.getByRole('link', { name: 'Members' }).click();
    await expect.poll(() => page.getByTestId('members').textContent(), eventually).toContain(organizer.name);
    await page.getByLabel('Email', { exact: true }).fill('new-colleague@example.test');
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByText('Invitation sent.').waitFor();
    await expect
      .poll(() => page.getByTestId('invitations').textContent())
      .toContain('new-colleague@example.test');
    const invitations = await call('GET', `/orgs/${orgId}/invitations`, token);
    expect(invitations.body.invitations[0]).toMatchObject({
      email: 'new-colleague@example.test',
      role: 'viewer',
      status: 'pending',
    });
    await expectAxeClean('members');
    await screenshot('07-members');
  });

  it('shows keys, rotates the secret once, and renders the embed snippet', async () => {
    await page.getByRole('link', { name: 'Keys and embedding' }).click();
    const keys = await call('GET', `/orgs/${orgId}/keys`, token);
    await expect
      .poll(() => page.getByTestId('publishable-key').textContent(), eventually)
      .toBe(keys.body.publishableKey);
    await expect(page.getByTestId('embed-snippet').textContent()).resolves.toContain(
      `<happening-seat-picker event-id="${eventId}" publishable-key="${keys.body.publishableKey}" server="${serverUrl}">`,
    );
    await page.getByRole('button', { name: 'Rotate secret key' }).click();
    await page.locator('dialog[open]').getByRole('button', { name: 'Rotate' }).click();
    const secret = await page.getByTestId('secret-key').textContent();
    expect(secret).toMatch(/^sk_/);
    const after = await call('GET', `/orgs/${orgId}/keys`, token);
    expect(after.body.secretKeyHint).toBe(`sk_…${secret!.slice(-4)}`);
    // The live preview is the server's own page in a frame sandboxed with scripts only: the widget
    // works there (no allowed origin needed) and can reach nothing of the console.
    const iframe = page.locator('iframe[title="Widget preview"]');
    await iframe.waitFor();
    expect(await iframe.getAttribute('sandbox')).toBe('allow-scripts');
    const src = new URL((await iframe.getAttribute('src'))!);
    expect(src.origin).toBe(new URL(serverUrl).origin);
    expect(src.origin).not.toBe(new URL(web.url).origin);
    expect(src.pathname).toBe('/widget/preview');
    const preview = page.frameLocator('iframe[title="Widget preview"]');
    await preview.getByRole('heading', { name: 'Night of the Strings' }).waitFor({ timeout: 10_000 });
    await expect.poll(() => preview.locator('circle[data-id]').count(), eventually).toBe(6);
    // Its live socket connects too, under the page's policy and from the opaque origin.
    await preview.getByText('Live', { exact: true }).waitFor();
    const frame = page.frames().find((candidate) => candidate.url().includes('/widget/preview'))!;
    const inside = await frame.evaluate(() => {
      const attempt = (read: () => unknown) => {
        try {
          read();
          return 'reachable';
        } catch {
          return 'refused';
        }
      };
      return {
        origin: self.origin,
        consoleDom: attempt(() => window.parent.document.body),
        storage: attempt(() => localStorage.length),
      };
    });
    expect(inside).toEqual({ origin: 'null', consoleDom: 'refused', storage: 'refused' });
    expect(await iframe.evaluate((element) => (element as HTMLIFrameElement).contentDocument)).toBeNull();
    // Allowed origins are still edited here, for the partner pages that embed the widget.
    await page.getByRole('textbox', { name: 'Allowed origins' }).fill('https://tickets.example.com');
    await page.getByRole('button', { name: 'Save origins' }).click();
    await page.getByText('Saved.').waitFor();
    await expectAxeClean('keys');
    await screenshot('08-keys');
  });

  it('creates a second organization that starts empty, and the switcher brings the first one back', async () => {
    const second = `Riverside Stage ${randomUUID().slice(0, 6)}`;
    const switcher = page.getByRole('combobox', { name: 'Organization', exact: true });
    const current = () => switcher.locator('option:checked').textContent();
    // From the first organization's live event: it must not stay on screen for the new one.
    await page.goto(`${web.url}/#/events/${eventId}`);
    await page.getByRole('heading', { name: 'Night of the Strings', exact: true }).waitFor();

    await page.getByRole('button', { name: 'New organization' }).click();
    const dialog = page.locator('dialog[open]');
    await dialog.getByLabel('Organization name', { exact: true }).fill(second);
    await expectAxeClean('new organization');
    await screenshot('10-new-organization');
    await dialog.getByRole('button', { name: 'Create organization' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(current, eventually).toBe(`${second} (admin)`);
    await page.getByText('No events yet.').waitFor();
    expect(await page.getByRole('heading', { name: 'Night of the Strings' }).count()).toBe(0);
    expect(await page.getByText('Night of the Strings').count()).toBe(0);
    const options = await switcher.locator('option').allTextContents();
    expect(options).toEqual([`${organizer.organization} (admin)`, `${second} (admin)`]);
    await screenshot('11-second-organization');

    const me = await call('GET', '/auth/me', token);
    const secondId = me.body.organizations.find((o: { name: string }) => o.name === second).id;
    const firstKeys = (await call('GET', `/orgs/${orgId}/keys`, token)).body;
    const secondKeys = (await call('GET', `/orgs/${secondId}/keys`, token)).body;
    expect(secondKeys.publishableKey).not.toBe(firstKeys.publishableKey);
    await page.getByRole('link', { name: 'Keys and embedding' }).click();
    await expect
      .poll(() => page.getByTestId('publishable-key').textContent(), eventually)
      .toBe(secondKeys.publishableKey);
    await page.getByRole('link', { name: 'Members' }).click();
    await expect.poll(() => page.getByTestId('members').textContent(), eventually).toContain(organizer.name);
    await page.getByText('No invitations sent yet.').waitFor();
    expect(await page.getByText('new-colleague@example.test').count()).toBe(0);
    await page.getByRole('link', { name: 'Notifications' }).click();
    await page.getByText('Nothing yet.', { exact: false }).waitFor();

    // Back to the first organization: its inbox, and its live room again.
    await switcher.selectOption({ label: `${organizer.organization} (admin)` });
    expect(await current()).toBe(`${organizer.organization} (admin)`);
    const inbox = page.getByTestId('inbox');
    const cancelledItems = () => inbox.locator('li', { hasText: 'Booking cancelled' }).count();
    await expect.poll(cancelledItems, eventually).toBe(2);
    // The worker stopped for the dead-letter step; a fresh one carries this notification to the room.
    const config = loadWorkerConfig(workerEnv(queue, smtp.url));
    worker = new NotificationWorker(config, createLogger(config));
    await worker.start();
    const grace = (await call('GET', `/events/${eventId}/bookings?q=Grace`, token)).body.bookings[0];
    expect((await call('POST', `/bookings/${grace.id}/cancel`, token, { reason: 'Ill' })).status).toBe(200);
    await expect.poll(cancelledItems, { timeout: 20_000 }).toBe(3);

    await page.getByRole('link', { name: 'Events', exact: true }).click();
    await page.getByRole('link', { name: 'Night of the Strings' }).waitFor();
    expect(await page.getByText('No events yet.').count()).toBe(0);
    await expectAxeClean('events after switching back');
  });
  it('runs a sale with a waiting line from the live view: the line live, pause and resume, the meter', async () => {
    const created = await call('POST', `/orgs/${orgId}/events`, token, {
      name: 'Hot Ticket',
      venue: 'Arena',
      startsAt: '2031-05-01T19:00:00.000Z',
      seatMap: {
        sections: [
          { id: 'a', label: 'A', kind: 'reserved', category: 'std', rows: [{ label: 'A', seats: 4 }] },
        ],
        categories: [{ key: 'std', label: 'Standard', price: 1000, currency: 'EUR' }],
      },
      waitingRoom: { enabled: true, admitPerMinute: 60, maxActiveShoppers: 1 },
    });
    const hotId = created.body.event.id as string;
    expect((await call('POST', `/events/${hotId}/publish`, token)).status).toBe(200);
    // Two attendees join the line as the widget does: a solved browser check each, from an allowed page.
    const keys = (await call('GET', `/orgs/${orgId}/keys`, token)).body;
    const origin = { origin: 'https://tickets.example.com' };
    for (const partySize of [2, 3]) {
      const challenge = await call(
        'GET',
        `/events/${hotId}/challenge`,
        keys.publishableKey,
        undefined,
        origin,
      );
      const joined = await call(
        'POST',
        `/events/${hotId}/queue`,
        keys.publishableKey,
        { partySize, altcha: await solve(challenge.body) },
        origin,
      );
      expect(joined.status, JSON.stringify(joined.body)).toBe(201);
    }

    await page.goto(`${web.url}/#/events/${hotId}`);
    await page.getByRole('heading', { name: 'Sale and waiting line' }).waitFor();
    // One shopper at a time: one is in, one waits.
    await expect.poll(() => page.getByTestId('line-waiting').textContent(), eventually).toBe('1');
    await expect.poll(() => page.getByTestId('line-active').textContent(), eventually).toBe('1');
    expect(await page.getByTestId('sale-state').textContent()).toBe('On sale');
    await expectAxeClean('live event with a waiting line');
    await screenshot('12-waiting-line');

    await page.getByRole('button', { name: 'Pause sale' }).click();
    await expect.poll(() => page.getByTestId('sale-state').textContent(), eventually).toBe('Paused');
    expect((await call('GET', `/events/${hotId}`, token)).body.event.saleState).toBe('paused');
    await page.getByRole('button', { name: 'Resume sale' }).click();
    await expect.poll(() => page.getByTestId('sale-state').textContent(), eventually).toBe('On sale');

    await page.getByLabel('Admit per minute', { exact: true }).fill('30');
    await page.getByLabel('Shoppers at once', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('Applied.').waitFor();
    expect((await call('GET', `/events/${hotId}`, token)).body.event.waitingRoom).toEqual({
      enabled: true,
      admitPerMinute: 30,
      maxActiveShoppers: null,
    });
    // With no limit on shoppers at once, the one waiting is let in by the next tick.
    await expect.poll(() => page.getByTestId('line-waiting').textContent(), { timeout: 15_000 }).toBe('0');
  });
});
