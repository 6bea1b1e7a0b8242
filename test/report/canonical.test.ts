import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalBlocks, canonicalText } from '../../src/report/canonical.js';

describe('canonicalBlocks (format v1)', () => {
  it('renames unicast MACs by first appearance across blocks, keeping broadcast and multicast', () => {
    const out = canonicalBlocks([
      { key: 'veth0', text: 'ARP, Reply 10.1.1.3 is-at 5a:07:76:8e:fb:cd, length 28\n02:aa:00:00:00:01 > ff:ff:ff:ff:ff:ff\n' },
      { key: 'output', text: '10.1.1.3 dev veth0 lladdr 02:aa:00:00:00:01 REACHABLE\n5A:07:76:8E:FB:CD 33:33:00:00:00:01 01:00:5e:00:00:16 00:00:00:00:00:00\n' },
    ]);
    expect(out).toEqual([
      { key: 'veth0', text: 'ARP, Reply 10.1.1.3 is-at <mac1>, length 28\n<mac2> > ff:ff:ff:ff:ff:ff' },
      { key: 'output', text: '10.1.1.3 dev veth0 lladdr <mac2> REACHABLE\n<mac1> 33:33:00:00:00:01 01:00:5e:00:00:16 00:00:00:00:00:00' },
    ]);
  });

  it("renames a MAC that ip -c writes straight after a colour's escape sequence, not one inside a longer word", () => {
    const out = canonicalBlocks([{ key: 'output', text: '    link/ether \x1b[33mba:7c:73:d4:f7:bf\x1b[0m brd\nxba:7c:73:d4:f7:bf ba:7c:73:d4:f7:bf:00\n' }]);
    expect(out[0]?.text).toBe('    link/ether \x1b[33m<mac1>\x1b[0m brd\nxba:7c:73:d4:f7:bf ba:7c:73:d4:f7:bf:00');
  });

  it("blanks a running bridge timer's hundredths (text and JSON), keeping a stopped one", () => {
    const out = canonicalBlocks([{ key: 'output', text: 'hello_timer    0.00 gc_timer  299.88 hold_timer    0.42\n{"gc_timer":299.04,"tcn_timer":0.00}\n' }]);
    expect(out[0]?.text).toBe('hello_timer    0.00 gc_timer  <t> hold_timer    <t>\n{"gc_timer":<t>,"tcn_timer":0.00}');
  });

  it('renames ICMP echo ids, and only those', () => {
    const [b] = canonicalBlocks([
      {
        key: 'lo',
        text: 'IP 10.1.1.3 > 10.1.1.2: ICMP echo reply, id 2244, seq 1, length 64\nIP 10.1.1.2 > 10.1.1.3: ICMP echo request, id 2189, seq 1, length 64\nIP (tos 0x0, ttl 64, id 2244, offset 0)\nIP 10.1.1.3 > 10.1.1.2: ICMP echo reply, id 2244, seq 2, length 64\n',
      },
    ]);
    expect(b?.text).toBe(
      'IP 10.1.1.3 > 10.1.1.2: ICMP echo reply, id <id1>, seq 1, length 64\nIP 10.1.1.2 > 10.1.1.3: ICMP echo request, id <id2>, seq 1, length 64\nIP (tos 0x0, ttl 64, id 2244, offset 0)\nIP 10.1.1.3 > 10.1.1.2: ICMP echo reply, id <id1>, seq 2, length 64',
    );
  });

  it("renames the IPv4 ids of tcpdump -v's header lines by first appearance (a quoted datagram keeps its name)", () => {
    const [b] = canonicalBlocks([
      {
        key: 'veth0',
        text:
          'IP (tos 0x0, ttl 1, id 34519, offset 0, flags [DF], proto ICMP (1), length 84)\n' +
          'IP (tos 0xc0, ttl 64, id 57643, offset 0, flags [none], proto ICMP (1), length 112)\n' +
          '\tIP (tos 0x0, ttl 1, id 34519, offset 0, flags [DF], proto ICMP (1), length 84)\n' +
          'IP (tos 0x2,ECT(0), ttl 64, id 7, offset 0, flags [none], proto UDP (17), length 33)\n',
      },
    ]);
    expect(b?.text).toBe(
      'IP (tos 0x0, ttl 1, id <ipid1>, offset 0, flags [DF], proto ICMP (1), length 84)\n' +
        'IP (tos 0xc0, ttl 64, id <ipid2>, offset 0, flags [none], proto ICMP (1), length 112)\n' +
        '\tIP (tos 0x0, ttl 1, id <ipid1>, offset 0, flags [DF], proto ICMP (1), length 84)\n' +
        'IP (tos 0x2,ECT(0), ttl 64, id <ipid3>, offset 0, flags [none], proto UDP (17), length 33)',
    );
  });

  it("normalises ping's timings", () => {
    const [b] = canonicalBlocks([
      {
        key: 'output',
        text: '64 bytes from 10.1.1.3: icmp_seq=1 ttl=64 time=0.047 ms\n64 bytes from 10.1.1.3: icmp_seq=2 ttl=64 time=12 ms\n2 packets transmitted, 2 received, 0% packet loss, time 3008ms\nrtt min/avg/max/mdev = 0.047/0.072/0.113/0.025 ms\n',
      },
    ]);
    expect(b?.text).toBe(
      '64 bytes from 10.1.1.3: icmp_seq=1 ttl=64 time=<t> ms\n64 bytes from 10.1.1.3: icmp_seq=2 ttl=64 time=<t> ms\n2 packets transmitted, 2 received, 0% packet loss, time <t>ms\nrtt min/avg/max/mdev = <t> ms',
    );
  });

  it('drops trailing spaces and leading/trailing blank lines of each block, not inner ones', () => {
    const [b] = canonicalBlocks([{ key: 'output', text: '\n\nPING x  \n\n--- stats ---\t\n\n' }]);
    expect(b?.text).toBe('PING x\n\n--- stats ---');
  });

  const macArb = fc
    .tuple(fc.integer({ min: 0, max: 127 }).map((n) => n * 2), fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 5, maxLength: 5 }))
    .map(([first, rest]) => [first, ...rest].map((x) => x.toString(16).padStart(2, '0')).join(':'))
    .filter((m) => m !== '00:00:00:00:00:00');

  it('is idempotent, and blind to which unicast MACs and ids a run happened to get', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(macArb, { minLength: 2, maxLength: 2 }),
        fc.uniqueArray(macArb, { minLength: 2, maxLength: 2 }),
        fc.integer({ min: 0, max: 65535 }),
        fc.integer({ min: 0, max: 65535 }),
        ([a, b], [c, d], id1, id2) => {
          const run = (x: string, y: string, id: number) => [
            { key: 'veth0', text: `ARP, Reply 10.1.1.3 is-at ${x}, length 28\nIP 10.1.1.2 > 10.1.1.3: ICMP echo request, id ${id}, seq 1, length 64\n` },
            { key: 'output', text: `10.1.1.3 lladdr ${x}\n10.1.1.2 lladdr ${y}\n` },
          ];
          const one = canonicalText(run(a as string, b as string, id1));
          expect(canonicalText(run(c as string, d as string, id2))).toBe(one);
          expect(canonicalText(canonicalBlocks(run(a as string, b as string, id1)))).toBe(one);
        },
      ),
    );
  });
});

