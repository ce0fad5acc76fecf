import { randomUUID } from 'node:crypto';
import {
  CONSOLE_NAMESPACE,
  type ConsoleClientToServer,
  type ConsoleServerToClient,
  type InAppNotification,
  rooms,
} from '@happening/shared';
import { testEnv } from '@happening/testing/env';
import { attendee, publishedEvent, rowsMap } from '@happening/testing/inventory';
import {
  addMember,
  bearer,
  buildTestApp,
  invite,
  type SignedUp,
  signup,
  type TestApp,
} from '@happening/testing/server';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

let app: TestApp;
beforeAll(async () => {
  app = await buildTestApp();
});
afterAll(async () => {
  await app.close();
});

const createOrg = (credential: string, payload: unknown, on: TestApp = app) =>
  on.inject({
    method: 'POST',
    url: '/api/v1/orgs',
    headers: bearer(credential),
    payload: payload as object,
  });

const me = async (who: SignedUp) =>
  (await app.inject({ url: '/api/v1/auth/me', headers: bearer(who.token) })).json();

const membershipsOf = async (userId: string) =>
  (
    await app.pg.query<{ n: number }>('SELECT count(*)::int AS n FROM memberships WHERE user_id = $1', [
      userId,
    ])
  ).rows[0]!.n;

