// Chain names must equal the ones upstream kube-proxy's goldens and real clusters show (kube-proxy.md §2.1).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { base32, endpointChainName, serviceChainNames } from './names.js';

const serviceCases = [
  { name: 'a named port of ns1/svc1', spn: 'ns1/svc1:p80', proto: 'tcp', want: 'KUBE-SVC-XPGD46QRK7WJZT7O' },
  { name: 'ns2/svc2 p80', spn: 'ns2/svc2:p80', proto: 'tcp', want: 'KUBE-SVC-GNZBNJ2PO5MGZ6GT' },
  { name: 'ns3/svc3 p80', spn: 'ns3/svc3:p80', proto: 'tcp', want: 'KUBE-SVC-X27LE4BHSL4DOUIK' },
  { name: 'ns4/svc4 p80', spn: 'ns4/svc4:p80', proto: 'tcp', want: 'KUBE-SVC-4SW47YFZTEDKD3PK' },
  { name: 'ns5/svc5 p80', spn: 'ns5/svc5:p80', proto: 'tcp', want: 'KUBE-SVC-NUKIZ6OKUXPJNT4C' },
  { name: 'a second port of ns2/svc2', spn: 'ns2/svc2:p8080', proto: 'tcp', want: 'KUBE-SVC-2VJB64SDSIJUP5T6' },
  { name: 'an unnamed port has no colon in the hash input', spn: 'ns1/svc1', proto: 'tcp', want: 'KUBE-SVC-AQI2S6QIMU7PVVRP' },
  { name: 'the kubernetes Service every cluster has', spn: 'default/kubernetes:https', proto: 'tcp', want: 'KUBE-SVC-NPX46M4PTMTKRN6Y' },
  { name: 'kube-dns over UDP', spn: 'kube-system/kube-dns:dns', proto: 'udp', want: 'KUBE-SVC-TCOU7JCQXEZGVUNU' },
  { name: 'kube-dns over TCP', spn: 'kube-system/kube-dns:dns-tcp', proto: 'tcp', want: 'KUBE-SVC-ERIFXISQEP7F7OF4' },
  { name: 'kube-dns metrics', spn: 'kube-system/kube-dns:metrics', proto: 'tcp', want: 'KUBE-SVC-JD5MR3NA4I4DYORP' },
];

for (const c of serviceCases)
  test(`service chain: ${c.name}`, () => {
    const names = serviceChainNames(c.spn, c.proto);
    assert.equal(names.svc, c.want);
    const h = c.want.slice('KUBE-SVC-'.length);
    assert.deepEqual(names, { svc: c.want, svl: `KUBE-SVL-${h}`, ext: `KUBE-EXT-${h}`, fw: `KUBE-FW-${h}` });
  });

const endpointCases = [
  { spn: 'ns1/svc1:p80', ep: '10.180.0.1:80', want: 'KUBE-SEP-SXIVWICOYRO3J4NJ' },
  { spn: 'ns4/svc4:p80', ep: '10.180.0.4:80', want: 'KUBE-SEP-UKSFD7AGPMPPLUHC' },
  { spn: 'ns4/svc4:p80', ep: '10.180.0.5:80', want: 'KUBE-SEP-C6EBXVWJJZMIWKLZ' },
  { spn: 'ns5/svc5:p80', ep: '10.180.0.3:80', want: 'KUBE-SEP-I77PXRDZVX7PMWMN' },
  { spn: 'ns1/svc1:p80', ep: '10.0.1.1:80', want: 'KUBE-SEP-SNQ3ZNILQDEJNDQO' },
  { spn: 'ns3/svc3:p80', ep: '10.0.3.1:80', want: 'KUBE-SEP-BSWRHOQ77KEXZLNL' },
  { spn: 'ns3/svc3:p80', ep: '10.0.3.2:80', want: 'KUBE-SEP-DKCFIS26GWF2WLWC' },
  { spn: 'ns3/svc3:p80', ep: '10.0.3.3:80', want: 'KUBE-SEP-JVVZVJ7BSEPPRNBS' },
  { spn: 'ns2/svc2:p80', ep: '10.180.0.2:80', want: 'KUBE-SEP-RS4RBKLTHTF2IUXJ' },
  { spn: 'ns2/svc2:p80', ep: '10.180.0.3:80', want: 'KUBE-SEP-2GOKER2KF7NAANZN' },
];

for (const c of endpointCases)
  test(`endpoint chain of ${c.spn} -> ${c.ep} is ${c.want}`, () => {
    assert.equal(endpointChainName(c.spn, 'tcp', c.ep), c.want);
  });

test('base32 encodes RFC 4648 test vectors', () => {
  const enc = (s: string) => base32(new TextEncoder().encode(s));
  assert.deepEqual(['', 'f', 'fo', 'foo', 'foob', 'fooba', 'foobar'].map(enc), ['', 'MY======', 'MZXQ====', 'MZXW6===', 'MZXW6YQ=', 'MZXW6YTB', 'MZXW6YTBOI======']);
});
