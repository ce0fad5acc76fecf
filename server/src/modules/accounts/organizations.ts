import type { Organization } from '@happening/shared';
import type pg from 'pg';
import { AppError, unauthenticated } from '../../lib/errors.js';
import { newPublishableKey, newSecretKey } from '../../lib/keys.js';
import type { AccountsRepository } from './repository.js';

/**
 * A new organization with its own publishable key and secret key, and `userId` as its admin: what
 * signup and `POST /orgs` both do, inside the caller's transaction. The secret key itself is not
 * kept anywhere (only its hash and hint), so it is shown for the first time by a rotation.
 */
export async function createOrganizationWithAdmin(
  accounts: AccountsRepository,
  client: pg.PoolClient,
  { name, adminUserId }: { name: string; adminUserId: string },
): Promise<Organization> {
  const secret = newSecretKey();
  const org = await accounts.insertOrganization(
    {
      name: name.trim(),
      publishableKey: newPublishableKey(),
      secretKeyHash: secret.hash,
      secretKeyHint: secret.hint,
    },
    client,
  );
  await accounts.addMember(org.id, adminUserId, 'admin', client);
  return { ...org, role: 'admin' };
}

/**
 * Refuses a new membership for someone who already belongs to `limit` organizations, whether they
 * create one or accept an invitation. Counting happens under the user's row lock, so parallel
 * requests cannot all see room left; call it inside the transaction that adds the membership.
 */
export async function assertRoomForAnotherOrganization(
  accounts: AccountsRepository,
  client: pg.PoolClient,
  userId: string,
  limit: number,
): Promise<void> {
  if (!(await accounts.lockUser(userId, client))) throw unauthenticated('This account no longer exists');
  if ((await accounts.countMemberships(userId, client)) >= limit) {
    throw new AppError(
      409,
      'ORGANIZATION_LIMIT_REACHED',
      `You already belong to ${limit} organizations, the most one person may belong to`,
      { limit },
    );
  }
}

/**
 * Refuses to create a second organization with the name of one the caller already belongs to: the
 * organization switcher, invitations and emails show organizations by name, and two identical
 * entries cannot be told apart. Call it after `assertRoomForAnotherOrganization`, whose user row
 * lock makes two parallel creations with the same name take turns.
 */
export async function assertNoOrganizationNamed(
  accounts: AccountsRepository,
  client: pg.PoolClient,
  userId: string,
  name: string,
): Promise<void> {
  const existing = await accounts.memberOrganizationNamed(userId, name, client);
  if (existing !== null) {
    throw new AppError(
      409,
      'ORGANIZATION_NAME_TAKEN',
      `You already belong to an organization named "${existing}"; choose another name`,
      { name: existing },
    );
  }
}