describe('POST /orgs', () => {
  it('creates an organization with the caller as admin, listed after the first one in /auth/me', async () => {
    const owner = await signup(app, 'second-org');
    const created = await createOrg(owner.token, { name: '  Riverside Theatre  ' });
    expect(created.statusCode).toBe(201);
    const { organization } = created.json();
    expect(organization).toEqual({ id: expect.any(String), name: 'Riverside Theatre', role: 'admin' });
    expect(organization.id).not.toBe(owner.orgId);

    expect((await me(owner)).organizations).toEqual([
      { id: owner.orgId, name: 'Org of second-org', role: 'admin' },
      { id: organization.id, name: 'Riverside Theatre', role: 'admin' },
    ]);
    const { rows } = await app.pg.query(
      'SELECT publishable_key, secret_key_hash, secret_key_hint FROM organizations WHERE id = $1',
      [organization.id],
    );
    expect(rows[0].publishable_key).toMatch(/^pk_/);
    expect(rows[0].secret_key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0].secret_key_hint).toMatch(/^sk_…/);
  });

  it("gives the new organization its own keys, which work for its events and not the first one's", async () => {
    const owner = await signup(app, 'keys-org');
    const second = (await createOrg(owner.token, { name: 'Second stage' })).json().organization;
    const asSecond = { ...owner, orgId: second.id };
    const first = await publishedEvent(app, owner, rowsMap(1, 2));
    const live = await publishedEvent(app, asSecond, rowsMap(1, 2));
    expect(live.publishableKey).toMatch(/^pk_/);
    expect(live.publishableKey).not.toBe(first.publishableKey);
    expect(live.secretKey).not.toBe(first.secretKey);

    const hold = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/holds`,
      headers: bearer(live.publishableKey),
      payload: { seats: ['main-A-1'] },
    });
    expect(hold.statusCode).toBe(200);
    const booking = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/bookings`,
      headers: { ...bearer(live.secretKey), 'idempotency-key': randomUUID() },
      payload: { holdToken: hold.json().holdToken, attendee: attendee('second-org') },
    });
    expect(booking.statusCode).toBe(201);
    expect(booking.json().booking.seats).toEqual(['main-A-1']);

    // Each organization's keys stay within it.
    const crossHold = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${first.eventId}/holds`,
      headers: bearer(live.publishableKey),
      payload: { seats: ['main-A-1'] },
    });
    expect(crossHold.statusCode).toBe(404);
    const crossBooking = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/bookings`,
      headers: { ...bearer(first.secretKey), 'idempotency-key': randomUUID() },
      payload: { quantity: 1, attendee: attendee('cross') },
    });
    expect(crossBooking.statusCode).toBe(404);
  });

  it('keeps the new organization invisible to everyone else', async () => {
    const owner = await signup(app, 'private-org');
    const stranger = await signup(app, 'stranger');
    const colleague = await addMember(app, owner.orgId, 'organizer');
    const second = (await createOrg(owner.token, { name: 'Private room' })).json().organization;

    for (const who of [stranger, colleague]) {
      expect((await me(who)).organizations.map((o: { id: string }) => o.id)).not.toContain(second.id);
      for (const url of [`/api/v1/orgs/${second.id}/members`, `/api/v1/orgs/${second.id}/events`]) {
        const answer = await app.inject({ url, headers: bearer(who.token) });
        expect(answer.statusCode, url).toBe(404);
        expect(answer.json().error.code).toBe('NOT_FOUND');
      }
    }
    const members = await app.inject({
      url: `/api/v1/orgs/${second.id}/members`,
      headers: bearer(owner.token),
    });
    expect(members.json().members.map((m: { userId: string; role: string }) => [m.userId, m.role])).toEqual([
      [owner.userId, 'admin'],
    ]);
  });

  it('refuses bad names with VALIDATION_FAILED and creates nothing', async () => {
    const owner = await signup(app, 'bad-names');
    for (const payload of [
      {},
      { name: '' },
      { name: '   ' },
      { name: 'x'.repeat(121) },
      { name: 42 },
      { name: 'Fine', extra: true },
    ]) {
      const answer = await createOrg(owner.token, payload);
      expect(answer.statusCode, JSON.stringify(payload)).toBe(400);
      expect(answer.json().error.code).toBe('VALIDATION_FAILED');
    }
    expect((await createOrg(owner.token, { name: '   ' })).json().error.field).toBe('body.name');
    expect(await membershipsOf(owner.userId)).toBe(1);
    // 120 characters is still a name.
    expect((await createOrg(owner.token, { name: 'y'.repeat(120) })).statusCode).toBe(201);

    // Signup's organization name follows the same rule.
    const blankAtSignup = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: {
        email: `blank-${randomUUID()}@example.test`,
        password: 'long enough password',
        name: 'Blank',
        organization: { name: '  ' },
      },
    });
    expect(blankAtSignup.statusCode).toBe(400);
    expect(blankAtSignup.json().error.field).toBe('body.organization.name');
  });

  it('needs a session token: none is 401, an organization key is 403', async () => {
    const owner = await signup(app, 'no-token');
    const live = await publishedEvent(app, owner, rowsMap(1, 1));
    const anonymous = await app.inject({ method: 'POST', url: '/api/v1/orgs', payload: { name: 'Nope' } });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.code).toBe('UNAUTHENTICATED');
    for (const key of [live.publishableKey, live.secretKey]) {
      const answer = await createOrg(key, { name: 'Nope' });
      expect(answer.statusCode).toBe(403);
      expect(answer.json().error.code).toBe('FORBIDDEN');
    }
    expect(await membershipsOf(owner.userId)).toBe(1);
  });

  it('is described in the OpenAPI document', async () => {
    const openapi = (await app.inject({ url: '/docs/json' })).json();
    expect(openapi.paths['/api/v1/orgs'].post.tags).toEqual(['organizations']);
  });
});

