/**
 * What the Webhooks screen says about an endpoint's deliveries and a test event, in words. Pure, so
 * the wording for each case is tested without a server.
 */
import type { WebhookTestResult } from '@happening/shared';
import type { Static } from 'typebox';
import type { Delivery } from '../api/queries.js';

export interface EndpointHealth {
  /** The newest deliveries to this endpoint, newest first. */
  recent: Delivery[];
  /** Counts over every delivery loaded for this endpoint (the organization's latest ones). */
  sent: number;
  failed: number;
  pending: number;
  /** One line for the list: how the endpoint is doing now. */
  summary: string;
  /** True when the newest delivery did not get through (failed for good, or being retried). */
  attention: boolean;
}

/** `deliveries` are the organization's webhook deliveries, newest first, as the API returns them. */
export function endpointHealth(deliveries: Delivery[], endpointId: string, recent = 3): EndpointHealth {
  const mine = deliveries.filter((d) => d.channel === 'webhook' && d.target === endpointId);
  const count = (status: Delivery['status']) => mine.filter((d) => d.status === status).length;
  const newest = mine[0];
  return {
    recent: mine.slice(0, recent),
    sent: count('sent'),
    failed: count('failed'),
    pending: count('pending'),
    summary: newest ? describeDelivery(newest) : 'No deliveries yet.',
    attention: newest !== undefined && newest.status !== 'sent',
  };
}

/** One delivery in words: what happened to it and, when it did not get through, why. */
export function describeDelivery(delivery: Delivery): string {
  const tries = delivery.attempts === 1 ? '1 attempt' : `${delivery.attempts} attempts`;
  switch (delivery.status) {
    case 'sent':
      return `Delivered (${delivery.type}).`;
    case 'failed':
      return `Failed after ${tries} (${delivery.type}): ${delivery.lastError ?? 'no reason recorded'}.`;
    case 'pending':
      return delivery.lastError
        ? `Retrying after ${tries} (${delivery.type}): ${delivery.lastError}.`
        : `Queued (${delivery.type}).`;
  }
}

export type TestResult = Static<typeof WebhookTestResult>;

/** The answer of "Send test event": the server sends it at once and reports what the endpoint said. */
export function describeTestResult(result: TestResult): { delivered: boolean; text: string } {
  if (result.delivered)
    return {
      delivered: true,
      text:
        result.status === null
          ? 'Test event delivered.'
          : `Test event delivered: the endpoint answered HTTP ${result.status}.`,
    };
  return {
    delivered: false,
    text: `Test event not delivered: ${result.error ?? 'the endpoint did not accept it'}.`,
  };
}
