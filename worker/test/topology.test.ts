/**
 * The topology's own safety nets on a real broker: the work queue dead-letters a message handed
 * out more often than its delivery limit, and a delay queue returns a message to the work queue
 * after its delay.
 */
import { randomUUID } from 'node:crypto';
import {
  DELIVERY_LIMIT,
  deadLetterQueueName,
  declareTopology,
  notificationTopology,
  retryQueueName,
  topologyQueueNames,
} from '@happening/shared';
import amqplib, { type Channel, type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const queue = `notifications-test-${randomUUID().slice(0, 8)}`;
const topology = notificationTopology(queue, [200]);
let connection: ChannelModel;
let channel: Channel;

beforeAll(async () => {
  connection = await amqplib.connect(RABBITMQ_URL);
  channel = await connection.createConfirmChannel();
  await declareTopology(channel, topology);
  // Declaring twice is a no-op: server and worker both declare on every (re)connect.
  await declareTopology(channel, topology);
});

afterAll(async () => {
  for (const name of topologyQueueNames(topology)) await channel.deleteQueue(name);
  await channel.deleteExchange(topology.exchange.name);
  await connection.close();
});

async function getOne(name: string, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const message = await channel.get(name, { noAck: false });
    if (message) return message;
    if (Date.now() > deadline) throw new Error(`nothing arrived in ${name}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('notification topology', () => {
  it('routes every message type from the exchange into the work queue', async () => {
    const id = randomUUID();
    channel.publish(topology.exchange.name, 'event_cancelled', Buffer.from('{}'), {
      messageId: id,
      mandatory: true,
    });
    const message = await getOne(queue);
    expect(message.properties.messageId).toBe(id);
    channel.ack(message);
  });

  it(`dead-letters a message redelivered more than ${DELIVERY_LIMIT} times`, async () => {
    const id = randomUUID();
    channel.sendToQueue(queue, Buffer.from('{}'), { messageId: id, persistent: true });
    let deliveries = 0;
    for (;;) {
      const message = await channel.get(queue, { noAck: false });
      if (!message) {
        if (deliveries > DELIVERY_LIMIT) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      deliveries++;
      channel.nack(message, false, true); // a worker that keeps failing on it
    }
    expect(deliveries).toBe(DELIVERY_LIMIT + 1);
    const dead = await getOne(deadLetterQueueName(queue));
    expect(dead.properties.messageId).toBe(id);
    expect(dead.properties.headers?.['x-first-death-reason']).toBe('delivery_limit');
    channel.ack(dead);
  });

  it('returns a message from a delay queue to the work queue after the delay', async () => {
    const id = randomUUID();
    const sentAt = Date.now();
    channel.sendToQueue(retryQueueName(queue, 200), Buffer.from('{}'), { messageId: id, persistent: true });
    const back = await getOne(queue);
    expect(back.properties.messageId).toBe(id);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(180);
    channel.ack(back);
  });
});
