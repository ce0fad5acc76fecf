/**
 * Suite 1, holds: end-to-end hold rate through Socket.IO and through REST, against the raw rate
 * of the same Lua script called straight through ioredis, with the same concurrency, same run.
 */
import { newOrganizer, publishedEvent } from '../lib/api.js';
import { type ChildHandle, startChild } from '../lib/child.js';
import { combine, type LoopResult } from '../lib/loop.js';
import { cpuBetween, cpuByGroup, describeCpuPerMessage } from '../lib/machine-cpu.js';
import { startServer } from '../lib/server.js';
import { describePaired, latencyOf, median, mergeHistograms, pairedRatio } from '../lib/stats.js';
import { ratioGoal, rotated, type SuiteContext, split } from '../lib/suite.js';

type Engine = 'raw' | 'socket' | 'rest';

export async function holdsSuite(context: SuiteContext): Promise<void> {
  const { clients, processes, durationMs, seats } = context.sizes.holds;
  const server = await startServer(context.profile ? { profile: 'holds-server' } : {});
  const children: ChildHandle[] = [];
  try {
    const organizer = await newOrganizer(server.url);
    const event = await publishedEvent(organizer, seats);
    // Loads the event into Redis, so the raw loop finds it warm.
    await fetch(`${server.url}/api/v1/events/${event.eventId}/availability`, {
      headers: { authorization: `Bearer ${organizer.publishableKey}` },
    });
    const mine = event.seatIds.slice(0, clients);
    const engines: Record<Engine, ChildHandle[]> = { raw: [], socket: [], rest: [] };
    const raw = await startChild('load/raw-holds.ts', { name: 'raw-holds' });
    await raw.call('setup', { eventId: event.eventId, seats: mine });
    engines.raw.push(raw);
    for (const transport of ['socket', 'rest'] as const) {
      for (const part of split(mine, processes)) {
        const child = await startChild('load/hold-clients.ts', { name: `${transport}-holds` });
        await child.call('setup', {
          transport,
          url: server.url,
          publishableKey: organizer.publishableKey,
          eventId: event.eventId,
          seats: part,
        });
        engines[transport].push(child);
      }
    }
    children.push(...engines.raw, ...engines.socket, ...engines.rest);
    context.progress(
      `holds: ${clients} clients (${processes} process(es) per transport), ${durationMs} ms per run`,
    );

    // One short unmeasured run of each first, as in the bookings suite: the server's and the
    // clients' code is then warm for whichever engine opens round 1.
    for (const engine of ['raw', 'socket', 'rest'] as const) {
      await Promise.all(
        engines[engine].map((child) =>
          child.call<LoopResult>('run', { durationMs: Math.ceil(durationMs / 4) }),
        ),
      );
    }
    const rates: Record<Engine, number[]> = { raw: [], socket: [], rest: [] };
    const histograms: Record<Engine, string[]> = { raw: [], socket: [], rest: [] };
    const errors: Record<Engine, number> = { raw: 0, socket: 0, rest: 0 };
    // Every process's CPU over each run, by part: what bounds each way of holding.
    const machine: Record<Engine, [string, number][][]> = { raw: [], socket: [], rest: [] };
    const counts: Record<Engine, number[]> = { raw: [], socket: [], rest: [] };
    for (let round = 0; round < context.sizes.rounds; round++) {
      for (const engine of rotated<Engine>(['raw', 'socket', 'rest'], round)) {
        // Every load process is named, the idle ones too: the Socket.IO clients stay connected,
        // and as the event's watchers they receive the seat changes of the other rounds' holds.
        const parts = () =>
          cpuByGroup({
            server: server.pid,
            'raw loop': engines.raw.map((child) => child.process.pid),
            'Socket.IO clients': engines.socket.map((child) => child.process.pid),
            'REST clients': engines.rest.map((child) => child.process.pid),
            bench: process.pid,
          });
        const machineBefore = parts();
        const results = await Promise.all(
          engines[engine].map((child) => child.call<LoopResult>('run', { durationMs })),
        );
        machine[engine].push(cpuBetween(machineBefore, parts()));
        const total = combine(results);
        counts[engine].push(total.count);
        if (total.firstError) context.progress(`holds: ${engine} error: ${total.firstError}`);
        rates[engine].push(total.ratePerSecond);
        histograms[engine].push(...total.histograms);
        errors[engine] += total.errors;
        context.progress(
          `holds: round ${round + 1}/${context.sizes.rounds} ${engine}: ${Math.round(total.ratePerSecond)} holds/s`,
        );
      }
    }
    const rawRate = median(rates.raw);
    context.figure({
      suite: 'holds',
      name: 'raw Lua hold rate (ioredis)',
      value: rawRate,
      unit: 'holds/s',
      detail: `hold + release per iteration, ${clients} concurrent loops; p50/p99 ${fmtLatency(histograms.raw)}`,
    });
    // Goals: Socket.IO ≥ 0.25×, REST (two HTTP requests per hold + release) ≥ 0.3× (issue 12).
    const goals = { socket: 0.25, rest: 0.3 } as const;
    for (const engine of ['socket', 'rest'] as const) {
      const rate = median(rates[engine]);
      const paired = pairedRatio(rates[engine], rates.raw);
      const latency = latencyOf(mergeHistograms(histograms[engine]));
      context.figure({
        suite: 'holds',
        name: `hold rate via ${engine === 'socket' ? 'Socket.IO' : 'REST'}`,
        value: rate,
        unit: 'holds/s',
        peer: { name: 'raw Lua', value: rawRate },
        ratio: paired.median,
        ...ratioGoal(paired.median, goals[engine]),
        detail: `rounds: ${rates[engine].map(Math.round).join(', ')} holds/s; ${describePaired(paired)}; errors: ${errors[engine]}; CPU per hold + release, every process on the machine (median of rounds): ours ${describeCpuPerMessage(machine[engine], counts[engine])}, raw Lua ${describeCpuPerMessage(machine.raw, counts.raw)}`,
      });
      context.figure({
        suite: 'holds',
        name: `hold latency via ${engine === 'socket' ? 'Socket.IO' : 'REST'} p50 / p99`,
        value: latency.p50,
        unit: `ms / ${latency.p99.toFixed(1)} ms`,
      });
    }
  } finally {
    await Promise.all(children.map((child) => child.call('close').catch(() => {})));
    await Promise.all(children.map((child) => child.close()));
    await server.stop();
  }
}

function fmtLatency(histograms: string[]): string {
  const latency = latencyOf(mergeHistograms(histograms));
  return `${latency.p50.toFixed(2)} / ${latency.p99.toFixed(2)} ms`;
}
