import {
  addMember,
  bearer,
  buildTestApp,
  type SignedUp,
  signup,
  type TestApp,
} from '@happening/testing/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let app: TestApp;
let admin: SignedUp;
let organizer: SignedUp;
let viewer: SignedUp;
let stranger: SignedUp;

beforeAll(async () => {
  app = await buildTestApp();
  admin = await signup(app, 'admin');
  organizer = await addMember(app, admin.orgId, 'organizer');
  viewer = await addMember(app, admin.orgId, 'viewer');
  stranger = await signup(app, 'stranger');
});
afterAll(async () => {
  await app.close();
});

const status = async (method: 'GET' | 'POST' | 'PUT', url: string, who: SignedUp, payload?: object) =>
  (await app.inject({ method, url, headers: bearer(who.token), ...(payload ? { payload } : {}) })).statusCode;

describe('roles in an organization', () => {
  it('lets every member read the member list', async () => {
    for (const who of [admin, organizer, viewer]) {
      expect(await status('GET', `/api/v1/orgs/${admin.orgId}/members`, who)).toBe(200);
    }
    const members = await app.inject({
      url: `/api/v1/orgs/${admin.orgId}/members`,
      headers: bearer(viewer.token),
    });
    expect(
      members
        .json()
        .members.map((m: { role: string }) => m.role)
        .sort(),
    ).toEqual(['admin', 'organizer', 'viewer']);
  });

  it('keeps keys, key rotation and allowed origins to admins', async () => {
    const url = `/api/v1/orgs/${admin.orgId}`;
    expect(await status('GET', `${url}/keys`, admin)).toBe(200);
    for (const who of [organizer, viewer]) {
      expect(await status('GET', `${url}/keys`, who)).toBe(403);
      expect(await status('POST', `${url}/keys/rotate`, who)).toBe(403);
      expect(await status('PUT', `${url}/allowed-origins`, who, { allowedOrigins: [] })).toBe(403);
    }
  });

  it('lets only admins change roles, and never removes the last admin', async () => {
    const url = `/api/v1/orgs/${admin.orgId}/members/${viewer.userId}`;
    expect(await status('PUT', url, organizer, { role: 'admin' })).toBe(403);
    expect(await status('PUT', url, admin, { role: 'organizer' })).toBe(204);
    expect(await status('PUT', url, admin, { role: 'viewer' })).toBe(204);
    const demoteSelf = await app.inject({
      method: 'PUT',
      url: `/api/v1/orgs/${admin.orgId}/members/${admin.userId}`,
      headers: bearer(admin.token),
      payload: { role: 'viewer' },
    });
    expect(demoteSelf.statusCode).toBe(409);
    expect(demoteSelf.json().error.code).toBe('LAST_ADMIN');
    const removeSelf = await app.inject({
      method: 'DELETE',
      url: `/api/v1/orgs/${admin.orgId}/members/${admin.userId}`,
      headers: bearer(admin.token),
    });
    expect(removeSelf.statusCode).toBe(409);
    expect(removeSelf.json().error.code).toBe('LAST_ADMIN');
    // Someone who is not a member is not there to remove: 404, as for a role change.
    const removeStranger = await app.inject({
      method: 'DELETE',
      url: `/api/v1/orgs/${admin.orgId}/members/${stranger.userId}`,
      headers: bearer(admin.token),
    });
    expect(removeStranger.statusCode).toBe(404);
    expect(removeStranger.json().error.code).toBe('NOT_FOUND');
    // Once another member is admin, the first may step down.
    expect(await status('PUT', url, admin, { role: 'admin' })).toBe(204);
    const adminUrl = `/api/v1/orgs/${admin.orgId}/members/${admin.userId}`;
    expect(await status('PUT', adminUrl, admin, { role: 'viewer' })).toBe(204);
    // Back as the other tests expect them.
    expect(await status('PUT', adminUrl, viewer, { role: 'admin' })).toBe(204);
    expect(await status('PUT', url, admin, { role: 'viewer' })).toBe(204);
  });

  it("answers 404 for another organization's resources, never 403", async () => {
    for (const path of ['members', 'keys']) {
      const response = await app.inject({
        url: `/api/v1/orgs/${admin.orgId}/${path}`,
        headers: bearer(stranger.token),
      });
      expect(response.statusCode).toBe(404);
      expect(response.json().error.code).toBe('NOT_FOUND');
    }
    expect(await status('POST', `/api/v1/orgs/${admin.orgId}/keys/rotate`, stranger)).toBe(404);
  });
});

describe('organization keys', () => {
  it('rotates the secret key, shows it once and accepts only the new one', async () => {
    const owner = await signup(app, 'keys');
    const rotated = await app.inject({
      method: 'POST',
      url: `/api/v1/orgs/${owner.orgId}/keys/rotate`,
      headers: bearer(owner.token),
    });
    const { secretKey, secretKeyHint } = rotated.json();
    expect(secretKey).toMatch(/^sk_/);
    expect(secretKeyHint).toBe(`sk_…${secretKey.slice(-4)}`);

    const { rows } = await app.pg.query('SELECT secret_key_hash FROM organizations WHERE id = $1', [
      owner.orgId,
    ]);
    expect(rows[0].secret_key_hash).not.toContain(secretKey);
    const keys = await app.inject({ url: `/api/v1/orgs/${owner.orgId}/keys`, headers: bearer(owner.token) });
    expect(keys.body).not.toContain(secretKey);

    const again = await app.inject({
      method: 'POST',
      url: `/api/v1/orgs/${owner.orgId}/keys/rotate`,
      headers: bearer(owner.token),
    });
    // A secret key is not a session token: it cannot reach organizer-only routes, and the old one is dead.
    expect(
      (await app.inject({ url: '/api/v1/auth/me', headers: bearer(again.json().secretKey) })).statusCode,
    ).toBe(403);
    expect((await app.inject({ url: '/api/v1/auth/me', headers: bearer(secretKey) })).statusCode).toBe(401);
  });

  it('normalises and stores allowed origins, rejecting anything that is not an origin', async () => {
    const owner = await signup(app, 'origins');
    const url = `/api/v1/orgs/${owner.orgId}/allowed-origins`;
    const ok = await app.inject({
      method: 'PUT',
      url,
      headers: bearer(owner.token),
      payload: {
        allowedOrigins: [
          'https://tickets.example.com',
          'http://localhost:5174',
          'https://tickets.example.com',
        ],
      },
    });
    expect(ok.json().allowedOrigins).toEqual(['https://tickets.example.com', 'http://localhost:5174']);
    const bad = await app.inject({
      method: 'PUT',
      url,
      headers: bearer(owner.token),
      payload: { allowedOrigins: ['https://tickets.example.com/path'] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('VALIDATION_FAILED');
  });
});
