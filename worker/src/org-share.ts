/**
 * Fair shares of one worker across organizations. Messages arrive from one FIFO queue; a worker
 * holds at most its prefetch of them unacked, so an organization whose receivers are slow could
 * fill every slot and stall every other organization's mail. Here an organization runs at most
 * `perOrg` messages at once. One more of its messages waits for a free slot of its own, but only
 * briefly: fast work frees a slot within milliseconds, slow work does not, and then the message
 * is handed back (deferred through a delay queue and acked), which frees its prefetch slot for
 * the next organization's message behind it in the queue.
 */
export type Admission = 'run' | 'defer';

interface Waiter {
  admit: (admission: Admission) => void;
  timer: NodeJS.Timeout;
}

export class OrgShare {
  private readonly running = new Map<string, number>();
  private readonly waiting = new Map<string, Waiter[]>();

  constructor(
    /** Messages of one organization in flight at once. */
    private readonly perOrg: number,
    /** How long a message over its organization's share waits for a slot before it is deferred. */
    private readonly waitMs: number,
  ) {}

  /** Resolves `run` once the organization has a free slot (call `leave` after), or `defer`. */
  enter(orgId: string): Promise<Admission> {
    if ((this.running.get(orgId) ?? 0) < this.perOrg) {
      this.running.set(orgId, (this.running.get(orgId) ?? 0) + 1);
      return Promise.resolve('run');
    }
    return new Promise<Admission>((resolve) => {
      const queue = this.waiting.get(orgId) ?? [];
      const waiter: Waiter = {
        admit: resolve,
        timer: setTimeout(() => {
          this.removeWaiter(orgId, waiter);
          resolve('defer');
        }, this.waitMs),
      };
      queue.push(waiter);
      this.waiting.set(orgId, queue);
    });
  }

  /** A message of `orgId` that was admitted has finished: its slot goes to the next waiter. */
  leave(orgId: string): void {
    const next = this.waiting.get(orgId)?.shift();
    if (next) {
      // The slot passes on without being freed: the running count stays the same.
      clearTimeout(next.timer);
      if (this.waiting.get(orgId)?.length === 0) this.waiting.delete(orgId);
      next.admit('run');
      return;
    }
    const count = (this.running.get(orgId) ?? 1) - 1;
    if (count <= 0) this.running.delete(orgId);
    else this.running.set(orgId, count);
  }

  /** Messages of `orgId` in flight now (for tests and metrics). */
  runningFor(orgId: string): number {
    return this.running.get(orgId) ?? 0;
  }

  private removeWaiter(orgId: string, waiter: Waiter): void {
    const queue = this.waiting.get(orgId);
    if (!queue) return;
    const index = queue.indexOf(waiter);
    if (index >= 0) queue.splice(index, 1);
    if (queue.length === 0) this.waiting.delete(orgId);
  }
}
