/**
 * Preloaded (`--import`) into the server and worker the benchmarks start: when the runner dies
 * without stopping them (a crash, Ctrl-C, a kill), the IPC channel to it closes and the child
 * shuts down the way production does on SIGTERM, instead of living on and skewing the next run.
 */
if (process.channel) {
  // The channel exists only to notice the runner leaving; it must not keep the child alive.
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
