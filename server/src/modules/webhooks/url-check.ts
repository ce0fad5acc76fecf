import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { assertAddressesAllowed, BlockedAddressError, webhookSchemeAllowed } from '@happening/delivery';
import { AppError } from '../../lib/errors.js';

const refuse = (message: string) => new AppError(422, 'WEBHOOK_URL_NOT_ALLOWED', message);

/**
 * Checked when an endpoint is registered, so a mistake is reported at once. The worker checks
 * again at every delivery (DNS can change), against the address it actually connects to.
 */
export async function checkWebhookUrl(
  raw: string,
  { allowPrivate, allowHttp }: { allowPrivate: boolean; allowHttp: boolean },
): Promise<string> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse('The webhook URL is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refuse('Webhook URLs use https');
  // Signed payloads carry attendees' names and addresses: never in the clear, except where a
  // developer's own machine allows it (WEBHOOK_ALLOW_HTTP).
  if (!webhookSchemeAllowed(url, allowHttp))
    throw refuse('Webhook URLs must use https (http is allowed for local development only)');
  if (url.username || url.password)
    throw refuse('Put credentials in a header-free URL; user:password@ is not allowed');
  if (allowPrivate) return url.toString();
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(host) !== 0) addresses = [host];
  else {
    try {
      addresses = (await lookup(host, { all: true })).map((entry) => entry.address);
    } catch {
      throw refuse(`${host} does not resolve`);
    }
  }
  try {
    assertAddressesAllowed(host, addresses);
  } catch (error) {
    throw error instanceof BlockedAddressError ? refuse(error.message) : error;
  }
  return url.toString();
}
