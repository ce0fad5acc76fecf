/**
 * The notifications baseline, a fair one: bare amqplib publishing the same message bodies on a
 * confirm channel to a queue of the same kind (quorum, durable, persistent messages), and a
 * consumer that does the same mail work as the worker for each: renders and builds the very same
 * MIME (`@happening/worker/email`), sends it through the worker's SMTP pool
 * (`@happening/worker/smtp-pool`) with the worker's pool settings to the same SMTP sink
 * implementation, then acks. No outbox, no database, no
 * bookkeeping: what the broker and SMTP cost on their own.
 */
import type { PersonalNotificationMessage } from '@happening/shared';
import { loadWorkerConfig } from '@happening/worker/config';
import { prepareMail } from '@happening/worker/email';
import { SmtpPool } from '@happening/worker/smtp-pool';
import amqplib from 'amqplib';
import { serveParent } from '../lib/child.js';
import { RABBITMQ_URL } from '../lib/config.js';
import { nowMs } from '../lib/stats.js';

interface RunArgument {
  queue: string;
  messages: string[];
  smtpUrl: string;
  /** The worker's settings that shape the mail work (pool size, prefetch, sender). */
  env: Record<string, string>;
}

serveParent({
  async run({ queue, messages, smtpUrl, env }: RunArgument) {
    const config = loadWorkerConfig({ ...env, SMTP_URL: smtpUrl });
    const transport = new SmtpPool({
      url: config.SMTP_URL,
      connections: config.SMTP_POOL_CONNECTIONS,
      maxMessages: config.SMTP_POOL_MAX_MESSAGES,
      timeoutMs: config.SMTP_TIMEOUT_MS,
      deadlineMs: config.SMTP_SEND_DEADLINE_MS,
    });
    const connection = await amqplib.connect(RABBITMQ_URL);
    try {
      const publisher = await connection.createConfirmChannel();
      const consumer = await connection.createChannel();
      await publisher.assertQueue(queue, {
        durable: true,
        arguments: { 'x-queue-type': 'quorum', 'x-overflow': 'reject-publish' },
      });
      await consumer.prefetch(config.WORKER_PREFETCH);
      let consumed = 0;
      let failed = 0;
      const seen = new Set<string>();
      const cpuBefore = process.cpuUsage();
      const start = nowMs();
      const done = new Promise<number>((resolve) => {
        void consumer.consume(queue, (message) => {
          if (!message) return;
          void (async () => {
            try {
              const body = JSON.parse(message.content.toString()) as PersonalNotificationMessage;
              const { envelope, raw } = await prepareMail(body, config.SMTP_FROM);
              await transport.send(envelope, raw);
              seen.add(String(message.properties.messageId));
            } catch {
              failed++;
            }
            consumer.ack(message);
            if (++consumed === messages.length) resolve(nowMs());
          })();
        });
      });
      messages.forEach((body, i) => {
        publisher.publish('', queue, Buffer.from(body), {
          persistent: true,
          messageId: String(i),
          contentType: 'application/json',
        });
      });
      await publisher.waitForConfirms();
      const end = await done;
      const cpu = process.cpuUsage(cpuBefore);
      await publisher.deleteQueue(queue);
      return {
        elapsedMs: end - start,
        consumed,
        distinct: seen.size,
        failed,
        cpuMsPerMessage: (cpu.user + cpu.system) / 1_000 / messages.length,
      };
    } finally {
      transport.close();
      await connection.close();
    }
  },
});
