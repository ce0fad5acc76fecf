/**
 * OutboxRelay: moves committed outbox rows to RabbitMQ without losing any.
 *
 * - Rows are claimed in batches with `FOR UPDATE SKIP LOCKED`, so several relays (one per server
 *   process) share the work without publishing the same row at the same time.
 * - A batch is published at once on a confirm channel; a row is marked published only after the
 *   broker confirmed it and did not return it as unroutable (`mandatory`). Anything the client
 *   merely buffered in memory is not "sent".
 * - Batches overlap with their confirms: while batch n waits for its confirms (its transaction
 *   still holding its rows' locks, so `SKIP LOCKED` keeps them out of the next claim), batch n+1
 *   is claimed and published, up to `maxInFlightBatches` at once (each holds one pool client).
 *   Unconfirmed messages are therefore bounded by `batchSize × maxInFlightBatches`. Each batch
 *   commits its own marks after its own confirms, so the guarantee above holds per row; order
 *   across batches was never promised (several relays already interleave).
 * - A relay that dies mid-batch rolls its transaction back: the rows are published again by the
 *   next relay. Consumers deduplicate by message id, so a repeat costs nothing.
 * - It wakes on `LISTEN outbox` (the insert trigger) and polls as a fallback, so a lost
 *   notification (listener reconnecting) only delays publishing, never loses it.
 * - Once an interval it deletes rows published longer ago than the retention (`pruneOutbox`).
 */
import { brokerUrlsOf } from '@happening/runtime';
import { declareTopology, exchangeName, notificationTopology } from '@happening/shared';
import amqp, { type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConfirmChannel, Message } from 'amqplib';
import pg from 'pg';
import { pruneOutbox } from './outbox-pruner.js';

export interface RelayLogger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  debug(object: object, message?: string): void;
}

export interface OutboxRelayOptions {
  pool: pg.Pool;
  /** For the LISTEN connection (a pooled client cannot stay subscribed). */
  databaseUrl: string;
  /** `RABBITMQ_URL`: one node or several, comma-separated. */
  rabbitmqUrl: string;
  queue: string;
  /** Rows per batch. */
  batchSize?: number;
  /** Batches published and awaiting their confirms at once (1: no overlap). */
  maxInFlightBatches?: number;
  /** Fallback polling interval when no NOTIFY arrives. */
  pollIntervalMs?: number;
  /** A batch whose confirms do not arrive in time is abandoned (its rows stay unsent). */
  publishTimeoutMs?: number;
  /**
   * Only rows of these organizations. Unset in production; lets test files run relays side by
   * side on one database without taking each other's rows.
   */
  orgIds?: string[];
  /** Published rows older than this are deleted (see `pruneOutbox`); 0 keeps them forever. */
  retentionMs?: number;
  /** How often this relay prunes (every relay does; the deletes do not conflict). */
  pruneIntervalMs?: number;
  log: RelayLogger;
}

interface OutboxRow {
  id: string;
  type: string;
  payload: unknown;
  created_at: Date;
}

export class OutboxRelay {
  readonly connectionName: string;
  private readonly options: Required<Omit<OutboxRelayOptions, 'orgIds'>> & { orgIds?: string[] };
  private connection?: AmqpConnectionManager;
  private channel?: ChannelWrapper;
  private listener?: pg.Client;
  private stopping = false;
  private readonly stopped: Promise<void>;
  private signalStopped!: () => void;
  private loop?: Promise<void>;
  private wake?: () => void;
  private pendingWake = false;
  private readonly returned = new Set<string>();
  /** Rows confirmed since start (for logs and tests). */
  published = 0;
  /** Most batches that were awaiting confirms at the same time (for tests and tuning). */
  peakInFlightBatches = 0;
  private readonly inFlight = new Set<Promise<void>>();
  /** Failed batches since the loop last looked (they finish in the background). */
  private failedBatches = 0;
  /** Published rows this relay deleted since start. */
  pruned = 0;
  private nextPruneAt = 0;

