/**
 * Where an invitation token may be seen: only in the invitee's email. The whole flow runs against
 * real peers (outbox relay, RabbitMQ, the worker, an SMTP server, a webhook receiver, Chromium on
 * the emailed link) while the server's request log is captured at `info`, and none of the log, the
 * webhook body or the in-app notification carries the token: whoever reads them cannot create
 * the invited (admin) account.
 */
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { launchChromium } from '@happening/testing';
import { TEST_DATABASE_URL, testEnv } from '@happening/testing/env';
import {
  deletePipeline,
  quietLog,
  RABBITMQ_URL,
  TestReceiver,
  TestSmtp,
  testRetry,
  uniqueQueue,
  waitFor,
  workerEnv,
} from '@happening/testing/notifications';
import { bearer, type SignedUp, signup, type TestApp, uniqueEmail } from '@happening/testing/server';
import { createLogger, loadWorkerConfig, NotificationWorker } from '@happening/worker';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, serverOptions } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { OutboxRelay } from '../src/notifications/relay.js';

const password = 'correct horse battery staple';
const soon = { timeout: 15_000 };
const queue = uniqueQueue();
const smtp = new TestSmtp();
const receiver = new TestReceiver();
/** Every line the server logged, as written. */
const logLines: string[] = [];
let app: TestApp;
let baseUrl: string;
let admin: SignedUp;
let relay: OutboxRelay;
let worker: NotificationWorker;
let browser: Browser;

