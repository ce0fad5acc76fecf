/**
 * Group commit for the worker's short transactions: requests that arrive while a batch is being
 * written wait and go together in the next one. Alone, a request is written at once (no timer, no
 * added latency); under load, one transaction and one round trip carry many messages, which is
 * where the worker's PostgreSQL time went. A failed batch fails each of its requests, and each
 * message then takes its usual retry path.
 */
export class Batcher<Request, Result> {
  private queued: {
    request: Request;
    resolve: (result: Result) => void;
    reject: (error: unknown) => void;
  }[] = [];
  private running = 0;

  constructor(
    private readonly write: (requests: Request[]) => Promise<Result[]>,
    /** Batches written at once (each takes one pool client). */
    private readonly concurrency: number,
    /** Requests per batch at most. */
    private readonly maxBatch: number,
  ) {}

  submit(request: Request): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.queued.push({ request, resolve, reject });
      this.drain();
    });
  }

  private drain(): void {
    while (this.running < this.concurrency && this.queued.length > 0) {
      const batch = this.queued.splice(0, this.maxBatch);
      this.running++;
      this.write(batch.map((entry) => entry.request))
        .then(
          (results) => {
            for (const [index, entry] of batch.entries()) entry.resolve(results[index]!);
          },
          (error: unknown) => {
            for (const entry of batch) entry.reject(error);
          },
        )
        .finally(() => {
          this.running--;
          this.drain();
        });
    }
  }
}
