/**
 * One organization's dead letters. Every organization's notifications share one dead-letter queue
 * (`N.dead`, see shared/src/topology.ts), and each message names its organization (`orgId` in the
 * body), so an organization's view and replay walk that queue and touch only its own letters.
 *
 * AMQP has no "peek": a letter is read by taking it (unacked) and giving it back. A walk takes
 * every letter present when it starts (at most MAX_SCAN), holding the others unacked so it never
 * meets one twice, then gives those back in the order it took them: the other organizations'
 * letters stay in the queue, in their order. Letters dead-lettered during a walk join the queue
 * meanwhile and may end up before them. Walks take turns (dead-letter-lock.ts).
 */
import { deadLetterQueueName, NotificationHeaders } from '@happening/shared';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { GetMessage } from 'amqplib';
import { replayOne } from './replay.js';

/** Letters one walk looks at, at most: a bound on what it holds in memory and unacked. */
export const MAX_SCAN = 10_000;
const RETURN_WAIT_MS = 5_000;
const RETURN_POLL_MS = 20;

export interface DeadLetterSummary {
  messageId: string;
  type: string;
  reason: string;
  deadLetteredAt: string | null;
}

/** The organization a message belongs to, or null when its body names none (e.g. unreadable). */
export function orgIdOf(message: Pick<GetMessage, 'content'>): string | null {
  try {
    const body = JSON.parse(message.content.toString('utf8')) as unknown;
    if (body && typeof body === 'object' && typeof (body as { orgId?: unknown }).orgId === 'string')
      return (body as { orgId: string }).orgId;
  } catch {
    // Not JSON: nobody's but the operators'.
  }
  return null;
}

/** What the console shows of a letter: never its body (booking links carry manage tokens). */
export function summaryOf(message: GetMessage): DeadLetterSummary {
  const headers = message.properties.headers ?? {};
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  let bodyType: string | null = null;
  try {
    bodyType = text((JSON.parse(message.content.toString('utf8')) as { type?: unknown }).type);
  } catch {
    bodyType = null;
  }
  return {
    messageId: String(message.properties.messageId ?? ''),
    type: text(message.properties.type) ?? bodyType ?? 'unknown',
    // The worker's reason, or the broker's when it dead-lettered the message itself (delivery limit).
    reason: text(headers[NotificationHeaders.reason]) ?? text(headers['x-first-death-reason']) ?? '',
    deadLetteredAt: text(headers[NotificationHeaders.deadLetteredAt]),
  };
}

/**
 * Takes each letter present (up to MAX_SCAN) and asks `visit` about it: 'taken' means `visit`
 * acked it (or gave it back itself), 'kept' that it stays. Kept letters are given back at the end,
 * in order, also when `visit` throws.
 */
async function walk(
  channel: ChannelWrapper,
  queue: string,
  visit: (message: GetMessage) => Promise<'taken' | 'kept'>,
): Promise<void> {
  const dead = deadLetterQueueName(queue);
  const { messageCount } = await channel.checkQueue(dead);
  const kept: GetMessage[] = [];
  try {
    for (let seen = 0; seen < Math.min(messageCount, MAX_SCAN); seen++) {
      const message = await channel.get(dead, { noAck: false });
      if (!message) break;
      if ((await visit(message)) === 'kept') kept.push(message);
    }
  } finally {
    for (const message of kept) {
      try {
        channel.nack(message, false, true);
      } catch {
        // The channel is gone: the broker gave every unacked letter back with it.
      }
    }
    if (kept.length > 0) await givenBack(channel, dead, kept.length);
  }
}

/**
 * A quorum queue applies returned messages a moment after the nack (nacks are not confirmed), so
 * the next walk could count fewer letters than there are. The lock is held until the queue shows
 * at least the letters given back.
 */
async function givenBack(channel: ChannelWrapper, dead: string, atLeast: number): Promise<void> {
  for (let waited = 0; waited < RETURN_WAIT_MS; waited += RETURN_POLL_MS) {
    const { messageCount } = await channel.checkQueue(dead).catch(() => ({ messageCount: atLeast }));
    if (messageCount >= atLeast) return;
    await new Promise((resolve) => setTimeout(resolve, RETURN_POLL_MS));
  }
}

/** The organization's dead letters, oldest first: the first `limit` of them and how many there are. */
export async function listOrgDeadLetters(
  channel: ChannelWrapper,
  queue: string,
  orgId: string,
  limit: number,
): Promise<{ deadLetters: DeadLetterSummary[]; total: number }> {
  const deadLetters: DeadLetterSummary[] = [];
  let total = 0;
  await walk(channel, queue, async (message) => {
    if (orgIdOf(message) === orgId) {
      total++;
      if (deadLetters.length < limit) deadLetters.push(summaryOf(message));
    }
    return 'kept';
  });
  return { deadLetters, total };
}

/** Replays up to `limit` of the organization's dead letters; every other letter stays. */
export async function replayOrgDeadLetters(
  channel: ChannelWrapper,
  queue: string,
  orgId: string,
  limit: number,
): Promise<number> {
  let replayed = 0;
  await walk(channel, queue, async (message) => {
    if (replayed >= limit || orgIdOf(message) !== orgId) return 'kept';
    await replayOne(channel, queue, message);
    replayed++;
    return 'taken';
  });
  return replayed;
}