beforeAll(async () => {
  await Promise.all([smtp.start(), receiver.start()]);
  const config = loadConfig(
    testEnv({ LOG_LEVEL: 'info', NOTIFICATIONS_QUEUE: queue, WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' }),
  );
  // The production logger options (level, redaction, serializers), writing here instead of stdout.
  const logger = serverOptions(config).logger;
  if (typeof logger !== 'object' || logger === null) throw new Error('expected logger options');
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  app = await buildApp(config, { logger: { ...logger, stream } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  admin = await signup(app, 'secrecy-admin');
  const endpoint = await app.inject({
    method: 'POST',
    url: `/api/v1/orgs/${admin.orgId}/webhooks`,
    headers: bearer(admin.token),
    payload: { url: receiver.url('/secrecy'), description: 'the partner backend' },
  });
  expect(endpoint.statusCode).toBe(201);
  receiver.secrets.set('/secrecy', endpoint.json().secret);
  relay = new OutboxRelay({
    pool: app.pg,
    databaseUrl: TEST_DATABASE_URL,
    rabbitmqUrl: RABBITMQ_URL,
    queue,
    orgIds: [admin.orgId],
    log: quietLog,
  });
  await relay.start();
  const workerConfig = loadWorkerConfig(workerEnv(queue, smtp.url));
  worker = new NotificationWorker(workerConfig, createLogger(workerConfig));
  await worker.start();
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await relay?.stop();
  await app?.close();
  await Promise.all([smtp.stop(), receiver.stop()]);
  await deletePipeline(queue, testRetry);
});

interface Delivered {
  invitationId: string;
  /** The link in the email, as the invitee clicks it. */
  link: URL;
  token: string;
}

/** Invites `email` through the API and waits for the email, the webhook and the in-app line. */
async function inviteAndDeliver(email: string, role: 'admin' | 'viewer'): Promise<Delivered> {
  const created = await app.inject({
    method: 'POST',
    url: `/api/v1/orgs/${admin.orgId}/invitations`,
    headers: bearer(admin.token),
    payload: { email, role },
  });
  expect(created.statusCode).toBe(201);
  const invitationId: string = created.json().id;
  await waitFor(() => smtp.mails.some((mail) => mail.to.includes(email)), 'the invitation email');
  const mail = smtp.mails.find((candidate) => candidate.to.includes(email))!;
  const href = /href="([^"]+)"/.exec(mail.body)?.[1];
  expect(href).toBeDefined();
  const link = new URL(href!.replaceAll('&amp;', '&'));
  // The token is the fragment: the path that reaches a server is the bare page.
  expect(link.pathname).toBe('/invitations');
  const token = decodeURIComponent(link.hash.slice(1));
  expect(token).toMatch(/^inv_/);
  await waitFor(
    () =>
      receiver.received.some(
        (hook) => hook.body.type === 'invitation_received' && hook.body.data.invitationId === invitationId,
      ),
    'the invitation webhook',
  );
  return { invitationId, link, token };
}

async function openInBrowser(url: string): Promise<Page> {
  const page = await (await browser.newContext({ locale: 'en-GB' })).newPage();
  await page.goto(url);
  return page;
}

async function waitForHeading(page: Page, text: string): Promise<void> {
  await page.getByRole('heading', { level: 1, name: text, exact: true }).waitFor(soon);
}

describe('an invitation token outside the invitee’s email', () => {
  it('is in no webhook body, no in-app notification and no request log line of the whole flow', async () => {
    const newcomer = uniqueEmail('secrecy-newcomer');
    const existing = await signup(app, 'secrecy-existing');
    const olderLink = uniqueEmail('secrecy-older-link');
    const first = await inviteAndDeliver(newcomer, 'admin');
    const second = await inviteAndDeliver(existing.email, 'viewer');
    const third = await inviteAndDeliver(olderLink, 'viewer');
    const tokens = [first, second, third].map((sent) => sent.token);

    // The organization's webhook: the invitation, without its link.
    for (const sent of [first, second, third]) {
      const hook = receiver.received.find(
        (candidate) => candidate.body.data.invitationId === sent.invitationId,
      )!;
      expect(hook.verified).toBe(true);
      expect(hook.body.data).not.toHaveProperty('acceptUrl');
      expect(hook.body.data).toMatchObject({
        invitee: { email: expect.any(String) },
        role: expect.any(String),
      });
      const body = JSON.stringify(hook.body);
      for (const token of tokens) expect(body).not.toContain(token);
      expect(body).not.toContain('/invitations');
    }

    // The console's inbox: who was invited, not how to get in.
    await expect
      .poll(async () => {
        const inbox = await app.inject({
          method: 'GET',
          url: `/api/v1/orgs/${admin.orgId}/notifications`,
          headers: bearer(admin.token),
        });
        return inbox.json().notifications.filter((n: { type: string }) => n.type === 'invitation_received');
      })
      .toHaveLength(3);
    const inbox = await app.inject({
      method: 'GET',
      url: `/api/v1/orgs/${admin.orgId}/notifications`,
      headers: bearer(admin.token),
    });
    const inApp = JSON.stringify(inbox.json());
    expect(inApp).toContain(`${newcomer} was invited as admin`);
    for (const token of tokens) expect(inApp).not.toContain(token);
    expect(inApp).not.toContain('/invitations');

    // The emailed link, opened in a browser: a new person creates the invited admin account.
    const signUpPage = await openInBrowser(new URL(first.link.pathname + first.link.hash, baseUrl).href);
    await waitForHeading(signUpPage, 'Join Org of secrecy-admin on Happening');
    await signUpPage.getByLabel('Your name').fill('New Admin');
    await signUpPage.getByLabel('Choose a password').fill(password);
    await signUpPage.getByRole('button', { name: 'Create account and join' }).click();
    await waitForHeading(signUpPage, 'You joined Org of secrecy-admin as admin');
    await signUpPage.context().close();

    // Someone with an account signs in and accepts.
    const acceptPage = await openInBrowser(new URL(second.link.pathname + second.link.hash, baseUrl).href);
    await waitForHeading(acceptPage, 'Join Org of secrecy-admin on Happening');
    await acceptPage.getByLabel('Yes, sign in').check();
    await acceptPage
      .getByRole('form', { name: 'Sign in to accept' })
      .getByLabel('Password')
      .fill(existing.password);
    await acceptPage.getByRole('button', { name: 'Sign in and join' }).click();
    await waitForHeading(acceptPage, 'You joined Org of secrecy-admin as viewer');
    await acceptPage.context().close();

    // A link mailed before tokens moved to the fragment still opens; its path is logged redacted.
    const olderPage = await openInBrowser(`${baseUrl}/invitations/${third.token}`);
    await waitForHeading(olderPage, 'Join Org of secrecy-admin on Happening');
    await olderPage.context().close();

    const { rows } = await app.pg.query<{ role: string }>(
      `SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id
       WHERE m.org_id = $1 AND lower(u.email) = ANY($2) ORDER BY m.role`,
      [admin.orgId, [newcomer, existing.email.toLowerCase()]],
    );
    expect(rows.map((row) => row.role)).toEqual(['admin', 'viewer']);

    // The log saw every step (so this is not vacuous) and no token.
    const log = logLines.join('\n');
    for (const token of tokens) expect(log).not.toContain(token);
    expect(log).toContain('"url":"/invitations"');
    expect(log).toContain('"url":"/api/v1/invitations/lookup"');
    expect(log).toContain('"url":"/api/v1/invitations/signup"');
    expect(log).toContain('"url":"/api/v1/invitations/accept"');
    expect(log).toContain('"url":"/invitations/[redacted]"');
  }, 120_000);

  it('is redacted from the logged URL of the old API forms, and of booking and hold calls', async () => {
    const secrets = {
      invitation: `inv_${'s'.repeat(43)}`,
      manage: 'mt_manage-token-in-a-query-string',
      hold: 'hold_secret-part-of-a-hold-token',
    };
    const eventId = '0b9d1a52-5c2f-4a5e-9a53-3c7e2b1f0c11';
    const before = logLines.length;
    for (const url of [
      `/api/v1/invitations/${secrets.invitation}`,
      `/api/v1/invitations/${secrets.invitation}/signup`,
      `/api/v1/bookings/${eventId}?manageToken=${secrets.manage}`,
      `/api/v1/holds/${eventId}.${secrets.hold}`,
      `/api/v1/holds/${eventId}.${secrets.hold}/seats/A-1`,
    ]) {
      const response = await app.inject({ method: url.endsWith('/signup') ? 'POST' : 'GET', url });
      expect(response.statusCode, url).toBeLessThan(500);
    }
    const log = logLines.slice(before).join('\n');
    for (const secret of Object.values(secrets)) expect(log).not.toContain(secret);
    expect(log).toContain(`"url":"/api/v1/bookings/${eventId}?manageToken=[redacted]"`);
    expect(log).toContain(`"url":"/api/v1/holds/${eventId}.[redacted]/seats/A-1"`);
    expect(log).toContain('"url":"/api/v1/invitations/[redacted]/signup"');
  });
});
