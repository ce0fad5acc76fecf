/**
 * Fair shares of one worker across organizations. Messages arrive from one FIFO queue; a worker
 * holds at most its prefetch of them unacked, so an organization whose receivers are slow could
 * fill every slot and stall every other organization's mail. Here an organization runs at most
 * `perOrg` messages at once. Further messages of it wait for one of its slots, as long as its work
 * is moving: a busy organization with fast receivers keeps its whole share busy and loses
 * nothing. When none of its messages has finished for `stallMs`, its work is stuck (receivers
 * that hang until the deadline), and its waiting messages are handed back (deferred through a
 * delay queue and acked), which frees their prefetch slots for the messages behind them. Until
 * one of its messages finishes again, the organization counts as stalled: its further messages
 * beyond the share are handed back at once, without waiting.
 */
export type Admission = 'run' | 'defer';

interface Waiting {
  admits: ((admission: Admission) => void)[];
  /** Restarted whenever one of the organization's messages finishes. */
  stall: NodeJS.Timeout;
}

export class OrgShare {
  private readonly running = new Map<string, number>();
  private readonly waiting = new Map<string, Waiting>();
  /** Organizations whose waiters were deferred and none of whose messages has finished since. */
  private readonly stalled = new Set<string>();

  constructor(
    /** Messages of one organization in flight at once. */
    private readonly perOrg: number,
    /** How long an organization's work may make no progress before its waiting messages are deferred. */
    private readonly stallMs: number,
  ) {}

  /** Resolves `run` once the organization has a free slot (call `leave` after), or `defer`. */
  enter(orgId: string): Promise<Admission> {
    const running = this.running.get(orgId) ?? 0;
    if (running < this.perOrg) {
      this.running.set(orgId, running + 1);
      return Promise.resolve('run');
    }
    if (this.stalled.has(orgId)) return Promise.resolve('defer');
    return new Promise<Admission>((resolve) => {
      const waiting = this.waiting.get(orgId);
      if (waiting) waiting.admits.push(resolve);
      else this.waiting.set(orgId, { admits: [resolve], stall: this.stallTimer(orgId) });
    });
  }

  /** A message of `orgId` that was admitted has finished: its slot goes to the next waiter. */
  leave(orgId: string): void {
    this.stalled.delete(orgId);
    const waiting = this.waiting.get(orgId);
    const next = waiting?.admits.shift();
    if (waiting && next) {
      // Progress: the organization's work is moving, so its other waiters keep waiting.
      clearTimeout(waiting.stall);
      if (waiting.admits.length === 0) this.waiting.delete(orgId);
      else waiting.stall = this.stallTimer(orgId);
      // The slot passes on without being freed: the running count stays the same.
      next('run');
      return;
    }
    const count = (this.running.get(orgId) ?? 1) - 1;
    if (count <= 0) this.running.delete(orgId);
    else this.running.set(orgId, count);
  }

  /** Messages of `orgId` in flight now (for tests). */
  runningFor(orgId: string): number {
    return this.running.get(orgId) ?? 0;
  }

  private stallTimer(orgId: string): NodeJS.Timeout {
    return setTimeout(() => {
      const waiting = this.waiting.get(orgId);
      this.waiting.delete(orgId);
      this.stalled.add(orgId);
      for (const admit of waiting?.admits ?? []) admit('defer');
    }, this.stallMs);
  }
}
