import type { HoldNotificationType } from '@happening/shared';
import type { HoldNotify } from '../inventory/contract.js';

/** The letter each hold event has in a hold's `n` (lua/lib/core.lua). */
export const HOLD_EVENT_LETTERS: Record<HoldNotificationType, string> = {
  hold_expiring: 'w',
  hold_expired: 'x',
  hold_extended: 'e',
};

/** How long one process trusts what it read about an organization's subscriptions. */
export const SUBSCRIPTIONS_CACHE_MS = 5_000;
const CACHE_LIMIT = 10_000;

/**
 * Which hold events a new hold queues: those at least one endpoint of its organization is
 * subscribed to, decided when the hold is made. An organization without such an endpoint (most
 * widget holds) queues nothing, so the outbox only carries hold events someone will receive.
 *
 * It sits on the hold path, so each process remembers an organization's answer for
 * `SUBSCRIPTIONS_CACHE_MS`; the webhook routes forget it at once in the process that changed an
 * endpoint, other processes follow within that time.
 */
export class HoldSubscriptions {
  private readonly cache = new Map<string, { at: number; notify: HoldNotify | null }>();

  constructor(
    private readonly subscribed: (orgId: string) => Promise<HoldNotificationType[]>,
    /** `hold_expiring` is due this long before a hold expires (ms). */
    private readonly leadMs: number,
  ) {}

  /** What the hold script takes as `notify`, or undefined when nobody listens. */
  async notifyFor(orgId: string): Promise<HoldNotify | undefined> {
    const hit = this.cache.get(orgId);
    if (hit && Date.now() - hit.at < SUBSCRIPTIONS_CACHE_MS) return hit.notify ?? undefined;
    const types = await this.subscribed(orgId);
    const notify =
      types.length === 0
        ? null
        : { k: types.map((type) => HOLD_EVENT_LETTERS[type]).join(''), lead: this.leadMs };
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(orgId, { at: Date.now(), notify });
    return notify ?? undefined;
  }

  /** An endpoint of the organization changed: ask PostgreSQL next time. */
  forget(orgId: string): void {
    this.cache.delete(orgId);
  }
}