describe('ovs-appctl fdb/show ages', () => {
  it('are blanked, as OVS\'s own tests do: a loaded machine stretches wall-clock seconds', () => {
    const a = canonicalText([{ key: 'output', text: ' port  VLAN  MAC                Age\n    1    10  0e:45:99:d4:d3:a9    1\nLOCAL     0  b2:4b:0b:d2:24:f9    0\n' }]);
    const b = canonicalText([{ key: 'output', text: ' port  VLAN  MAC                Age\n    1    10  12:34:56:78:9a:bc    2\nLOCAL     0  02:00:00:00:00:01    3\n' }]);
    expect(a).toBe(b);
    expect(a).toContain('    1    10  <mac1>    <t>\n');
  });
});

describe('bridge ids', () => {
  it('name the same <macN> as the address they are made of, even with bytes printed unpadded', () => {
    const a = canonicalText([{ key: 'output', text: 'link/ether fe:d2:78:9b:2d:02 brd ff:ff:ff:ff:ff:ff\n designated_root 8000.fe:d2:78:9b:2d:2\n' }]);
    const b = canonicalText([{ key: 'output', text: 'link/ether 12:34:56:78:9a:bc brd ff:ff:ff:ff:ff:ff\n designated_root 8000.12:34:56:78:9a:bc\n' }]);
    expect(a).toBe(b);
    expect(a).toContain('designated_root 8000.<mac1>');
  });
});

