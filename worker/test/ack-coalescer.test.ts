/**
 * The worker's acks against real RabbitMQ: messages settled out of order are all settled, in
 * fewer frames than messages, and an ack with `multiple` never takes a message still in flight
 * (closing the channel gives back exactly the unsettled ones).
 */
import { randomUUID } from 'node:crypto';
import amqplib, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AckCoalescer } from '../src/ack-coalescer.js';

const RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

let connection: ChannelModel;
let admin: Channel;
/** Each test its own queue, so what one leaves behind cannot reach the next. */
let queue: string;

beforeAll(async () => {
  connection = await amqplib.connect(RABBITMQ_URL);
  admin = await connection.createChannel();
});

beforeEach(async () => {
  queue = `ack-coalescer-test-${randomUUID().slice(0, 8)}`;
  await admin.assertQueue(queue, { durable: false });
});

afterEach(async () => {
  await admin.deleteQueue(queue);
});

afterAll(async () => {
  await connection?.close();
});

/** The next turn of the event loop: acks made before it have been flushed. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

async function publish(count: number): Promise<void> {
  const channel = await connection.createConfirmChannel();
  for (let index = 0; index < count; index++) channel.sendToQueue(queue, Buffer.from(String(index)));
  await channel.waitForConfirms();
  await channel.close();
}

interface Consumer {
  channel: Channel;
  acks: AckCoalescer;
  /** By delivery tag. */
  received: Map<number, ConsumeMessage>;
  /** A broker-side channel error (an unknown delivery tag, say) would land here. */
  errors: unknown[];
}

async function consume(count: number): Promise<Consumer> {
  const channel = await connection.createChannel();
  const errors: unknown[] = [];
  channel.on('error', (error) => errors.push(error));
  await channel.prefetch(count);
  const received = new Map<number, ConsumeMessage>();
  const acks = new AckCoalescer(channel, (error) => errors.push(error));
  let allIn: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    allIn = resolve;
  });
  await channel.consume(queue, (message) => {
    if (!message) return;
    received.set(message.fields.deliveryTag, message);
    if (received.size === count) allIn();
  });
  await all;
  return { channel, acks, received, errors };
}

function message(consumer: Consumer, tag: number): ConsumeMessage {
  const found = consumer.received.get(tag);
  if (!found) throw new Error(`no delivery ${tag}`);
  return found;
}

/** Waits (up to 5 s on a loaded machine) for the closed channel's unacked messages to be back. */
async function readyCount(expected: number): Promise<number> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const count = (await admin.checkQueue(queue)).messageCount;
    if (count === expected || Date.now() > deadline) return count;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('ack coalescer', () => {
  it('settles every message acked out of order, in fewer ack frames than messages', async () => {
    await publish(50);
    const consumer = await consume(50);
    const { acks } = consumer;
    const ack = (...tags: number[]) => {
      for (const tag of tags) acks.ack(message(consumer, tag));
    };

    // A batch in one turn, finished in reverse: one frame.
    ack(10, 9, 8, 7, 6, 5, 4, 3, 2, 1);
    await nextTurn();
    expect({ frames: acks.acksSent, messages: acks.messagesAcked }).toEqual({ frames: 1, messages: 10 });

    // Past the in-flight 11…19: one frame each, so they free their prefetch slots at once.
    ack(25, 21, 30, 20, 28, 22, 27, 23, 29, 24, 26);
    await nextTurn();
    expect({ frames: acks.acksSent, messages: acks.messagesAcked }).toEqual({ frames: 12, messages: 21 });

    // Two given up on, singly and at once.
    acks.nack(message(consumer, 15), false);
    acks.nack(message(consumer, 40), false);
    expect(acks.nacksSent).toBe(2);

    // The gap closes: one frame covers 11…19 (15 is nacked already, 20…30 acked).
    ack(19, 12, 17, 11, 14, 18, 16, 13);
    await nextTurn();
    expect({ frames: acks.acksSent, messages: acks.messagesAcked }).toEqual({ frames: 13, messages: 29 });

    // The rest over a few turns, some in the same turn as others, around the nacked 40.
    ack(33, 31, 32);
    ack(45, 41);
    await nextTurn();
    ack(34, 39, 35, 38, 36, 37);
    await nextTurn();
    ack(50, 42, 49, 43, 48, 44, 47, 46);
    await nextTurn();

    // 31…33 in one frame, 45 and 41 singly (past the in-flight 34); 34…39 in one frame (40 and 41
    // settled already); 42…50 in one frame (45 acked already).
    expect({ frames: acks.acksSent, messages: acks.messagesAcked }).toEqual({ frames: 18, messages: 48 });
    await consumer.channel.close();
    expect(consumer.errors).toEqual([]);
    // An unacked message would be back in the queue now; none came twice.
    expect(await readyCount(0)).toBe(0);
    expect([...consumer.received.values()].filter((delivery) => delivery.fields.redelivered)).toEqual([]);
  });

  it('never acks a message still in flight: closing gives back exactly that one', async () => {
    await publish(20);
    const consumer = await consume(20);
    const { acks } = consumer;
    const inFlight = message(consumer, 3);
    // 1, 2 and everything past 3, in a scrambled order over three turns.
    for (const turn of [
      [2, 20, 7, 1],
      [12, 4, 19, 5, 11, 6, 18],
      [8, 13, 17, 9, 14, 16, 10, 15],
    ]) {
      for (const tag of turn) acks.ack(message(consumer, tag));
      await nextTurn();
    }
    expect(acks.messagesAcked).toBe(19);
    await consumer.channel.close();
    expect(consumer.errors).toEqual([]);

    expect(await readyCount(1)).toBe(1);
    const returned = await admin.get(queue, { noAck: true });
    expect(returned).not.toBe(false);
    if (returned === false) return;
    expect(returned.content.toString()).toBe(inFlight.content.toString());
    expect(returned.fields.redelivered).toBe(true);
  });

  it('a message given back with requeue comes again on the same channel and is acked with the rest', async () => {
    await publish(10);
    const consumer = await consume(10);
    const { acks } = consumer;
    const redelivered = new Promise<ConsumeMessage>((resolve) => {
      const poll = setInterval(() => {
        const again = consumer.received.get(11);
        if (again) {
          clearInterval(poll);
          resolve(again);
        }
      }, 10);
    });
    acks.nack(message(consumer, 4), true);
    for (const tag of [1, 2, 3, 5, 6, 7, 8, 9, 10]) acks.ack(message(consumer, tag));
    const again = await redelivered;
    expect(again.fields.redelivered).toBe(true);
    expect(again.content.toString()).toBe(message(consumer, 4).content.toString());
    acks.ack(again);
    // No turn of the event loop before the close: `flush` sends what is pending.
    acks.flush();
    expect(acks.messagesAcked).toBe(10);
    await consumer.channel.close();
    expect(consumer.errors).toEqual([]);
    expect(await readyCount(0)).toBe(0);
  });

  it('flush sends the pending acks before the channel closes', async () => {
    await publish(10);
    const consumer = await consume(10);
    for (const tag of [3, 1, 2, 6, 5, 4, 10, 7, 9, 8]) consumer.acks.ack(message(consumer, tag));
    consumer.acks.flush();
    expect({ frames: consumer.acks.acksSent, messages: consumer.acks.messagesAcked }).toEqual({
      frames: 1,
      messages: 10,
    });
    await consumer.channel.close();
    expect(consumer.errors).toEqual([]);
    expect(await readyCount(0)).toBe(0);
  });
});