describe('organizations per person', () => {
  it('defaults to 20 and rejects a limit below 1', () => {
    expect(loadConfig(testEnv()).MAX_ORGANIZATIONS_PER_USER).toBe(20);
    expect(() => loadConfig(testEnv({ MAX_ORGANIZATIONS_PER_USER: '0' }))).toThrow(ConfigError);
    expect(() => loadConfig(testEnv({ MAX_ORGANIZATIONS_PER_USER: '0' }))).toThrow(
      /MAX_ORGANIZATIONS_PER_USER/,
    );
  });

  it('answers 409 ORGANIZATION_LIMIT_REACHED at the limit, counting every membership, even when requests race', async () => {
    const limited = await buildTestApp({ MAX_ORGANIZATIONS_PER_USER: '3' });
    try {
      const owner = await signup(limited, 'limit');
      // A membership from elsewhere (an accepted invitation) counts too: the switcher lists it.
      const other = await signup(limited, 'inviter');
      await limited.pg.query('INSERT INTO memberships (org_id, user_id, role) VALUES ($1, $2, $3)', [
        other.orgId,
        owner.userId,
        'viewer',
      ]);
      const answers = await Promise.all(
        ['One', 'Two', 'Three'].map((name) =>
          limited.inject({
            method: 'POST',
            url: '/api/v1/orgs',
            headers: bearer(owner.token),
            payload: { name },
          }),
        ),
      );
      expect(answers.map((a) => a.statusCode).sort()).toEqual([201, 409, 409]);
      const refused = answers.find((a) => a.statusCode === 409)!.json().error;
      expect(refused).toMatchObject({ code: 'ORGANIZATION_LIMIT_REACHED', limit: 3 });
      expect(refused.message).toContain('3 organizations');
      expect(await membershipsOf(owner.userId)).toBe(3);
      const listed = (await limited.inject({ url: '/api/v1/auth/me', headers: bearer(owner.token) })).json()
        .organizations;
      expect(listed).toHaveLength(3);
    } finally {
      await limited.close();
    }
  });
  it('answers 409 ORGANIZATION_NAME_TAKEN for a second organization of the same name, even when requests race', async () => {
    const owner = await signup(app, 'names');
    // The signup organization counts; case and surrounding spaces do not make a new name.
    const again = await createOrg(owner.token, { name: '  ORG OF names ' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({ code: 'ORGANIZATION_NAME_TAKEN', name: 'Org of names' });
    expect(again.json().error.message).toContain('"Org of names"');
    const answers = await Promise.all([1, 2, 3].map(() => createOrg(owner.token, { name: 'Matinee' })));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([201, 409, 409]);
    expect(await membershipsOf(owner.userId)).toBe(2);
    // The name is the caller's to reuse only among their own organizations: someone else may.
    const other = await signup(app, 'other-names');
    expect((await createOrg(other.token, { name: 'Matinee' })).statusCode).toBe(201);
  });

  it('refuses an invitation past the limit too, and leaves it pending for later', async () => {
    const limited = await buildTestApp({ MAX_ORGANIZATIONS_PER_USER: '2' });
    try {
      const full = await signup(limited, 'full');
      await createOrg(full.token, { name: 'Second' }, limited);
      const host = await signup(limited, 'host');
      const invitation = await invite(limited, host, full.email, 'organizer');
      const accepted = await limited.inject({
        method: 'POST',
        url: '/api/v1/invitations/accept',
        headers: bearer(full.token),
        payload: { token: invitation.token },
      });
      expect(accepted.statusCode).toBe(409);
      expect(accepted.json().error).toMatchObject({ code: 'ORGANIZATION_LIMIT_REACHED', limit: 2 });
      expect(await membershipsOf(full.userId)).toBe(2);
      const { rows } = await limited.pg.query('SELECT status FROM invitations WHERE id = $1', [
        invitation.id,
      ]);
      expect(rows[0].status).toBe('pending');
    } finally {
      await limited.close();
    }
  });
});

describe('the console socket across organizations', () => {
  const notification = (orgId: string, title: string): InAppNotification => ({
    id: randomUUID(),
    orgId,
    type: 'booking_confirmed',
    title,
    body: '',
    createdAt: new Date().toISOString(),
  });

  it('hears only the organization it watches after switching with org:unwatch and org:watch', async () => {
    const owner = await signup(app, 'switcher');
    const second = (await createOrg(owner.token, { name: 'Switched to' })).json().organization;
    const stranger = await signup(app, 'not-a-member');
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    const socket: Socket<ConsoleServerToClient, ConsoleClientToServer> = io(
      `http://127.0.0.1:${port}${CONSOLE_NAMESPACE}`,
      { auth: { token: owner.token }, transports: ['websocket'] },
    );
    const heard: string[] = [];
    socket.on('notification', (n) => heard.push(`${n.orgId === second.id ? 'second' : 'first'}: ${n.title}`));
    const push = (orgId: string, title: string) =>
      app.io.of(CONSOLE_NAMESPACE).to(rooms.org(orgId)).emit('notification', notification(orgId, title));
    try {
      expect(await socket.emitWithAck('org:watch', { orgId: owner.orgId })).toEqual({ ok: true, data: null });
      push(owner.orgId, 'before');
      await expect.poll(() => heard).toEqual(['first: before']);

      expect(await socket.emitWithAck('org:unwatch', { orgId: owner.orgId })).toEqual({
        ok: true,
        data: null,
      });
      expect(await socket.emitWithAck('org:watch', { orgId: second.id })).toEqual({ ok: true, data: null });
      // One server, one socket: messages arrive in order, so the second one arriving alone proves
      // the first organization's was not sent.
      push(owner.orgId, 'left behind');
      push(second.id, 'after');
      await expect.poll(() => heard).toEqual(['first: before', 'second: after']);

      // Someone else's organization cannot be watched at all.
      const refused = await socket.emitWithAck('org:watch', { orgId: stranger.orgId });
      expect(refused).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      const bad = await socket.emitWithAck('org:unwatch', { orgId: 42 } as never);
      expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    } finally {
      socket.close();
    }
  });

  /**
   * A member's console is connected to `consoleServer`; the removal and every push go through
   * `app`, so with another server they reach the console only through the Redis adapter.
   */
  async function removedMemberStopsHearing(consoleServer: TestApp): Promise<void> {
    const admin = await signup(app, 'remover');
    const member = await addMember(app, admin.orgId, 'organizer');
    const live = await publishedEvent(app, admin, rowsMap(1, 2));
    await consoleServer.listen({ port: 0, host: '127.0.0.1' }).catch(() => {});
    const port = (consoleServer.server.address() as { port: number }).port;
    const socket: Socket<ConsoleServerToClient, ConsoleClientToServer> = io(
      `http://127.0.0.1:${port}${CONSOLE_NAMESPACE}`,
      { auth: { token: member.token }, transports: ['websocket'] },
    );
    const heard: string[] = [];
    socket.on('notification', (n) => heard.push(`notification: ${n.title}`));
    socket.on('stats', (stats) => heard.push(`stats: ${stats.eventId === live.eventId}`));
    const pushBoth = (title: string) => {
      app.io
        .of(CONSOLE_NAMESPACE)
        .to(rooms.org(admin.orgId))
        .emit('notification', notification(admin.orgId, title));
      app.io
        .of(CONSOLE_NAMESPACE)
        .to(rooms.consoleEvent(live.eventId))
        .emit('stats', { eventId: live.eventId } as never);
    };
    try {
      expect(await socket.emitWithAck('org:watch', { orgId: admin.orgId })).toEqual({ ok: true, data: null });
      expect(await socket.emitWithAck('watch', { eventId: live.eventId })).toMatchObject({ ok: true });
      pushBoth('while a member');
      await expect.poll(() => heard).toEqual(['notification: while a member', 'stats: true']);

      const removed = await app.inject({
        method: 'DELETE',
        url: `/api/v1/orgs/${admin.orgId}/members/${member.userId}`,
        headers: bearer(admin.token),
      });
      expect(removed.statusCode).toBe(204);
      pushBoth('after removal');
      // A marker on the socket's own room, sent the same way after the pushes above, proves they
      // were processed and not delivered (one publisher: Redis keeps their order).
      app.io
        .of(CONSOLE_NAMESPACE)
        .to(rooms.user(member.userId))
        .emit('notification', notification(admin.orgId, 'marker'));
      await expect.poll(() => heard.at(-1)).toBe('notification: marker');
      expect(heard).toEqual(['notification: while a member', 'stats: true', 'notification: marker']);
      // And it cannot join again.
      expect(await socket.emitWithAck('org:watch', { orgId: admin.orgId })).toMatchObject({ ok: false });
    } finally {
      socket.close();
    }
  }

  it('stops sending a removed member the organization and its events at once, on every open console', async () => {
    await removedMemberStopsHearing(app);
  });

  it('does the same for a console connected to another server', async () => {
    const other = await buildTestApp();
    try {
      await removedMemberStopsHearing(other);
    } finally {
      await other.close();
    }
  });
});
