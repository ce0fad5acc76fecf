import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { assertTargetAllowed, BlockedAddressError, guardedLookup, isBlockedAddress } from '../src/index.js';

/**
 * Every special-purpose range must be refused in every spelling an attacker can choose: plain,
 * IPv4-mapped, IPv4-compatible, embedded in NAT64 or 6to4, as a URL literal, and behind a name.
 */
const refused: Record<string, string[]> = {
  'IPv4 loopback, private, shared (CGNAT), link-local, this-network': [
    '127.0.0.1',
    '127.255.0.9',
    '10.0.0.5',
    '172.20.1.1',
    '192.168.1.1',
    '100.64.0.1',
    '169.254.169.254',
    '0.0.0.0',
    '0.1.2.3',
  ],
  'IPv4 multicast, broadcast, reserved and documentation': [
    '224.0.0.1',
    '239.255.255.250',
    '255.255.255.255',
    '240.0.0.1',
    '192.0.0.8',
    '192.0.2.1',
    '198.18.0.1',
    '198.51.100.7',
    '203.0.113.9',
  ],
  'IPv6 loopback, unspecified, unique-local, link-local, multicast, documentation': [
    '::1',
    '::',
    'fd00::1',
    'fc00::5',
    'fe80::1',
    'ff02::1',
    '2001:db8::1',
  ],
  'IPv4-mapped IPv6 of internal addresses': [
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.5',
    '::ffff:169.254.169.254',
    '0:0:0:0:0:ffff:c0a8:0101',
  ],
  'IPv4-translated (RFC 6145)': ['::ffff:0:7f00:1'],
  'NAT64 64:ff9b::/96 (and the local-use 64:ff9b:1::/48)': [
    '64:ff9b::7f00:1',
    '64:ff9b::127.0.0.1',
    '64:ff9b::a00:5',
    '64:ff9b::808:808',
    '64:ff9b:1::a00:5',
  ],
  'IPv4-compatible ::/96': ['::127.0.0.1', '::7f00:1', '::a00:5', '::a9fe:a9fe', '::8.8.8.8'],
  'site-local fec0::/10': ['fec0::1', 'feff::1'],
  '6to4 2002::/16': ['2002:7f00:1::1', '2002:a00:5::1', '2002:c0a8:101::1', '2002:808:808::1'],
  'Teredo and other non-unicast IPv6': ['2001::1', '2001:10::1', '100::1'],
  'not an address at all': ['localhost', 'example.com', '', '127.0.0.1.', '1.2.3.4.5'],
};

const allowed = [
  '93.184.216.34',
  '8.8.8.8',
  '1.1.1.1',
  '2606:4700::1111',
  '2001:4860:4860::8888',
  '2a00:1450:4001:82a::200e',
  '::ffff:8.8.8.8',
  '::ffff:5db8:d822',
];

describe('which addresses a webhook may reach', () => {
  for (const [ranges, addresses] of Object.entries(refused)) {
    it(`refuses ${ranges}`, () => {
      expect(addresses.filter((address) => !isBlockedAddress(address))).toEqual([]);
    });
  }

  it('allows public unicast addresses, IPv4-mapped ones included', () => {
    expect(allowed.filter((address) => isBlockedAddress(address))).toEqual([]);
  });
});

describe('URL literals', () => {
  const refusedUrls = [
    'http://127.0.0.1/',
    'http://2130706433/',
    'http://0x7f.1/',
    'http://017700000001/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:a9fe:a9fe]/',
    'http://[64:ff9b::7f00:1]/',
    'http://[::127.0.0.1]/',
    'http://[fec0::1]/',
    'http://[2002:7f00:1::1]/',
    'http://[fe80::1]/',
  ];

  it('refuses every spelling of an internal address, without echoing it', () => {
    for (const url of refusedUrls) {
      const error = (() => {
        try {
          assertTargetAllowed(new URL(url), false);
          return null;
        } catch (caught) {
          return caught;
        }
      })();
      expect(error, url).toBeInstanceOf(BlockedAddressError);
      expect((error as BlockedAddressError).code).toBe('WEBHOOK_URL_NOT_ALLOWED');
    }
  });

  it('lets public literals and names through (names are checked when they resolve)', () => {
    for (const url of ['https://93.184.216.34/', 'https://[2606:4700::1111]/', 'https://hooks.example.com/'])
      expect(() => assertTargetAllowed(new URL(url), false), url).not.toThrow();
    expect(() => assertTargetAllowed(new URL('http://127.0.0.1/'), true)).not.toThrow();
  });
});

/** Runs a guarded lookup the way a socket does (all addresses, for Happy Eyeballs). */
function resolveGuarded(
  hostname: string,
  resolve?: Parameters<typeof guardedLookup>[1],
): Promise<LookupAddress[] | Error> {
  return new Promise((done) => {
    guardedLookup(false, resolve)(hostname, { all: true }, (error, addresses) =>
      done(error ?? (addresses as unknown as LookupAddress[])),
    );
  });
}

/** A resolver that answers from a table, as a DNS server controlled by an attacker would. */
const answering =
  (table: Record<string, LookupAddress[]>): Parameters<typeof guardedLookup>[1] =>
  (hostname, _options, callback) => {
    const addresses = table[hostname];
    if (!addresses)
      return callback(Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
    callback(null, addresses);
  };

describe('names that resolve to internal addresses', () => {
  it('refuses localhost at connect time and does not say what it resolved to', async () => {
    const outcome = await resolveGuarded('localhost');
    expect(outcome).toBeInstanceOf(BlockedAddressError);
    const { message, code } = outcome as BlockedAddressError;
    expect(code).toBe('WEBHOOK_URL_NOT_ALLOWED');
    expect(message).not.toMatch(/127\.0\.0\.1|::1/);
  });

  it('refuses a name whose answers include any internal address, in any of its spellings', async () => {
    const internal = [
      '::ffff:7f00:1',
      '64:ff9b::a00:5',
      '::a9fe:a9fe',
      'fec0::1',
      '2002:a00:5::1',
      '10.0.0.5',
    ];
    const table: Record<string, LookupAddress[]> = {};
    for (const [index, address] of internal.entries()) {
      // One public answer first: a guard that checked only the first answer would let it through.
      table[`rebind-${index}.test`] = [
        { address: '93.184.216.34', family: 4 },
        { address, family: address.includes(':') ? 6 : 4 },
      ];
    }
    for (const [index, address] of internal.entries()) {
      const outcome = await resolveGuarded(`rebind-${index}.test`, answering(table));
      expect(outcome, address).toBeInstanceOf(BlockedAddressError);
      expect((outcome as Error).message).not.toContain(address);
    }
  });

  it('passes public answers through unchanged', async () => {
    const addresses = [
      { address: '93.184.216.34', family: 4 },
      { address: '2606:4700::1111', family: 6 },
    ];
    expect(await resolveGuarded('public.test', answering({ 'public.test': addresses }))).toEqual(addresses);
  });

  it('lets development reach localhost through the system resolver', async () => {
    const answers = await new Promise<LookupAddress[]>((done, fail) =>
      guardedLookup(true)('localhost', { all: true }, (error, addresses) =>
        error ? fail(error) : done(addresses as unknown as LookupAddress[]),
      ),
    );
    expect(answers.some((entry) => isBlockedAddress(entry.address))).toBe(true);
  });
});
