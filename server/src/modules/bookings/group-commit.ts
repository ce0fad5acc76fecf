/**
 * Group commit: the bookings that arrive while earlier commits are in flight share one
 * PostgreSQL transaction (and one Redis `settle` per event) instead of paying the round trips of
 * a transaction each. Batching is natural, with no timer: a job is started at once when fewer
 * than `maxInFlight` commits are running, so a lone booking commits as fast as before, and under
 * load the queue that builds up behind the running commits becomes the next batch.
 *
 * A failed batch is never anyone's answer: when `commitBatch` throws (a seat PostgreSQL says is
 * sold, a full section, a deadlock, a lost connection, anything), its transaction has rolled
 * back, and every job of the batch is committed again on its own by `commitOne`, so each caller
 * gets exactly the outcome it would have had alone and one bad booking never fails the others.
 */
export interface GroupCommitOptions {
  /** Jobs per transaction at most. */
  maxBatch: number;
  /** Commits (batches or single jobs) running at once; keep it well below the pool size. */
  maxInFlight: number;
}

/** What the committer has done since it was created (for tests and diagnostics). */
export interface GroupCommitStats {
  /** Transactions of two or more jobs that committed. */
  batches: number;
  /** Jobs committed inside those batches. */
  batchedJobs: number;
  /** Jobs committed (or refused) on their own: alone in the queue, or split out of a failed batch. */
  singles: number;
  /** Batches whose transaction failed and whose jobs were committed one by one. */
  splitBatches: number;
}

interface Waiting<Job, Result> {
  job: Job;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

export class GroupCommitter<Job, Result> {
  readonly stats: GroupCommitStats = { batches: 0, batchedJobs: 0, singles: 0, splitBatches: 0 };
  private readonly queue: Waiting<Job, Result>[] = [];
  private inFlight = 0;

  /**
   * @param commitBatch commits every job in one transaction and answers in the jobs' order, or
   *   throws having committed none of them. It must not throw after its transaction committed.
   * @param commitOne the single-job path: its result or error is the caller's answer.
   * @param onSplit told why a batch was split (for the log).
   */
  constructor(
    private readonly commitBatch: (jobs: Job[]) => Promise<Result[]>,
    private readonly commitOne: (job: Job) => Promise<Result>,
    private readonly options: GroupCommitOptions,
    private readonly onSplit: (error: unknown, size: number) => void = () => {},
  ) {
    if (options.maxBatch < 1 || options.maxInFlight < 1) {
      throw new RangeError('maxBatch and maxInFlight must be at least 1');
    }
  }

  /** Commits `job`, alone or with the others waiting; settles with the job's own outcome. */
  commit(job: Job): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.startWhatFits();
    });
  }

  /** Jobs waiting for a commit slot. */
  get waiting(): number {
    return this.queue.length;
  }

  private startWhatFits(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        this.startWhatFits();
      });
    }
  }

  private async run(batch: Waiting<Job, Result>[]): Promise<void> {
    if (batch.length === 1) {
      await this.runAlone(batch[0]!);
      return;
    }
    let results: Result[];
    try {
      results = await this.commitBatch(batch.map((waiting) => waiting.job));
    } catch (error) {
      this.stats.splitBatches++;
      this.onSplit(error, batch.length);
      // Concurrently, as these requests would have run without group commit: the pool queues them.
      await Promise.all(batch.map((waiting) => this.runAlone(waiting)));
      return;
    }
    this.stats.batches++;
    this.stats.batchedJobs += batch.length;
    for (const [index, waiting] of batch.entries()) waiting.resolve(results[index]!);
  }

  private async runAlone(waiting: Waiting<Job, Result>): Promise<void> {
    this.stats.singles++;
    try {
      waiting.resolve(await this.commitOne(waiting.job));
    } catch (error) {
      waiting.reject(error);
    }
  }
}
