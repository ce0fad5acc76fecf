/**
 * Outbound delivery, as the worker performs it for every notification and the server for an
 * endpoint's test event: how a delivery fails, signed webhooks, and the network guard.
 */
export { asDeliveryFailure, DeliveryFailure, permanentFailure, recoverableFailure } from './failures.js';
export {
  assertAddressesAllowed,
  assertTargetAllowed,
  BlockedAddressError,
  guardedLookup,
  isBlockedAddress,
} from './network-guard.js';
export { verifyWebhook } from './verify.js';
export {
  classifyStatus,
  signatureHeader,
  WebhookChannel,
  type WebhookEvent,
  type WebhookSettings,
  type WebhookTarget,
  webhookData,
  webhookEvent,
  webhookPayload,
  webhookSchemeAllowed,
} from './webhook.js';
