/**
 * Networks a webhook may not reach unless development explicitly allows it: loopback, private,
 * link-local (cloud metadata lives there), carrier-grade NAT, multicast and reserved ranges.
 * Data only; the server (when an endpoint is registered) and the worker (when it connects) load it
 * into Node's `net.BlockList`.
 */
export interface BlockedNetwork {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

export const privateNetworks: readonly BlockedNetwork[] = [
  { address: '0.0.0.0', prefix: 8, family: 'ipv4' },
  { address: '10.0.0.0', prefix: 8, family: 'ipv4' },
  { address: '100.64.0.0', prefix: 10, family: 'ipv4' },
  { address: '127.0.0.0', prefix: 8, family: 'ipv4' },
  { address: '169.254.0.0', prefix: 16, family: 'ipv4' },
  { address: '172.16.0.0', prefix: 12, family: 'ipv4' },
  { address: '192.0.0.0', prefix: 24, family: 'ipv4' },
  { address: '192.168.0.0', prefix: 16, family: 'ipv4' },
  { address: '198.18.0.0', prefix: 15, family: 'ipv4' },
  { address: '224.0.0.0', prefix: 4, family: 'ipv4' },
  { address: '240.0.0.0', prefix: 4, family: 'ipv4' },
  { address: '::', prefix: 128, family: 'ipv6' },
  { address: '::1', prefix: 128, family: 'ipv6' },
  { address: 'fc00::', prefix: 7, family: 'ipv6' },
  { address: 'fe80::', prefix: 10, family: 'ipv6' },
  { address: 'ff00::', prefix: 8, family: 'ipv6' },
];
