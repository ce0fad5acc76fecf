/**
 * The REST side of notifications: invitations, webhook endpoints (with the private-network
 * guard and signed test events), delivery queries and operators' access to queue stats.
 */
import { randomUUID } from 'node:crypto';
import type { QueueStats } from '@happening/shared';
import { TestReceiver } from '@happening/testing/notifications';
import {
  accountOutsideSignup,
  addMember,
  bearer,
  buildTestApp,
  type SignedUp,
  signup,
  type TestApp,
  uniqueEmail,
} from '@happening/testing/server';
import { io } from 'socket.io-client';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let app: TestApp;
let devApp: TestApp; // allows private-network webhook targets, as development does
let admin: SignedUp;
const receiver = new TestReceiver();

beforeAll(async () => {
  await receiver.start();
  app = await buildTestApp();
  devApp = await buildTestApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' });
  admin = await signup(app, 'notif-admin');
});

afterAll(async () => {
  await app?.close();
  await devApp?.close();
  await receiver.stop();
});

async function acceptUrlOf(invitationId: string): Promise<string> {
  const { rows } = await app.pg.query<{ payload: { acceptUrl: string; invitee: { email: string } } }>(
    `SELECT payload FROM outbox WHERE type = 'invitation_received' AND payload->>'invitationId' = $1`,
    [invitationId],
  );
  expect(rows).toHaveLength(1);
  return rows[0]!.payload.acceptUrl;
}

