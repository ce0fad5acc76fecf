import type { CounterVerdict } from './rate-counter.js';

/**
 * A fixed-window counter in this process's memory: `max` per key per `windowMs`. For callers whose
 * every request would otherwise wait for a Redis round trip before anything else runs (partner
 * backends booking with their secret key, plugins/security.ts). It limits per server process, so
 * behind N servers a caller may make up to N × max requests per window.
 */
export class LocalRateWindow {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  take(key: string, now = Date.now()): CounterVerdict {
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      if (this.windows.size >= 10_000) this.prune(now);
      window = { count: 0, resetAt: now + this.windowMs };
      this.windows.set(key, window);
    }
    window.count++;
    if (window.count <= this.max) return { allowed: true, retryAfterSeconds: 0 };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((window.resetAt - now) / 1_000)) };
  }

  private prune(now: number): void {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
    // Still full of live windows (many addresses at once): start over rather than grow unbounded.
    if (this.windows.size >= 10_000) this.windows.clear();
  }
}
