/**
 * Where the benchmarks run and how big each suite is in each mode. Everything is read from the
 * environment once, with the same local defaults as the product (README "Configuration").
 */
export type Mode = 'full' | 'quick' | 'tiny';

export const BENCH_DATABASE_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/happening_bench';
/**
 * A Redis database of its own: every server reconciles every event it finds in its Redis database
 * against its own PostgreSQL database, so bench servers (happening_bench) and test servers
 * (happening_test) sharing db 0 would "repair" each other's events.
 */
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/13';
export const RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

export interface Sizes {
  /** Rounds per suite; every figure is the median over them. */
  rounds: number;
  holds: { clients: number; processes: number; durationMs: number; seats: number };
  bookings: { concurrency: number; durationMs: number; seatsPerEvent: number; poolSize: number };
  fanout: {
    clients: number;
    processes: number;
    /** The room size of the latency goal (issue 12: p99 < 500 ms at 3,000 watchers), measured first. */
    goalWatchers: number;
    steadyRatePerSecond: number;
    steadyMs: number;
    burst: number;
    seats: number;
  };
  notifications: { bookings: number; concurrency: number };
  widget: { seats: number; updates: number };
}

export const SIZES: Record<Mode, Sizes> = {
  full: {
    rounds: 3,
    holds: { clients: 200, processes: 2, durationMs: 5_000, seats: 2_000 },
    bookings: { concurrency: 64, durationMs: 5_000, seatsPerEvent: 1_000, poolSize: 20 },
    fanout: {
      clients: 10_000,
      processes: 4,
      goalWatchers: 3_000,
      steadyRatePerSecond: 20,
      steadyMs: 10_000,
      burst: 200,
      seats: 1_000,
    },
    notifications: { bookings: 1_000, concurrency: 32 },
    widget: { seats: 10_000, updates: 15 },
  },
  quick: {
    rounds: 2,
    holds: { clients: 50, processes: 1, durationMs: 2_000, seats: 500 },
    bookings: { concurrency: 32, durationMs: 2_000, seatsPerEvent: 300, poolSize: 20 },
    fanout: {
      clients: 500,
      processes: 2,
      goalWatchers: 500,
      steadyRatePerSecond: 20,
      steadyMs: 3_000,
      burst: 100,
      seats: 500,
    },
    notifications: { bookings: 300, concurrency: 16 },
    widget: { seats: 10_000, updates: 5 },
  },
  // For the smoke test in `npm test`: proves every suite still produces its figures, nothing more.
  tiny: {
    rounds: 1,
    holds: { clients: 8, processes: 1, durationMs: 700, seats: 100 },
    bookings: { concurrency: 8, durationMs: 700, seatsPerEvent: 50, poolSize: 10 },
    fanout: {
      clients: 40,
      processes: 1,
      goalWatchers: 20,
      steadyRatePerSecond: 10,
      steadyMs: 1_000,
      burst: 20,
      seats: 100,
    },
    notifications: { bookings: 20, concurrency: 4 },
    widget: { seats: 2_000, updates: 2 },
  },
};
