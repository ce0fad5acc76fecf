import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { privateNetworks } from '@happening/shared';

/**
 * Webhook URLs come from customers; without this guard they could make the worker call
 * internal services (SSRF). The check runs in the socket's own DNS lookup, so the address that is
 * checked is the address that is connected to (a second resolution could answer differently).
 */
const blocked = new BlockList();
for (const network of privateNetworks) blocked.addSubnet(network.address, network.prefix, network.family);

export class BlockedAddressError extends Error {
  override name = 'BlockedAddressError';
}

function mappedIpv4(address: string): string | null {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return match ? match[1]! : null;
}

export function isPrivateAddress(address: string): boolean {
  const v4 = mappedIpv4(address);
  if (v4) return blocked.check(v4, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true; // not an address at all: refuse rather than guess
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** A `lookup` for http(s).request that refuses private and loopback answers. */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refused = allowPrivate ? undefined : addresses.find((entry) => isPrivateAddress(entry.address));
      if (refused) {
        return callback(
          new BlockedAddressError(
            `${hostname} resolves to ${refused.address}, a private or loopback address`,
          ),
          '',
          0,
        );
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
  if (isIP(host) !== 0 && isPrivateAddress(host)) {
    throw new BlockedAddressError(`${host} is a private or loopback address`);
  }
}
