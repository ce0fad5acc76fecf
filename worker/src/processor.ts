/**
 * One message, start to finish: validate, plan and claim what is not sent yet (one short
 * transaction), send it holding nothing of PostgreSQL's, record the outcome (another short
 * transaction), then schedule a retry or dead-letter. The caller acks only after this resolves,
 * so a message is acked only once its deliveries are recorded or it is safely queued again.
 */
import { randomUUID } from 'node:crypto';
import { asDeliveryFailure, type WebhookChannel, type WebhookTarget } from '@happening/delivery';
import type { InAppNotification, NotificationMessage } from '@happening/shared';
import type pg from 'pg';
import type { Logger } from 'pino';
import { Batcher } from './batcher.js';
import type { EmailChannel } from './channels/email.js';
import {
  bookkeepingBatch,
  type DeliveryResult,
  type DeliveryRow,
  type MessagePlan,
  markHandled,
  type PlannedDelivery,
  type PlanRequest,
  type RecordRequest,
} from './delivery-store.js';
import { attemptOf, type IncomingMessage, isReplay, type Parsed, parseNotification } from './message.js';
import { isPersonal, personal } from './routing.js';
import { type InAppContent, recipientOf, renderInApp } from './templates/index.js';

export interface Publisher {
  /** Puts the message in the delay queue for `delayMs`, as attempt `attempt`. Resolves on confirm. */
  retry(incoming: IncomingMessage, delayMs: number, attempt: number): Promise<void>;
  /** Moves the message to the dead-letter queue with its reason. Resolves on confirm. */
  deadLetter(incoming: IncomingMessage, reason: string): Promise<void>;
  /**
   * Puts the message in the delay queue for `delayMs` without counting an attempt (it was not
   * tried). Resolves on confirm.
   */
  defer(incoming: IncomingMessage, delayMs: number): Promise<void>;
}

export interface ProcessorDeps {
  pool: pg.Pool;
  email: Pick<EmailChannel, 'send'>;
  webhooks: Pick<WebhookChannel, 'send'>;
  publisher: Publisher;
  /** Pushes an in-app notification to the organization's console sockets. */
  pushInApp: (notification: InAppNotification) => void;
  /** Backoff before attempt 2, 3, …; its length + 1 is the number of attempts. */
  retryDelaysMs: number[];
  /**
   * How long a claim on a message's deliveries lasts: longer than any send takes. A worker that
   * dies mid-send leaves its claim; a copy of the message takes the deliveries over after this.
   */
  claimLeaseMs: number;
  /** This worker's name while it holds its liveness lock (see `Claim.claimant`), else null. */
  claimant: () => string | null;
  log: Logger;
}

/** `deferred`: put back for later untried (another worker's live claim, or its organization's share). */
export type Outcome = 'delivered' | 'duplicate' | 'retry' | 'dead-lettered' | 'deferred';

/** The shortest retry delay that outlasts `waitMs`, or the longest there is. */
export function delayAtLeast(delays: readonly number[], waitMs: number): number {
  return delays.find((delay) => delay >= waitMs) ?? delays.at(-1) ?? waitMs;
}

const ENDPOINT_GONE = 'webhook endpoint was deleted before delivery';

/** Email and in-app (not for hold events); one webhook delivery per subscribed endpoint is added by `planMessage`. */
function plan(message: NotificationMessage): PlannedDelivery[] {
  if (!isPersonal(message)) return [];
  const recipient = recipientOf(message);
  return [
    ...(recipient === null ? [] : [{ channel: 'email' as const, target: recipient.toLowerCase() }]),
    { channel: 'in_app', target: message.orgId },
  ];
}

/**
 * Bookkeeping batches written at once. One: what arrives while a batch is written waits and goes
 * in the next, so batches grow with the load. A batch pays a fixed share of PostgreSQL CPU
 * whatever its size (its commit, its locks; ~0.7 ms for a plan and a record written as two
 * transactions, against ~0.14 ms per message); with more in flight each held fewer messages, and
 * at 1,000 messages/s (`npm run bench`) that fixed cost was the largest share of the pipeline's CPU.
 */
const BATCHES_IN_FLIGHT = 1;
/** Plans and records per transaction at most. */
const MAX_BATCH = 100;

/** A message's plan to write, or its outcome to record: both kinds share a batch. */
type Bookkeeping = { plan: PlanRequest } | { record: RecordRequest };
type Booked = { plan: MessagePlan } | { record: InAppNotification | null };

/** One batch's plans and records in one transaction, each answer in its request's place. */
async function writeBookkeeping(pool: ProcessorDeps['pool'], work: Bookkeeping[]): Promise<Booked[]> {
  const plans = work.flatMap((item) => ('plan' in item ? [item.plan] : []));
  const records = work.flatMap((item) => ('record' in item ? [item.record] : []));
  const written = await bookkeepingBatch(pool, plans, records);
  let plan = 0;
  let record = 0;
  return work.map((item) =>
    'plan' in item ? { plan: written.plans[plan++]! } : { record: written.records[record++] ?? null },
  );
}

export class NotificationProcessor {
  private readonly bookkeeping: Batcher<Bookkeeping, Booked>;

  constructor(private readonly deps: ProcessorDeps) {
    this.bookkeeping = new Batcher((work) => writeBookkeeping(deps.pool, work), BATCHES_IN_FLIGHT, MAX_BATCH);
  }

