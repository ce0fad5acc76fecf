/**
 * The notifications baseline: bare amqplib publishing the same messages on a confirm channel to a
 * queue of the same kind (quorum, durable, persistent messages) and consuming them with manual
 * acks and the worker's prefetch. No outbox, no database, no SMTP: the broker's own limit.
 */
import amqplib from 'amqplib';
import { serveParent } from '../lib/child.js';
import { RABBITMQ_URL } from '../lib/config.js';
import { nowMs } from '../lib/stats.js';

serveParent({
  async run({ queue, messages, prefetch }: { queue: string; messages: string[]; prefetch: number }) {
    const connection = await amqplib.connect(RABBITMQ_URL);
    try {
      const publisher = await connection.createConfirmChannel();
      const consumer = await connection.createChannel();
      await publisher.assertQueue(queue, {
        durable: true,
        arguments: { 'x-queue-type': 'quorum', 'x-overflow': 'reject-publish' },
      });
      await consumer.prefetch(prefetch);
      let consumed = 0;
      const seen = new Set<string>();
      const start = nowMs();
      const done = new Promise<number>((resolve) => {
        void consumer.consume(queue, (message) => {
          if (!message) return;
          seen.add(String(message.properties.messageId));
          consumer.ack(message);
          if (++consumed === messages.length) resolve(nowMs());
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
      await publisher.deleteQueue(queue);
      return { elapsedMs: end - start, consumed, distinct: seen.size };
    } finally {
      await connection.close();
    }
  },
});
