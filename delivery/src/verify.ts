import { Webhook } from 'standardwebhooks';

/**
 * What a receiver does with our webhooks, for tests and for partners' code that runs on Node:
 * checks the `webhook-signature` (any of its `v1,` signatures) and the timestamp's freshness with
 * the endpoint's `whsec_…` secret, then returns the parsed body. Throws if either fails.
 */
export function verifyWebhook(secret: string, payload: string, headers: Record<string, string>): unknown {
  return new Webhook(secret).verify(payload, headers);
}
