/**
 * Preloaded (`--import`) into the server and worker the benchmarks start: when the runner dies
 * without stopping them (a crash, Ctrl-C, a kill), the child shuts down the way production does on
 * SIGTERM, instead of living on and skewing the next run.
 *
 * Two ways to learn the runner is gone, because either alone has a gap:
 * - the IPC channel closes (`disconnect`) while the child runs;
 * - the runner died before this module ran: ESM `--import` loading is asynchronous, so the
 *   channel's end can be read, and `disconnect` emitted with nobody listening, before we get here.
 *   Then the channel is already gone, or the child was re-parented away from `BENCH_PARENT_PID`.
 */
const stopLikeProduction = () => process.kill(process.pid, 'SIGTERM');
const expectedParent = Number(process.env.BENCH_PARENT_PID);

if (!process.channel || (expectedParent > 0 && process.ppid !== expectedParent)) {
  stopLikeProduction();
} else {
  // The channel exists only to notice the runner leaving; it must not keep the child alive.
  process.channel.unref();
  process.once('disconnect', stopLikeProduction);
}

export {};