  private async planned(request: PlanRequest): Promise<MessagePlan> {
    const answer = await this.bookkeeping.submit({ plan: request });
    if (!('plan' in answer)) throw new Error('bookkeeping answered a plan with a record');
    return answer.plan;
  }

  private async recorded(request: RecordRequest): Promise<InAppNotification | null> {
    const answer = await this.bookkeeping.submit({ record: request });
    if (!('record' in answer)) throw new Error('bookkeeping answered a record with a plan');
    return answer.record;
  }

  get maxAttempts(): number {
    return this.deps.retryDelaysMs.length + 1;
  }

  /** `parsed`: the message already read (the worker reads it once, for its organization's share). */
  async handle(incoming: IncomingMessage, parsed: Parsed = parseNotification(incoming)): Promise<Outcome> {
    if (!parsed.ok) {
      // Retrying cannot make a malformed message readable: dead-letter it at once.
      await this.deps.publisher.deadLetter(incoming, parsed.reason);
      return 'dead-lettered';
    }
    return this.deliver(incoming, parsed.message);
  }

  private async deliver(incoming: IncomingMessage, message: NotificationMessage): Promise<Outcome> {
    const attempt = attemptOf(incoming);
    const claimToken = randomUUID();
    const { handled, endpoints, rows, busyUntil } = await this.planned({
      message,
      planned: plan(message),
      replay: isReplay(incoming),
      claim: { token: claimToken, leaseMs: this.deps.claimLeaseMs, claimant: this.deps.claimant() },
    });
    if (handled) return 'duplicate';
    if (busyUntil) {
      // Another worker is sending this message now (a relay repeat, or a redelivery while the
      // first copy's worker is slow or dead). Come back when its lease has ended: then it has
      // recorded everything (and this copy finds the inbox row) or it is gone (and this copy
      // takes its deliveries over).
      await this.deps.publisher.defer(
        incoming,
        delayAtLeast(this.deps.retryDelaysMs, busyUntil.getTime() - Date.now()),
      );
      return 'deferred';
    }
    const results = await Promise.all(
      rows
        .filter((row) => row.status === 'pending')
        .map((row) => this.send(message, row, endpoints, attempt)),
    );
    const retrying = results.filter((result) => result.status === 'pending');
    const finalRows = rows.map(
      (row) => results.find((result) => result.id === row.id) ?? { ...row, error: null },
    );
    const failed = finalRows.filter((row) => row.status === 'failed' && row.error !== ENDPOINT_GONE);
    const done = retrying.length === 0 && failed.length === 0;

    // Delivered everywhere: the inbox row commits with the last delivery records.
    const pushed = await this.recorded({
      message,
      claimToken,
      outcome: {
        results: results.map(({ id, status, error }) => ({ id, status, error })),
        handled: done,
        inApp: results.find((result) => result.inApp)?.inApp ?? null,
      },
    });
    this.push(pushed);
    if (done) return 'delivered';

    if (retrying.length > 0) {
      await this.deps.publisher.retry(incoming, this.deps.retryDelaysMs[attempt - 1]!, attempt + 1);
      return 'retry';
    }
    const reason = failed.map((row) => `${row.channel} ${row.target}: ${row.error ?? 'failed'}`).join('; ');
    await this.deps.publisher.deadLetter(incoming, reason);
    // Handled only once the dead letter is safely queued; a crash before this repeats the
    // dead-lettering (harmless), never loses it.
    await markHandled(this.deps.pool, message);
    return 'dead-lettered';
  }

  /**
   * Sends one claimed delivery. Email and webhooks go out now; the in-app notification is
   * rendered here and stored with the outcome, in the record's transaction.
   */
  private async send(
    message: NotificationMessage,
    row: DeliveryRow,
    endpoints: WebhookTarget[],
    attempt: number,
  ): Promise<DeliveryResult & { channel: string; target: string; inApp?: InAppContent }> {
    const base = { id: row.id, channel: row.channel, target: row.target };
    try {
      if (row.channel === 'email') await this.deps.email.send(personal(message));
      else if (row.channel === 'in_app')
        return { ...base, status: 'sent', error: null, inApp: renderInApp(personal(message)) };
      else {
        const endpoint = endpoints.find((candidate) => candidate.id === row.target);
        if (!endpoint) return { ...base, status: 'failed', error: ENDPOINT_GONE };
        await this.deps.webhooks.send(endpoint, message);
      }
      return { ...base, status: 'sent', error: null };
    } catch (error) {
      const failure = asDeliveryFailure(error);
      const exhausted = attempt >= this.maxAttempts;
      this.deps.log.warn(
        { messageId: message.id, channel: row.channel, attempt, recoverable: failure.recoverable },
        failure.message,
      );
      if (failure.recoverable && !exhausted) return { ...base, status: 'pending', error: failure.message };
      const reason = failure.recoverable
        ? `${failure.message} (gave up after ${attempt} attempts)`
        : failure.message;
      return { ...base, status: 'failed', error: reason };
    }
  }

  private push(notification: InAppNotification | null): void {
    if (!notification) return;
    try {
      this.deps.pushInApp(notification);
    } catch (error) {
      // The notification is stored; the console loads it on its next refresh.
      this.deps.log.warn({ err: error }, 'could not push an in-app notification');
    }
  }
}