  constructor(options: OutboxRelayOptions) {
    this.options = {
      batchSize: 200,
      maxInFlightBatches: 3,
      pollIntervalMs: 1_000,
      publishTimeoutMs: 10_000,
      retentionMs: 7 * 24 * 3_600_000,
      pruneIntervalMs: 3_600_000,
      ...options,
    };
    this.stopped = new Promise((resolve) => {
      this.signalStopped = resolve;
    });
    this.connectionName = `happening-outbox-relay ${options.queue} ${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  }

  async start(): Promise<void> {
    const topology = notificationTopology(this.options.queue);
    // Its own connection: publisher flow control cannot stall the server's other AMQP work, and
    // operators see it by name.
    this.connection = amqp.connect(brokerUrlsOf(this.options.rabbitmqUrl), {
      heartbeatIntervalInSeconds: 15,
      reconnectTimeInSeconds: 1,
      connectionOptions: { clientProperties: { connection_name: this.connectionName } },
    });
    this.connection.on('disconnect', ({ err }) =>
      this.options.log.warn({ err }, 'outbox relay: RabbitMQ disconnected'),
    );
    this.connection.on('connect', () => {
      this.options.log.info({}, 'outbox relay: RabbitMQ connected');
      this.poke();
    });
    this.channel = this.connection.createChannel({
      name: 'outbox-relay',
      confirm: true,
      setup: async (channel: ConfirmChannel | Channel) => {
        // Unroutable mandatory messages come back before their confirm; remember them.
        channel.on('return', (message: Message) => {
          if (message.properties.messageId) this.returned.add(message.properties.messageId);
        });
        await declareTopology(channel, topology);
      },
    });
    this.channel.on('error', (err) => this.options.log.warn({ err }, 'outbox relay: channel setup failed'));
    await this.listen();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.signalStopped();
    this.poke();
    await this.loop;
    await this.listener?.end().catch(() => {});
    await this.channel?.close().catch(() => {});
    await this.connection?.close().catch(() => {});
  }

  private poke(): void {
    this.pendingWake = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      let count = 0;
      try {
        count = await this.claimAndPublish();
      } catch (error) {
        this.failedBatches++;
        this.options.log.warn({ err: error }, 'outbox relay: batch failed; retrying');
      }
      if (this.stopping) break;
      const full = count === this.options.batchSize;
      // A full batch means more rows are waiting: claim the next one as soon as a slot is free,
      // without waiting for this one's confirms.
      if (full && this.failedBatches === 0) {
        while (this.inFlight.size >= this.options.maxInFlightBatches) await Promise.race(this.inFlight);
        if (this.failedBatches === 0) continue;
      }
      // Otherwise the outbox is drained (or failing): let the batches in flight finish first.
      await Promise.all(this.inFlight);
      if (this.failedBatches > 0) {
        failures++;
        this.failedBatches = 0;
      } else failures = 0;
      await this.pruneWhenDue();
      if (this.stopping) break;
      if (failures > 0) await this.sleep(Math.min(failures * 500, 5_000), false);
      else if (!full) await this.sleep(this.options.pollIntervalMs, true);
    }
    await Promise.all(this.inFlight);
  }

  /** Pruning is housekeeping: a failure is logged and tried again at the next interval. */
  private async pruneWhenDue(): Promise<void> {
    if (this.options.retentionMs <= 0 || Date.now() < this.nextPruneAt) return;
    this.nextPruneAt = Date.now() + this.options.pruneIntervalMs;
    try {
      const deleted = await pruneOutbox(this.options.pool, {
        olderThanMs: this.options.retentionMs,
        ...(this.options.orgIds ? { orgIds: this.options.orgIds } : {}),
      });
      this.pruned += deleted;
      if (deleted > 0) this.options.log.info({ deleted }, 'outbox relay: pruned published rows');
    } catch (error) {
      this.options.log.warn({ err: error }, 'outbox relay: pruning failed; next try at the next interval');
    }
  }

  /** Waits `ms`; a NOTIFY (when `wakeable`) or stop ends the wait early. */
  private sleep(ms: number, wakeable: boolean): Promise<void> {
    if (this.stopping) return Promise.resolve();
    if (wakeable && this.pendingWake) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.wake = () => {
        if (!wakeable && !this.stopping) return;
        this.pendingWake = false;
        finish();
      };
    });
  }

  /**
   * Claims one batch and publishes it; its confirms, marks and commit finish in the background
   * (tracked in `inFlight`). Returns how many rows were claimed.
   */
  private async claimAndPublish(): Promise<number> {
    const channel = this.channel!;
    // Do not lock rows while the broker is away; amqp-connection-manager reconnects meanwhile.
    await Promise.race([channel.waitForConnect(), this.stopped]);
    if (this.stopping) return 0;
    const client = await this.options.pool.connect();
    let rows: OutboxRow[];
    try {
      await client.query('BEGIN');
      ({ rows } = await client.query<OutboxRow>(
        `SELECT id, type, payload, created_at FROM outbox
         WHERE published_at IS NULL ${this.options.orgIds ? 'AND org_id = ANY($2::uuid[])' : ''}
         ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
        this.options.orgIds ? [this.options.batchSize, this.options.orgIds] : [this.options.batchSize],
      ));
      if (rows.length === 0) {
        await client.query('COMMIT');
        client.release();
        return 0;
      }
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      client.release();
      throw error;
    }
    // Every publish is handed to the channel now, in claim order; the confirms arrive later.
    const outcomes = Promise.allSettled(rows.map((row) => this.publish(channel, row)));
    const batch = this.confirmAndMark(client, rows, outcomes).catch((error) => {
      this.failedBatches++;
      this.options.log.warn({ err: error }, 'outbox relay: batch failed; retrying');
    });
    const tracked = batch.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    this.peakInFlightBatches = Math.max(this.peakInFlightBatches, this.inFlight.size);
    return rows.length;
  }

  /** Waits for a batch's confirms, marks the confirmed rows and commits (or rolls back). */
  private async confirmAndMark(
    client: pg.PoolClient,
    rows: OutboxRow[],
    settled: Promise<PromiseSettledResult<boolean>[]>,
  ): Promise<void> {
    try {
      const outcomes = await settled;
      const confirmed: string[] = [];
      const failed: { id: string; error: string }[] = [];
      outcomes.forEach((outcome, index) => {
        const id = rows[index]!.id;
        if (outcome.status === 'rejected')
          failed.push({ id, error: String(outcome.reason?.message ?? outcome.reason) });
        else if (this.returned.delete(id)) failed.push({ id, error: 'unroutable: no queue is bound for it' });
        else confirmed.push(id);
      });
      await client.query(
        `UPDATE outbox SET published_at = now(), publish_attempts = publish_attempts + 1, last_error = NULL
         WHERE id = ANY($1::uuid[])`,
        [confirmed],
      );
      if (failed.length > 0) {
        await client.query(
          `UPDATE outbox o SET publish_attempts = publish_attempts + 1, last_error = f->>'error'
           FROM jsonb_array_elements($1::jsonb) AS f WHERE o.id = (f->>'id')::uuid`,
          [JSON.stringify(failed)],
        );
        this.options.log.warn(
          { failed: failed.length, firstError: failed[0]!.error },
          'outbox relay: rows not confirmed',
        );
      }
      await client.query('COMMIT');
      this.published += confirmed.length;
      if (failed.length > 0) throw new Error(`${failed.length} of ${rows.length} rows were not confirmed`);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  private publish(channel: ChannelWrapper, row: OutboxRow): Promise<boolean> {
    return channel.publish(
      exchangeName(this.options.queue),
      row.type,
      Buffer.from(JSON.stringify(row.payload)),
      {
        persistent: true,
        mandatory: true,
        contentType: 'application/json',
        messageId: row.id,
        type: row.type,
        timestamp: Math.floor(row.created_at.getTime() / 1000),
        timeout: this.options.publishTimeoutMs,
      },
    );
  }

  /** LISTEN on a dedicated connection, reconnecting on loss (polling covers the gap). */
  private async listen(): Promise<void> {
    if (this.stopping) return;
    const client = new pg.Client({
      connectionString: this.options.databaseUrl,
      application_name: 'happening-outbox-relay',
    });
    this.listener = client;
    const reconnect = () => {
      if (this.stopping || this.listener !== client) return;
      this.listener = undefined;
      client.end().catch(() => {});
      setTimeout(() => void this.listen().catch(() => {}), 1_000).unref();
    };
    client.on('error', (err) => {
      this.options.log.debug({ err }, 'outbox relay: LISTEN connection lost');
      reconnect();
    });
    client.on('end', reconnect);
    client.on('notification', () => this.poke());
    try {
      await client.connect();
      await client.query('LISTEN outbox');
      this.poke(); // rows may have arrived while not listening
    } catch (err) {
      this.options.log.debug({ err }, 'outbox relay: could not LISTEN; polling meanwhile');
      reconnect();
    }
  }
}
