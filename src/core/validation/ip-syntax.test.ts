// Tests for the IP and CIDR syntax helpers behind Service, Endpoints, Node and NetworkPolicy validation.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cidrIsStrictSubset, nonSpecialIPErrors, parseCIDR, parseIP } from './ip-syntax.js';

describe('ip-syntax', () => {
  const ipCases = [
    { name: 'a dotted quad is an IPv4 address', input: '10.96.0.1', want: [10, 96, 0, 1] },
    { name: 'IPv4 octets may carry leading zeros, as ParseIPSloppy allows', input: '010.001.0.1', want: [10, 1, 0, 1] },
    { name: 'an octet above 255 is not an address', input: '10.1.2.256', want: undefined },
    { name: 'five parts are not an address', input: '10.1.2.3.4', want: undefined },
    { name: ':: expands to the missing zero groups', input: '2001:db8::1', want: [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 1] },
    { name: 'an IPv6 address may end in an embedded IPv4 address', input: '::ffff:10.0.0.1', want: [...new Array(10).fill(0), 0xff, 0xff, 10, 0, 0, 1] },
    { name: 'two :: are not an address', input: '1::2::3', want: undefined },
    { name: 'nine groups are not an address', input: '1:2:3:4:5:6:7:8:9', want: undefined },
    { name: 'a zone is not accepted', input: 'fe80::1%eth0', want: undefined },
  ];
  for (const c of ipCases) it(c.name, () => assert.deepEqual(parseIP(c.input) && [...parseIP(c.input)!], c.want));

  const cidrCases = [
    { name: 'an IPv4 CIDR parses and host bits are masked off', input: '10.1.2.3/16', want: { network: [10, 1, 0, 0], prefix: 16 } },
    { name: 'an IPv4 prefix above 32 does not parse', input: '10.0.0.0/33', want: undefined },
    { name: 'an IPv6 CIDR parses', input: '2001:db8::/32', want: { network: [0x20, 0x01, 0x0d, 0xb8, ...new Array(12).fill(0)], prefix: 32 } },
    { name: 'an address without a prefix is not a CIDR', input: '10.0.0.0', want: undefined },
  ];
  for (const c of cidrCases)
    it(c.name, () => {
      const got = parseCIDR(c.input);
      assert.deepEqual(got && { network: [...got.network], prefix: got.prefix }, c.want);
    });

  const subsetCases = [
    { name: 'a longer prefix inside the block is a strict subset', outer: '10.0.0.0/8', inner: '10.96.0.0/12', want: true },
    { name: 'the block itself is not a strict subset', outer: '10.0.0.0/8', inner: '10.0.0.0/8', want: false },
    { name: 'a range outside the block is not a subset', outer: '10.0.0.0/16', inner: '10.1.0.0/24', want: false },
    { name: 'ranges of different families are not subsets', outer: '0.0.0.0/0', inner: '::/64', want: false },
    { name: 'IPv6 ranges nest like IPv4 ones', outer: '2001:db8::/32', inner: '2001:db8:1::/48', want: true },
  ];
  for (const c of subsetCases) it(c.name, () => assert.equal(cidrIsStrictSubset(parseCIDR(c.outer)!, parseCIDR(c.inner)!), c.want));

  const specialCases = [
    { name: 'an ordinary address is fine as an endpoint', input: '10.244.1.5', want: [] },
    { name: 'the unspecified address is rejected', input: '0.0.0.0', want: ['may not be unspecified (0.0.0.0)'] },
    { name: 'IPv6 loopback is rejected', input: '::1', want: ['may not be in the loopback range (127.0.0.0/8, ::1/128)'] },
    { name: 'an IPv4-mapped loopback is still loopback', input: '::ffff:127.0.0.1', want: ['may not be in the loopback range (127.0.0.0/8, ::1/128)'] },
    { name: 'link-local addresses are rejected', input: '169.254.169.254', want: ['may not be in the link-local range (169.254.0.0/16, fe80::/10)'] },
    { name: 'link-local multicast is rejected', input: '224.0.0.251', want: ['may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'] },
  ];
  for (const c of specialCases) it(c.name, () => assert.deepEqual(nonSpecialIPErrors(c.input), c.want));
});
