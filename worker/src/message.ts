import { NotificationHeaders, NotificationMessage } from '@happening/shared';
import { Compile } from 'typebox/compile';

const validator = Compile(NotificationMessage);

/** What the worker needs from an AMQP delivery (amqplib's Message satisfies it). */
export interface IncomingMessage {
  content: Buffer;
  properties: { messageId?: string; type?: string; headers?: Record<string, unknown> };
}

export type Parsed = { ok: true; message: NotificationMessage } | { ok: false; reason: string };

/** Reads and validates a message against the schema in shared/. Never throws. */
export function parseNotification(incoming: IncomingMessage): Parsed {
  let body: unknown;
  try {
    body = JSON.parse(incoming.content.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: `unreadable: not JSON (${(error as Error).message})` };
  }
  if (!validator.Check(body)) {
    const problems = [...validator.Errors(body)]
      .slice(0, 3)
      .map((problem) => `${problem.instancePath || '/'} ${problem.message}`);
    return { ok: false, reason: `invalid: ${problems.join('; ')}` };
  }
  const messageId = incoming.properties.messageId;
  if (messageId && messageId !== body.id) {
    return { ok: false, reason: `invalid: messageId ${messageId} differs from body id ${body.id}` };
  }
  return { ok: true, message: body };
}

export function attemptOf(incoming: IncomingMessage): number {
  const value = Number(incoming.properties.headers?.[NotificationHeaders.attempt] ?? 1);
  return Number.isInteger(value) && value >= 1 ? value : 1;
}

export function isReplay(incoming: IncomingMessage): boolean {
  return incoming.properties.headers?.[NotificationHeaders.replayedAt] !== undefined;
}
