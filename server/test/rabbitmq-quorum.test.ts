/**
 * Fault drill: a 3-node RabbitMQ cluster (started by this file: `@happening/testing/rabbitmq`, its
 * own node names, ports and directories, never the shared broker) carrying the product's topology
 * (quorum queues). Notifications flow from the outbox relay to two workers; the node that leads
 * the queue, which every client is connected to, is killed with SIGKILL mid-stream. The relay and
 * the workers fail over through the `RABBITMQ_URL` list, the queue elects a new leader on the two
 * nodes left, and every message is delivered once per person, none lost.
 * It runs on its own nodes, so it may run beside other test files.
 */
import type { NotificationMessage } from '@happening/shared';
import { declareTopology, notificationTopology } from '@happening/shared';
import { TEST_DATABASE_URL } from '@happening/testing/env';
import {
  bookingMessage,
  enqueue,
  quietLog,
  TestSmtp,
  uniqueQueue,
  waitFor,
  workerEnv,
} from '@happening/testing/notifications';
import { type LocalRabbitCluster, startRabbitCluster } from '@happening/testing/rabbitmq';
import { buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import { createLogger, loadWorkerConfig, NotificationWorker } from '@happening/worker';
import amqplib from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxRelay } from '../src/notifications/relay.js';

const queue = uniqueQueue();
const smtp = new TestSmtp();
const PREFETCH = 10;
let cluster: LocalRabbitCluster;
let clusterStartMs = 0;
let app: TestApp;
let owner: SignedUp;
const workers: NotificationWorker[] = [];
let relay: OutboxRelay | undefined;

beforeAll(async () => {
  await smtp.start();
  const started = Date.now();
  cluster = await startRabbitCluster(3);
  clusterStartMs = Date.now() - started;
  app = await buildTestApp();
  owner = await signup(app, 'quorum');
}, 180_000);

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop(2_000)));
  await relay?.stop();
  await app?.close();
  await smtp.stop();
  await cluster?.stop();
}, 60_000);

interface QueueInfo {
  name: string;
  type: string;
  leader: string;
  members: string[];
}

async function queueInfo(nodeIndex: number): Promise<QueueInfo | undefined> {
  const out = await cluster.nodes[nodeIndex]!.ctl(
    'list_queues',
    'name',
    'type',
    'leader',
    'members',
    '--formatter',
    'json',
  );
  return (JSON.parse(out) as QueueInfo[]).find((entry) => entry.name === queue);
}

describe('a quorum queue on a 3-node RabbitMQ cluster', () => {
  it('keeps every message when the node leading it is killed: each delivered once per person', async () => {
    // The product's topology, declared on the first node (which then leads the queue).
    const connection = await amqplib.connect(cluster.nodes[0]!.url);
    await declareTopology(await connection.createChannel(), notificationTopology(queue));
    await connection.close();
    const before = await queueInfo(0);
    expect(before?.type).toBe('quorum');
    expect(before?.members).toHaveLength(3);
    const leaderIndex = cluster.nodes.findIndex((node) => node.name === before!.leader);
    expect(leaderIndex).toBeGreaterThanOrEqual(0);
    // Every client starts on the leader: the list has it first, the others after.
    const leader = cluster.nodes[leaderIndex]!;
    const urls = [leader, ...cluster.nodes.filter((node) => node !== leader)].map((n) => n.url).join(',');

    relay = new OutboxRelay({
      pool: app.pg,
      databaseUrl: TEST_DATABASE_URL,
      rabbitmqUrl: urls,
      queue,
      orgIds: [owner.orgId],
      log: quietLog,
    });
    await relay.start();
    for (let i = 0; i < 2; i++) {
      const config = loadWorkerConfig(
        workerEnv(queue, smtp.url, { RABBITMQ_URL: urls, WORKER_PREFETCH: String(PREFETCH) }),
      );
      const worker = new NotificationWorker(config, createLogger(config));
      await worker.start();
      workers.push(worker);
    }

    const messages: NotificationMessage[] = Array.from({ length: 600 }, () =>
      bookingMessage('booking_confirmed', owner.orgId),
    );
    const ids = messages.map((message) => message.id);
    const delivered = () => new Set(smtp.mailsFor(ids).map((mail) => mail.notificationId)).size;
    // Mid-stream by construction, not by timing: past the 150th mail the SMTP server holds its
    // replies, so the stream stops with the rest in the queue and a few mails in flight.
    smtp.holdRepliesAfter(150);
    await enqueue(app.pg, messages);
    await waitFor(() => delivered() >= 150, 'deliveries to start', 60_000);
    const killedAt = Date.now();
    await leader.kill();
    const deliveredAtKill = delivered();
    expect(deliveredAtKill).toBeLessThan(600);
    smtp.releaseReplies();

    await waitFor(() => delivered() === 600, `every message after the kill (${delivered()} of 600)`, 90_000);
    const healedMs = Date.now() - killedAt;
    const survivor = cluster.nodes.findIndex((node) => node !== leader);
    const after = await queueInfo(survivor);
    expect(after?.leader).not.toBe(leader.name);

    // Once per person: one Message-ID per recipient. Only a mail accepted by SMTP in the instant
    // of the kill (its ack lost with the node) can repeat on the wire, with the same Message-ID.
    const mails = smtp.mailsFor(ids);
    const byPerson = new Map<string, Set<string>>();
    for (const mail of mails)
      byPerson.set(mail.to[0]!, (byPerson.get(mail.to[0]!) ?? new Set()).add(mail.messageIdHeader));
    expect(byPerson.size).toBe(600);
    expect([...byPerson.values()].filter((seen) => seen.size !== 1)).toEqual([]);
    const repeats = mails.length - 600;
    expect(repeats).toBeLessThanOrEqual(2 * PREFETCH);
    console.info(
      `[drill] quorum queue: cluster of 3 started in ${clusterStartMs} ms; leader killed after ` +
        `${deliveredAtKill} of 600 delivered; all 600 delivered ${healedMs} ms after the kill; ` +
        `new leader ${after?.leader}; ${repeats} repeated on the wire`,
    );
  }, 180_000);
});
