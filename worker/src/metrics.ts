/**
 * The worker's Prometheus metrics: what an operator alerts on (messages failing or dead-lettered,
 * processing getting slow, deliveries piling up in flight) next to the process's own figures.
 */
import { NotificationType } from '@happening/shared';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Outcome } from './processor.js';

const KNOWN_TYPES = new Set<string>(Object.values(NotificationType));

export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly messages: Counter<'type' | 'outcome'>;
  private readonly duration: Histogram<'type'>;

  constructor(inFlight: () => number) {
    collectDefaultMetrics({ register: this.registry });
    this.messages = new Counter({
      name: 'happening_worker_messages_total',
      help: 'Notification messages handled, by type and outcome (failed: an internal error, retried)',
      labelNames: ['type', 'outcome'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'happening_worker_message_duration_seconds',
      help: 'Time from receiving a message to settling it (delivery channels included)',
      labelNames: ['type'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    new Gauge({
      name: 'happening_worker_in_flight',
      help: 'Messages this worker is processing now (at most its prefetch)',
      registers: [this.registry],
      collect() {
        this.set(inFlight());
      },
    });
  }

  /** `type` comes off the wire: anything unknown is one label value, so it cannot grow the series. */
  record(type: string | undefined, outcome: Outcome | 'failed', seconds: number): void {
    const label = type && KNOWN_TYPES.has(type) ? type : 'unknown';
    this.messages.inc({ type: label, outcome });
    this.duration.observe({ type: label }, seconds);
  }
}
