import { deadLetterQueueName, NotificationHeaders } from '@happening/shared';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { GetMessage } from 'amqplib';

/** Headers that describe a past life in the dead-letter queue; a replayed message starts afresh. */
const forgotten = [
  NotificationHeaders.reason,
  NotificationHeaders.deadLetteredAt,
  NotificationHeaders.attempt,
  'x-death',
  'x-first-death-exchange',
  'x-first-death-queue',
  'x-first-death-reason',
  'x-last-death-exchange',
  'x-last-death-queue',
  'x-last-death-reason',
  'x-delivery-count',
];

/**
 * Puts one dead letter taken from the dead-letter queue back on the work queue: re-published
 * (confirmed) before it is acked, so a crash in between duplicates a message rather than losing
 * it. On a failed publish the letter goes back to the dead-letter queue and the error is thrown.
 */
export async function replayOne(channel: ChannelWrapper, queue: string, message: GetMessage): Promise<void> {
  const headers = { ...message.properties.headers };
  for (const name of forgotten) delete headers[name];
  headers[NotificationHeaders.replayedAt] = new Date().toISOString();
  try {
    await channel.sendToQueue(queue, message.content, {
      persistent: true,
      contentType: message.properties.contentType ?? 'application/json',
      messageId: message.properties.messageId,
      type: message.properties.type,
      headers,
      timeout: 10_000,
    });
  } catch (error) {
    channel.nack(message, false, true);
    throw error;
  }
  channel.ack(message);
}

/**
 * Moves up to `limit` dead letters back to the work queue, one at a time (see `replayOne`). Every
 * organization's: this is the operators' replay.
 */
export async function replayDeadLetters(
  channel: ChannelWrapper,
  queue: string,
  limit: number,
): Promise<number> {
  // Only the letters present now: a replayed message that fails again comes back to the
  // dead-letter queue, and must not be picked up again by this same replay.
  const { messageCount } = await channel.checkQueue(deadLetterQueueName(queue));
  const count = Math.min(limit, messageCount);
  let replayed = 0;
  while (replayed < count) {
    const message = await channel.get(deadLetterQueueName(queue), { noAck: false });
    if (!message) break;
    await replayOne(channel, queue, message);
    replayed++;
  }
  return replayed;
}