describe('invitations', () => {
  it('invites by email and lets the invitee join with the invited role', async () => {
    const email = uniqueEmail('invitee');
    const created = await app.inject({
      method: 'POST',
      url: `/api/v1/orgs/${admin.orgId}/invitations`,
      headers: bearer(admin.token),
      payload: { email, role: 'organizer' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ email, role: 'organizer', status: 'pending' });
    const acceptUrl = await acceptUrlOf(created.json().id);
    expect(acceptUrl).toMatch(/^http:\/\/localhost:3000\/invitations#inv_/);
    const token = new URL(acceptUrl).hash.slice(1);
    const preview = await app.inject({
      method: 'POST',
      url: '/api/v1/invitations/lookup',
      payload: { token },
    });
    expect(preview.json()).toMatchObject({ email, role: 'organizer', status: 'pending', expired: false });
    expect(preview.json().organizationName).toBe('Org of notif-admin');

    // Someone else holding the link cannot use it.
    const stranger = await signup(app, 'stranger');
    const refused = await app.inject({
      method: 'POST',
      url: '/api/v1/invitations/accept',
      headers: bearer(stranger.token),
      payload: { token },
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('INVITATION_INVALID');

    const invitee = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: {
        email,
        password: 'correct horse battery staple',
        name: 'Invitee',
        organization: { name: 'Own org' },
      },
    });
    const inviteeToken = invitee.json().token;
    const accepted = await app.inject({
      method: 'POST',
      url: '/api/v1/invitations/accept',
      headers: bearer(inviteeToken),
      payload: { token },
    });
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json().organization).toMatchObject({ id: admin.orgId, role: 'organizer' });
    const members = await app.inject({
      method: 'GET',
      url: `/api/v1/orgs/${admin.orgId}/members`,
      headers: bearer(inviteeToken),
    });
    expect(members.json().members.find((member: { email: string }) => member.email === email).role).toBe(
      'organizer',
    );

    const again = await app.inject({
      method: 'POST',
      url: '/api/v1/invitations/accept',
      headers: bearer(inviteeToken),
      payload: { token },
    });
    expect(again.statusCode).toBe(404);
    expect(again.json().error.code).toBe('INVITATION_INVALID');

    const reinvite = await app.inject({
      method: 'POST',
      url: `/api/v1/orgs/${admin.orgId}/invitations`,
      headers: bearer(admin.token),
      payload: { email: email.toUpperCase(), role: 'viewer' },
    });
    expect(reinvite.statusCode).toBe(409);
    expect(reinvite.json().error.code).toBe('ALREADY_MEMBER');
  });

  it('only admins invite; a revoked invitation cannot be accepted', async () => {
    const organizer = await addMember(app, admin.orgId, 'organizer');
    const denied = await app.inject({
      method: 'POST',
      url: `/api/v1/orgs/${admin.orgId}/invitations`,
      headers: bearer(organizer.token),
      payload: { email: uniqueEmail('x'), role: 'viewer' },
    });
    expect(denied.statusCode).toBe(403);

    const email = uniqueEmail('revoked');
    const created = await app.inject({
      method: 'POST',
      url: `/api/v1/orgs/${admin.orgId}/invitations`,
      headers: bearer(admin.token),
      payload: { email, role: 'viewer' },
    });
    const token = new URL(await acceptUrlOf(created.json().id)).hash.slice(1);
    const revoked = await app.inject({
      method: 'DELETE',
      url: `/api/v1/orgs/${admin.orgId}/invitations/${created.json().id}`,
      headers: bearer(admin.token),
    });
    expect(revoked.statusCode).toBe(204);
    const list = await app.inject({
      method: 'GET',
      url: `/api/v1/orgs/${admin.orgId}/invitations`,
      headers: bearer(admin.token),
    });
    expect(list.json().invitations.find((i: { id: string }) => i.id === created.json().id).status).toBe(
      'revoked',
    );
    const invitee = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: {
        email,
        password: 'correct horse battery staple',
        name: 'Late',
        organization: { name: 'Late org' },
      },
    });
    const accept = await app.inject({
      method: 'POST',
      url: '/api/v1/invitations/accept',
      headers: bearer(invitee.json().token),
      payload: { token },
    });
    expect(accept.statusCode).toBe(404);

    const bad = await app.inject({
      method: 'POST',
      url: `/api/v1/orgs/${admin.orgId}/invitations`,
      headers: bearer(admin.token),
      payload: { email: 'not-an-email', role: 'owner' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('VALIDATION_FAILED');
  });
});

describe('webhook endpoints', () => {
  it('refuses loopback, private and non-http targets unless development allows them', async () => {
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://localhost/hook',
      'http://10.1.2.3/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/hook',
      'ftp://example.com/hook',
    ]) {
      const response = await app.inject({
        method: 'POST',
        url: `/api/v1/orgs/${admin.orgId}/webhooks`,
        headers: bearer(admin.token),
        payload: { url },
      });
      expect(response.statusCode, url).toBe(422);
      expect(response.json().error.code).toBe('WEBHOOK_URL_NOT_ALLOWED');
    }
  });

  it('registers, lists, sends a signed test event, rotates the secret and deletes', async () => {
    const base = `/api/v1/orgs/${admin.orgId}/webhooks`;
    const created = await devApp.inject({
      method: 'POST',
      url: base,
      headers: bearer(admin.token),
      payload: { url: receiver.url('/api-hook'), description: 'CRM' },
    });
    expect(created.statusCode).toBe(201);
    const { id, secret } = created.json();
    expect(secret).toMatch(/^whsec_/);
    receiver.secrets.set('/api-hook', secret);

    const list = await devApp.inject({ method: 'GET', url: base, headers: bearer(admin.token) });
    const listed = list.json().endpoints.find((endpoint: { id: string }) => endpoint.id === id);
    expect(listed).toMatchObject({
      url: receiver.url('/api-hook'),
      description: 'CRM',
      secretHint: secret.slice(-4),
    });
    expect(JSON.stringify(list.json())).not.toContain(secret);

    const test = await devApp.inject({
      method: 'POST',
      url: `${base}/${id}/test`,
      headers: bearer(admin.token),
    });
    expect(test.json()).toEqual({ delivered: true, status: 200, error: null });
    const first = receiver.received.at(-1)!;
    expect(first).toMatchObject({ path: '/api-hook', verified: true });
    expect(first.body.type).toBe('webhook.test');

    const rotated = await devApp.inject({
      method: 'POST',
      url: `${base}/${id}/rotate-secret`,
      headers: bearer(admin.token),
    });
    expect(rotated.statusCode).toBe(200);
    const newSecret = rotated.json().secret;
    expect(newSecret).not.toBe(secret);
    // During the grace period both the new and the previous secret verify a delivery.
    const before = receiver.received.length;
    await devApp.inject({ method: 'POST', url: `${base}/${id}/test`, headers: bearer(admin.token) });
    expect(receiver.received[before]!.verified).toBe(true); // still the old secret in the receiver
    receiver.secrets.set('/api-hook', newSecret);
    await devApp.inject({ method: 'POST', url: `${base}/${id}/test`, headers: bearer(admin.token) });
    expect(receiver.received[before + 1]!.verified).toBe(true);
    receiver.secrets.set(
      '/api-hook',
      `whsec_${Buffer.from('a wrong secret of enough length!').toString('base64')}`,
    );
    await devApp.inject({ method: 'POST', url: `${base}/${id}/test`, headers: bearer(admin.token) });
    expect(receiver.received[before + 2]!.verified).toBe(false);

    receiver.statuses.set('/api-hook', 500);
    const failing = await devApp.inject({
      method: 'POST',
      url: `${base}/${id}/test`,
      headers: bearer(admin.token),
    });
    expect(failing.json()).toEqual({ delivered: false, status: null, error: 'webhook answered HTTP 500' });

    const stranger = await signup(app, 'other-admin');
    const foreign = await devApp.inject({
      method: 'DELETE',
      url: `${base}/${id}`,
      headers: bearer(stranger.token),
    });
    expect(foreign.statusCode).toBe(404);
    const deleted = await devApp.inject({
      method: 'DELETE',
      url: `${base}/${id}`,
      headers: bearer(admin.token),
    });
    expect(deleted.statusCode).toBe(204);
    const gone = await devApp.inject({
      method: 'DELETE',
      url: `${base}/${id}`,
      headers: bearer(admin.token),
    });
    expect(gone.statusCode).toBe(404);
  });

  it('signs with the Standard Webhooks scheme a stock verifier accepts', () => {
    // Guard against drifting from the scheme: the receiver uses the reference library, unchanged.
    const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
    const payload = '{"type":"x"}';
    const at = new Date();
    const signature = new Webhook(secret).sign('msg_1', at, payload);
    expect(() =>
      new Webhook(secret).verify(payload, {
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': signature,
      }),
    ).not.toThrow();
  });
});

