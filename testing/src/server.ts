import { randomUUID } from 'node:crypto';
import { buildApp } from '@happening/server';
import { loadConfig } from '@happening/server/config';
import { hashPassword } from '@happening/server/passwords';
import type { Role } from '@happening/shared';
import { testEnv } from './env.js';

export type TestApp = Awaited<ReturnType<typeof buildApp>>;

export async function buildTestApp(overrides: Record<string, string> = {}): Promise<TestApp> {
  return buildApp(loadConfig(testEnv(overrides)));
}

export const uniqueEmail = (label = 'user') => `${label}-${randomUUID()}@example.test`;

export interface SignedUp {
  token: string;
  userId: string;
  orgId: string;
  email: string;
  password: string;
}

export async function signup(app: TestApp, label = 'organizer'): Promise<SignedUp> {
  const email = uniqueEmail(label);
  const password = 'correct horse battery staple';
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/signup',
    payload: { email, password, name: `Test ${label}`, organization: { name: `Org of ${label}` } },
  });
  if (response.statusCode !== 201) throw new Error(`signup failed: ${response.statusCode} ${response.body}`);
  const body = response.json();
  return { token: body.token, userId: body.user.id, orgId: body.organization.id, email, password };
}

/** A second person in `orgId` with `role` (joined directly in the database; invitations have their own tests). */
export async function addMember(app: TestApp, orgId: string, role: Role): Promise<SignedUp> {
  const member = await signup(app, role);
  await app.pg.query('INSERT INTO memberships (org_id, user_id, role) VALUES ($1, $2, $3)', [
    orgId,
    member.userId,
    role,
  ]);
  return member;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/**
 * Invites `email` into `admin`'s organization and returns the token of the link in the queued email
 * (`PUBLIC_URL/invitations#<token>`: the token is the fragment).
 */
export async function invite(
  app: TestApp,
  admin: SignedUp,
  email: string,
  role: Role,
): Promise<{ id: string; token: string; url: string }> {
  const created = await app.inject({
    method: 'POST',
    url: `/api/v1/orgs/${admin.orgId}/invitations`,
    headers: bearer(admin.token),
    payload: { email, role },
  });
  if (created.statusCode !== 201) throw new Error(`invitation refused: ${created.body}`);
  const { rows } = await app.pg.query<{ url: string }>(
    `SELECT payload->>'acceptUrl' AS url FROM outbox WHERE type = 'invitation_received' AND payload->>'invitationId' = $1`,
    [created.json().id],
  );
  const url = rows[0]!.url;
  return { id: created.json().id, token: decodeURIComponent(new URL(url).hash.slice(1)), url };
}

/**
 * An account made the way `npm start`'s seed makes one, not through signup (which refuses the
 * addresses in OPERATOR_EMAILS): for a deployment operator. Belongs to no organization.
 */
export async function accountOutsideSignup(app: TestApp, email: string): Promise<SignedUp> {
  const password = 'correct horse battery staple';
  const { rows } = await app.pg.query<{ id: string }>(
    'INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3) RETURNING id',
    [email, 'Test operator', await hashPassword(password, 10)],
  );
  const userId = rows[0]!.id;
  return { token: await app.issueSession(userId), userId, orgId: '', email, password };
}
