import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Webhook URLs come from customers; without this guard they could make the worker call
 * internal services (SSRF). The check runs in the socket's own DNS lookup, so the address that is
 * checked is the address that is connected to (a second resolution could answer differently).
 *
 * This is the mechanism request-filtering-agent uses (a lookup wrapped around the connection), kept
 * here because its refusals echo the resolved address and carry no code, and because the server
 * needs the same predicate when an endpoint is registered.
 *
 * ipaddr.js names every special-purpose range (loopback, private, link-local, CGNAT, multicast,
 * reserved, documentation, NAT64, 6to4, Teredo, site-local, …); only plain `unicast` is
 * reachable. IPv4 inside IPv6 needs care first: mapped addresses are judged as the IPv4 address
 * they carry, compatible ones are refused.
 */
export class BlockedAddressError extends Error {
  override name = 'BlockedAddressError';
  readonly code = 'WEBHOOK_URL_NOT_ALLOWED';
}

/**
 * IPv4-compatible addresses (`::a.b.c.d`, deprecated by RFC 4291) reach the embedded IPv4 address
 * on some stacks, and ipaddr.js files them under `unicast`; no receiver has a reason to use one.
 */
function isIpv4Compatible(address: ipaddr.IPv6): boolean {
  return address.parts.slice(0, 6).every((part) => part === 0);
}

/** ipaddr.js reads this one spelling of an IPv4-compatible address as IPv4-mapped: catch it first. */
const dottedIpv4Compatible = /^::\d{1,3}(\.\d{1,3}){3}(%.*)?$/;

export function isBlockedAddress(address: string): boolean {
  // Not an address at all (a name, or an IPv4 spelling only inet_aton accepts): refuse, not guess.
  if (isIP(address) === 0 || dottedIpv4Compatible.test(address)) return true;
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return true;
  }
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    // `::ffff:a.b.c.d` is the IPv4 address itself on a dual-stack socket: judge that address.
    if (v6.isIPv4MappedAddress()) parsed = v6.toIPv4Address();
    else if (isIpv4Compatible(v6)) return true;
  }
  // NAT64 (`64:ff9b::/96`) and 6to4 (`2002::/16`) are ranges of their own here: refused outright
  // rather than decoded, since a translator or relay may sit inside our own network.
  return parsed.range() !== 'unicast';
}

/**
 * Refuses `host` if any of its addresses is blocked. The refusal names the host the customer gave,
 * never the address it resolved to: echoing that would let anyone map our internal DNS.
 */
export function assertAddressesAllowed(host: string, addresses: readonly string[]): void {
  if (addresses.some(isBlockedAddress)) {
    throw new BlockedAddressError(
      `${host} is in a network webhooks may not reach (loopback, private, link-local or reserved)`,
    );
  }
}

type Resolve = (
  hostname: string,
  options: { all: true },
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/**
 * A `lookup` for http(s).request that refuses a name if any of its answers is blocked (Happy
 * Eyeballs may try any of them). `resolve` is the system resolver; tests hand in a table.
 */
export function guardedLookup(allowPrivate: boolean, resolve: Resolve = dnsLookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      if (!allowPrivate) {
        try {
          assertAddressesAllowed(
            hostname,
            addresses.map((entry) => entry.address),
          );
        } catch (refusal) {
          return callback(refusal as BlockedAddressError, '', 0);
        }
      }
      if ((options as { all?: boolean }).all)
        return (callback as (...args: unknown[]) => void)(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}

/** IP literals skip DNS (and so the lookup hook); check them directly. */
export function assertTargetAllowed(url: URL, allowPrivate: boolean): void {
  if (allowPrivate) return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) assertAddressesAllowed(host, [host]);
}
