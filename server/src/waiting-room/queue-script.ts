/**
 * The waiting room's script (queue.lua), typed: one call per change of one event's line, on the
 * event's Redis Cluster slot (keys.ts `scriptKeys.queue`).
 */
import { readFileSync } from 'node:fs';
import type { RedisClient } from '@happening/runtime';
import type { Result } from 'ioredis';
import { scriptKeys } from '../inventory/keys.js';

// The bench calls the script through this module alone.
export { newTicket, shuffleKey } from './tickets.js';

const queueLua = readFileSync(new URL('./queue.lua', import.meta.url), 'utf8');

declare module 'ioredis' {
  interface RedisCommander<Context> {
    happeningQueue(...keysAndArgs: string[]): Result<string, Context>;
  }
}

/** A ticket as the script sees it: `s` w(aiting) a(dmitted) e(nded) o (sold out before its turn). */
export interface TicketView {
  t: string;
  s: 'w' | 'a' | 'e' | 'o';
  p: number;
  pre: boolean;
  pos?: number;
  ahead?: number;
  /** Admission expiry (ms). */
  ax?: number;
  /** Sold out: the waitlist offer was used. */
  wl?: boolean;
}

/** `opened` in a join's or tick's answer: how many pre-queue tickets this call's shuffle placed, or -1. */
export interface TickArgs {
  opensAt: number;
  admit: boolean;
  rate: number;
  maxActive: number;
  ttl: number;
  statEvery: number;
}

export type AdmissionRefusal = {
  ok: false;
  code: 'ADMISSION_REQUIRED';
  reason: 'not_admitted' | 'expired' | 'in_use' | 'other_hold' | 'party_size' | 'used';
  partySize?: number;
};

interface QueueOps {
  join: {
    args: { ticket: string; p: number; key: number; opensAt: number };
    result: { ok: true; view: TicketView; opened: number; rate: number };
  };
  views: {
    args: { tickets: string[] };
    result: { ok: true; views: (TicketView | false)[]; rate: number; opened: boolean };
  };
  tick: {
    args: TickArgs;
    result: {
      ok: true;
      opened: number;
      soldOut: number;
      justSoldOut: boolean;
      admitted: number;
      ended: number;
      waiting: number;
      active: number;
      /** The event's inventory is not in Redis (evicted while idle): nothing is admitted until it is loaded. */
      cold: boolean;
    };
  };
  claim: {
    args: { ticket: string; hold: string; existing: boolean };
    /** `p`: the ticket's party size, the most places its hold may have. */
    result: { ok: true; prev?: string; p: number } | AdmissionRefusal;
  };
  finish: { args: { ticket: string }; result: { ok: true } };
  confirm: { args: { ticket: string; hold: string }; result: { ok: true } };
  unclaim: { args: { ticket: string; hold: string; prev?: string }; result: { ok: true } };
  use: {
    args: { ticket: string; scope: 'a' | 'o'; quantity: number };
    /** A sold-out ticket: `q` its place in the line at the sell-out, `base` the sell-out's waitlist number. */
    result: { ok: true; q?: number; base?: string } | AdmissionRefusal;
  };
  seal: { args: { base: string }; result: { ok: true; base: string } };
  stats: {
    args: Record<string, never>;
    result: {
      ok: true;
      waiting: number;
      active: number;
      admittedLastMinute: number;
      /** JSON samples {at, w, a, s}. */
      series: string[] | Record<string, never>;
      opened: boolean;
      soldOut: boolean;
      available: number | null;
      now: number;
    };
  };
}

export type QueueOp = keyof QueueOps;

export function defineQueueCommand(redis: RedisClient): void {
  if (typeof redis.happeningQueue === 'function') return;
  redis.defineCommand('happeningQueue', { numberOfKeys: scriptKeys.queue('x').length, lua: queueLua });
}

export async function runQueueScript<Op extends QueueOp>(
  redis: RedisClient,
  eventId: string,
  op: Op,
  args: QueueOps[Op]['args'],
): Promise<QueueOps[Op]['result']> {
  const raw = await redis.happeningQueue(...scriptKeys.queue(eventId), op, JSON.stringify(args));
  const result = JSON.parse(raw);
  // cjson writes an empty list as {}.
  if (op === 'views' && !Array.isArray(result.views)) result.views = [];
  if (op === 'stats' && !Array.isArray(result.series)) result.series = [];
  return result;
}