describe('VXLAN and OTV source ports (TUNNEL_SPORT)', () => {
  // vxlan-p2p.yaml's and vxlan-flood.yaml's capture lines, as the kernel recorded them.
  const ARP_OUT = 'IP 10.0.0.1.43982 > 10.0.0.2.4789: VXLAN, flags [I] (0x08), vni 42';
  const ARP_BACK = 'IP 10.0.0.2.43982 > 10.0.0.1.4789: VXLAN, flags [I] (0x08), vni 42';
  const ECHO_OUT = 'IP 10.0.0.1.36876 > 10.0.0.2.4789: VXLAN, flags [I] (0x08), vni 42';
  const OTV = 'IP 10.0.0.1.43982 > 10.0.0.2.8472: OTV, flags [I] (0x08), overlay 0, instance 8';

  it('renames two different source ports <sport1>, <sport2> by first appearance; one port shared by two lines keeps one name', () => {
    const [b] = canonicalBlocks([{ key: 'ns1/veth1', text: [ARP_OUT, ARP_BACK, ECHO_OUT, ECHO_OUT.replace('10.0.0.1.36876 > 10.0.0.2', '10.0.0.2.36876 > 10.0.0.1'), ARP_OUT].join('\n') }]);
    expect(b?.text).toBe(
      [
        'IP 10.0.0.1.<sport1> > 10.0.0.2.4789: VXLAN, flags [I] (0x08), vni 42',
        'IP 10.0.0.2.<sport1> > 10.0.0.1.4789: VXLAN, flags [I] (0x08), vni 42',
        'IP 10.0.0.1.<sport2> > 10.0.0.2.4789: VXLAN, flags [I] (0x08), vni 42',
        'IP 10.0.0.2.<sport2> > 10.0.0.1.4789: VXLAN, flags [I] (0x08), vni 42',
        'IP 10.0.0.1.<sport1> > 10.0.0.2.4789: VXLAN, flags [I] (0x08), vni 42',
      ].join('\n'),
    );
  });

  it('renames OTV (port 8472) lines too, across blocks with the same names; the destination port stays', () => {
    const out = canonicalBlocks([
      { key: 'ns1/e0', text: `${OTV}\n` },
      { key: 'ns2/e0', text: `${ECHO_OUT}\n${OTV}\n` },
    ]);
    expect(out.map((b) => b.text)).toEqual([
      'IP 10.0.0.1.<sport1> > 10.0.0.2.8472: OTV, flags [I] (0x08), overlay 0, instance 8',
      'IP 10.0.0.1.<sport2> > 10.0.0.2.4789: VXLAN, flags [I] (0x08), vni 42\nIP 10.0.0.1.<sport1> > 10.0.0.2.8472: OTV, flags [I] (0x08), overlay 0, instance 8',
    ]);
  });

  it("renames the port on tcpdump -v's second line, after the indentation", () => {
    const [b] = canonicalBlocks([{ key: 'e0', text: 'IP (tos 0x0, ttl 64, id 1, offset 0, flags [none], proto UDP (17), length 78)\n    10.0.0.1.43982 > 10.0.0.2.4789: VXLAN, flags [I] (0x08), vni 42\n' }]);
    expect(b?.text.split('\n')[1]).toBe('    10.0.0.1.<sport1> > 10.0.0.2.4789: VXLAN, flags [I] (0x08), vni 42');
  });

  it('leaves every other UDP port alone: plain UDP, the ICMP port unreachable quoting 4789, the inner frame', () => {
    const text = [
      'IP 10.0.0.1.43982 > 10.0.0.2.4790: UDP, length 50',
      'IP 10.1.1.2.46726 > 10.1.1.1.4000: UDP, length 5',
      'IP 10.0.0.3 > 10.0.0.1: ICMP 10.0.0.3 udp port 4789 unreachable, length 86',
      'ARP, Request who-has 192.168.100.2 tell 192.168.100.1, length 28',
      'IP 192.168.100.1.5000 > 192.168.100.2.53: UDP, length 12',
    ].join('\n');
    expect(canonicalBlocks([{ key: 'e0', text }])[0]?.text).toBe(text);
  });

  it('is blind to which source ports a run drew, as long as the same ones are shared: two runs compare equal', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1024, max: 65535 }), { minLength: 2, maxLength: 2 }), fc.uniqueArray(fc.integer({ min: 1024, max: 65535 }), { minLength: 2, maxLength: 2 }), ([a, b], [c, d]) => {
        const run = (x: number, y: number) => [{ key: 'e0', text: `IP 10.0.0.1.${x} > 10.0.0.2.4789: VXLAN, flags [I] (0x08), vni 42\nIP 10.0.0.2.${x} > 10.0.0.1.4789: VXLAN, flags [I] (0x08), vni 42\nIP 10.0.0.1.${y} > 10.0.0.2.8472: OTV, flags [I] (0x08), overlay 0, instance 8\n` }];
        expect(canonicalText(run(c as number, d as number))).toBe(canonicalText(run(a as number, b as number)));
        // A run where the two directions of a flow got different ports does not compare equal.
        const split = [{ key: 'e0', text: `IP 10.0.0.1.${a} > 10.0.0.2.4789: VXLAN, flags [I] (0x08), vni 42\nIP 10.0.0.2.${b} > 10.0.0.1.4789: VXLAN, flags [I] (0x08), vni 42\nIP 10.0.0.1.${a} > 10.0.0.2.8472: OTV, flags [I] (0x08), overlay 0, instance 8\n` }];
        expect(canonicalText(split)).not.toBe(canonicalText(run(a as number, b as number)));
      }),
    );
  });
});
