/**
 * Suite 3, fan-out: many Socket.IO clients (in their own processes) watch one event while holds
 * arrive, first at a steady rate (latency until every client has each change, server RSS), then
 * as fast as the driver can make them (deliveries per second), against a bare `io.emit` server
 * replaying to the same number of clients exactly the messages ours sent in the burst (coalesced,
 * same payloads). RSS is compared after joining with after joining, and at peak with at peak;
 * server CPU per delivered message is reported for both.
 */
import { randomBytes } from 'node:crypto';
import { defineInventoryCommands, isCold, runInventoryScript } from '@happening/server/inventory';
import { Redis } from 'ioredis';
import { newOrganizer, publishedEvent } from '../lib/api.js';
import { type ChildHandle, startChild } from '../lib/child.js';
import { REDIS_URL } from '../lib/config.js';
import { cpuMsOf, rssMbOf, startServer } from '../lib/server.js';
import { latencyOf, mergeHistograms, nowMs, percentile } from '../lib/stats.js';
import { type SuiteContext, split } from '../lib/suite.js';

interface Collected {
  histogram: string;
  lastPerVersion: Record<string, number>;
  countPerVersion: Record<string, number>;
  deliveries: number;
  messages: number;
}

export async function fanoutSuite(context: SuiteContext): Promise<void> {
  const sizes = context.sizes.fanout;
  const server = await startServer(context.profile ? { profile: 'fanout-server' } : {});
  const redis = new Redis(REDIS_URL, { connectionName: 'happening-bench-fanout-driver' });
  defineInventoryCommands(redis);
  const children: ChildHandle[] = [];
  let bare: ChildHandle | undefined;
  let peakRss = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, server.rssMb());
  }, 100);
  try {
    const organizer = await newOrganizer(server.url);
    const event = await publishedEvent(organizer, sizes.seats);
    const perProcessOf = (clients: number) =>
      split(Array.from({ length: clients }), sizes.processes).map((part) => part.length);
    const perProcess = perProcessOf(sizes.clients);
    for (let i = 0; i < perProcess.length; i++) {
      children.push(await startChild('load/fanout-clients.ts', { name: `fanout-clients-${i + 1}` }));
    }
    // Each call adds this many more clients to each process.
    const connect = (counts: number[]) =>
      Promise.all(
        children.map((child, i) =>
          child.call('connect', {
            url: `${server.url}/widget`,
            auth: { publishableKey: organizer.publishableKey },
            eventId: event.eventId,
            clients: counts[i],
          }),
        ),
      );

    let seat = 0;
    const hold = async (issued: Record<string, number>) => {
      const token = `${event.eventId}.hold_${randomBytes(12).toString('base64url')}`;
      const at = nowMs();
      const result = await runInventoryScript(redis, event.eventId, 'hold', {
        token,
        existing: false,
        seats: [event.seatIds[seat++ % event.seatIds.length]!],
        general: [],
        max: 10,
        ttl: 600_000,
      });
      if (isCold(result)) throw new Error('the event is not loaded in Redis');
      if (result.ok) issued[result.v] = at;
      return result.v;
    };
    // A steady rate of holds, each a seat change every watcher must see: how long until all have it.
    const steadyPhase = async (watchers: number) => {
      await Promise.all(children.map((child) => child.call('reset')));
      const steady: Record<string, number> = {};
      const count = Math.round((sizes.steadyRatePerSecond * sizes.steadyMs) / 1_000);
      const start = nowMs();
      const made: Promise<number>[] = [];
      for (let i = 0; i < count; i++) {
        const due = start + (i * 1_000) / sizes.steadyRatePerSecond;
        const wait = due - nowMs();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        made.push(hold(steady));
      }
      // Every version must be known before waiting for the last one to arrive.
      await Promise.all(made);
      await waitDelivered(children, steady, watchers, 10_000);
      const result = await collect(children, steady);
      context.progress(
        `fanout: steady phase, ${count} changes at ${sizes.steadyRatePerSecond}/s delivered to ${watchers} watchers`,
      );
      const everyone = Object.entries(steady).map(([version, at]) => result.lastPerVersion[version]! - at);
      const missing = Object.values(result.countPerVersion).reduce((sum, n) => sum + (watchers - n), 0);
      return { watchers, everyone, missing, each: latencyOf(mergeHistograms(result.histograms)) };
    };

    // Phase 0: the latency goal's room size (3,000 watchers, issue 12), then the rest join.
    const connectStart = Date.now();
    let goalPhase: Awaited<ReturnType<typeof steadyPhase>> | undefined;
    if (sizes.goalWatchers < sizes.clients) {
      const first = perProcessOf(sizes.goalWatchers);
      await connect(first);
      goalPhase = await steadyPhase(sizes.goalWatchers);
      await connect(perProcess.map((n, i) => n - first[i]!));
    } else await connect(perProcess);
    context.progress(
      `fanout: ${sizes.clients} clients in ${children.length} processes joined in ${((Date.now() - connectStart) / 1000).toFixed(1)} s; server RSS ${Math.round(server.rssMb())} MB`,
    );
    const idleRss = server.rssMb();

    // Phase 1: the steady rate to every client.
    const allPhase = await steadyPhase(sizes.clients);

    // Phase 2: a burst as fast as the driver can hold (16 at a time), for deliveries per second.
    await Promise.all(children.map((child) => child.call('reset')));
    const burst: Record<string, number> = {};
    const oursCpuBefore = cpuMsOf(server.pid);
    const burstStart = nowMs();
    let left = sizes.burst;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (left-- > 0) await hold(burst);
      }),
    );
    await waitDelivered(children, burst, sizes.clients, 30_000);
    const burstResult = await collect(children, burst);
    const oursCpuMs = cpuMsOf(server.pid) - oursCpuBefore;
    const sent =
      await children[0]!.call<{ version: number; fromVersion: number; changes: unknown[] }[]>('recorded');
    const burstEnd = Math.max(...Object.values(burstResult.lastPerVersion));
    const oursRate = (burstResult.deliveries / (burstEnd - burstStart)) * 1_000;
    context.progress(`fanout: burst of ${sizes.burst} changes: ${Math.round(oursRate)} deliveries/s`);
    clearInterval(sampler);
    const rss = Math.max(peakRss, server.rssMb());

    for (const child of children) await child.call('close');
    // Baseline: the same clients (fresh connections) on a bare Socket.IO server.
    bare = await startChild('peers/bare-emit-server.ts', { name: 'bare-emit' });
    const bareServer = await bare.call<{ url: string; pid: number }>('start');
    await Promise.all(
      children.map((child, i) =>
        child.call('connect', { url: bareServer.url, auth: {}, eventId: null, clients: perProcess[i] }),
      ),
    );
    await Promise.all(children.map((child) => child.call('reset')));
    const bareRss = rssMbOf(bareServer.pid);
    let barePeakRss = bareRss;
    const bareSampler = setInterval(() => {
      barePeakRss = Math.max(barePeakRss, rssMbOf(bareServer.pid));
    }, 100);
    const bareCpuBefore = cpuMsOf(bareServer.pid);
    const bareIssued = await bare.call<Record<string, number>>('replay', { messages: sent });
    await waitDelivered(children, bareIssued, sizes.clients, 30_000);
    clearInterval(bareSampler);
    const bareCpuMs = cpuMsOf(bareServer.pid) - bareCpuBefore;
    barePeakRss = Math.max(barePeakRss, rssMbOf(bareServer.pid));
    const bareResult = await collect(children, bareIssued);
    const bareStart = Math.min(...Object.values(bareIssued));
    const bareEnd = Math.max(...Object.values(bareResult.lastPerVersion));
    const bareRate = (bareResult.deliveries / (bareEnd - bareStart)) * 1_000;
    context.progress(`fanout: bare io.emit burst: ${Math.round(bareRate)} deliveries/s`);

    // The goal is set at its room size; the full room's figure is reported beside it.
    for (const phase of goalPhase ? [goalPhase, allPhase] : [allPhase]) {
      const p50 = percentile(phase.everyone, 50);
      const p99 = percentile(phase.everyone, 99);
      const goal = phase === (goalPhase ?? allPhase);
      context.figure({
        suite: 'fanout',
        name: `time until all ${phase.watchers} clients have a change, p99`,
        value: p99,
        unit: 'ms',
        ...(goal ? { goal: '< 500 ms', met: p99 < 500 && phase.missing === 0 } : {}),
        detail: `p50 ${p50.toFixed(1)} ms over ${phase.everyone.length} changes at ${sizes.steadyRatePerSecond}/s; per delivery p50/p99 ${phase.each.p50.toFixed(1)} / ${phase.each.p99.toFixed(1)} ms; deliveries missing ${phase.missing}; includes the coalescing window (50 ms, longer in rooms past 1,000 watchers)`,
      });
      context.figure({
        suite: 'fanout',
        name: `time until all ${phase.watchers} clients have a change, p50`,
        value: p50,
        unit: 'ms',
      });
    }
    context.figure({
      suite: 'fanout',
      name: 'seat changes delivered per second (burst)',
      value: oursRate,
      unit: 'deliveries/s',
      peer: { name: 'bare io.emit, same messages', value: bareRate },
      ratio: oursRate / bareRate,
      detail: `${burstResult.messages} 'seats' messages carried ${burstResult.deliveries} changes (coalesced per window); bare replayed the same ${sent.length} messages per client back to back (${bareResult.messages} received, ${bareResult.deliveries} changes); ours is paced by the coalescing window, bare is not`,
    });
    const perMessage = (cpuMs: number, received: number) =>
      received > 0 ? (cpuMs * 1_000) / received : Number.NaN;
    context.figure({
      suite: 'fanout',
      name: 'server CPU per message delivered (burst)',
      value: perMessage(oursCpuMs, burstResult.messages),
      unit: 'µs',
      peer: { name: 'bare io.emit, same messages', value: perMessage(bareCpuMs, bareResult.messages) },
      ratio: perMessage(oursCpuMs, burstResult.messages) / perMessage(bareCpuMs, bareResult.messages),
      detail: `user + system CPU of the server process over the burst (ours ${oursCpuMs} ms, including the holds' scripts' replies and the coalescing; bare ${bareCpuMs} ms), ÷ messages received by all clients; /proc ticks are 10 ms`,
    });
    context.figure({
      suite: 'fanout',
      name: `server RSS with ${sizes.clients} clients, after joining`,
      value: idleRss,
      unit: 'MB',
      peer: { name: 'bare Socket.IO server, after joining', value: bareRss },
      ratio: idleRss / bareRss,
      goal: '< 400 MB',
      met: idleRss < 400,
    });
    context.figure({
      suite: 'fanout',
      name: `server RSS with ${sizes.clients} clients, peak`,
      value: rss,
      unit: 'MB',
      peer: { name: 'bare Socket.IO server, peak of its replay', value: barePeakRss },
      ratio: rss / barePeakRss,
      goal: '< 400 MB',
      met: rss < 400,
      detail: 'ours: highest sample (every 100 ms) over the steady phase and the burst',
    });
  } finally {
    clearInterval(sampler);
    for (const child of children) await child.call('close').catch(() => {});
    await Promise.all(children.map((child) => child.close()));
    if (bare) await bare.close();
    redis.disconnect();
    await server.stop();
  }
}

async function waitDelivered(
  children: ChildHandle[],
  issued: Record<string, number>,
  clients: number,
  timeoutMs: number,
): Promise<void> {
  const last = Math.max(...Object.keys(issued).map(Number));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const counts = await Promise.all(children.map((child) => child.call<number>('progress', { last })));
    if (counts.reduce((a, b) => a + b, 0) >= clients) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function collect(children: ChildHandle[], issued: Record<string, number>) {
  const parts = await Promise.all(children.map((child) => child.call<Collected>('collect', { issued })));
  const lastPerVersion: Record<string, number> = {};
  const countPerVersion: Record<string, number> = {};
  for (const part of parts) {
    for (const [version, at] of Object.entries(part.lastPerVersion))
      lastPerVersion[version] = Math.max(lastPerVersion[version] ?? 0, at);
    for (const [version, n] of Object.entries(part.countPerVersion))
      countPerVersion[version] = (countPerVersion[version] ?? 0) + n;
  }
  return {
    lastPerVersion,
    countPerVersion,
    histograms: parts.map((part) => part.histogram),
    deliveries: parts.reduce((sum, part) => sum + part.deliveries, 0),
    messages: parts.reduce((sum, part) => sum + part.messages, 0),
  };
}