describe('operations access', () => {
  it("shows the deployment's queue stats to operators, and to nobody else", async () => {
    const operatorEmail = uniqueEmail('ops');
    const opsApp = await buildTestApp({ OPERATOR_EMAILS: operatorEmail });
    try {
      const operator = await accountOutsideSignup(opsApp, operatorEmail);
      const ok = await opsApp.inject({
        method: 'GET',
        url: '/api/v1/ops/queues',
        headers: bearer(operator.token),
      });
      expect(ok.statusCode).toBe(200);
      expect(ok.json().queues.map((queue: { name: string }) => queue.name)).toEqual([
        'notifications',
        'notifications.dead',
      ]);
      expect(ok.json().outbox.backlog).toBeGreaterThanOrEqual(0);

      // An organization's admin, its viewer and strangers: as if the route did not exist.
      const viewer = await addMember(opsApp, admin.orgId, 'viewer');
      for (const headers of [bearer(admin.token), bearer(viewer.token), {}]) {
        const denied = await opsApp.inject({ method: 'GET', url: '/api/v1/ops/queues', headers });
        expect(denied.statusCode).toBe(404);
        expect(denied.json().error.code).toBe('NOT_FOUND');
        const replay = await opsApp.inject({
          method: 'POST',
          url: '/api/v1/ops/dead-letters/replay',
          headers,
          payload: {},
        });
        expect(replay.statusCode).toBe(404);
      }
    } finally {
      await opsApp.close();
    }
  });

  it("pushes queue stats to operators' consoles", async () => {
    const operatorEmail = uniqueEmail('ops-push');
    const pushing = await buildTestApp({ QUEUE_STATS_PUSH_MS: '200', OPERATOR_EMAILS: operatorEmail });
    await pushing.listen({ port: 0, host: '127.0.0.1' });
    const port = (pushing.server.address() as { port: number }).port;
    const operator = await accountOutsideSignup(pushing, operatorEmail);
    const socket = io(`http://127.0.0.1:${port}/console`, {
      auth: { token: operator.token },
      transports: ['websocket'],
    });
    try {
      const stats = await new Promise<QueueStats>((resolve) => socket.once('queues', resolve));
      expect(stats.queues.map((queue) => queue.name)).toEqual(['notifications', 'notifications.dead']);
      expect(typeof stats.outbox.backlog).toBe('number');
    } finally {
      socket.close();
      await pushing.close();
    }
  });

  it('filters deliveries by channel, so webhook health is not crowded out by email', async () => {
    const org = await signup(app, 'channel-filter');
    const messageId = randomUUID();
    const endpointId = randomUUID();
    await app.pg.query(
      `INSERT INTO notification_deliveries (message_id, org_id, type, channel, target, status, last_error)
       VALUES ($1, $2, 'booking_confirmed', 'email', 'ada@example.test', 'sent', NULL),
              ($1, $2, 'booking_confirmed', 'webhook', $3, 'failed', 'webhook answered HTTP 410'),
              ($1, $2, 'booking_confirmed', 'in_app', $2, 'sent', NULL)`,
      [messageId, org.orgId, endpointId],
    );
    const webhooks = await app.inject({
      method: 'GET',
      url: `/api/v1/orgs/${org.orgId}/deliveries?channel=webhook`,
      headers: bearer(org.token),
    });
    expect(webhooks.statusCode).toBe(200);
    expect(webhooks.json().deliveries).toEqual([
      expect.objectContaining({
        channel: 'webhook',
        target: endpointId,
        status: 'failed',
        lastError: 'webhook answered HTTP 410',
      }),
    ]);
    const all = await app.inject({
      method: 'GET',
      url: `/api/v1/orgs/${org.orgId}/deliveries`,
      headers: bearer(org.token),
    });
    expect(
      all
        .json()
        .deliveries.map((d: { channel: string }) => d.channel)
        .sort(),
    ).toEqual(['email', 'in_app', 'webhook']);
    const unknown = await app.inject({
      method: 'GET',
      url: `/api/v1/orgs/${org.orgId}/deliveries?channel=pigeon`,
      headers: bearer(org.token),
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.code).toBe('VALIDATION_FAILED');
  });

  it('rejects a bad delivery filter with a clear 400', async () => {
    const response = await app.inject({
      method: 'GET',
      url: `/api/v1/orgs/${admin.orgId}/deliveries?status=lost`,
      headers: bearer(admin.token),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('VALIDATION_FAILED');
  });
});
