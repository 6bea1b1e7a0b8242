/**
 * VXLAN (src/devices/vxlan.ts) and the UDP receive path under it (src/stack/udp.ts): the flow hash's
 * source port (range, what it depends on, both directions alike), the device's own fdb through the
 * exported functions and through `bridge fdb` lines, the flood order of a list of remotes, learning,
 * and a datagram for a port nobody listens on (ICMP port unreachable, NO_SOCKET; a broadcast is not
 * answered).
 *
 * The expected texts of `bridge fdb` lines are the forms scenarios/vxlan-config.yaml and
 * vxlan-flood.yaml recorded on the kernel; the rest checks properties the code documents.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { devOf, quiet, sendFrame, simulate, tool } from './helpers.js';
import { udp_flow_src_port, vxlan_fdb_add, vxlan_fdb_delete, vxlan_fdb_entries, vxlanOf, type VxlanDev } from '../../src/devices/vxlan.js';
import { emitEthernet, ETHERTYPE_IPV4 } from '../../src/wire/ethernet.js';
import { buildDatagram } from '../../src/stack/ipv4-output.js';
import { emitUdp } from '../../src/wire/udp.js';
import { emitVxlan } from '../../src/wire/vxlan.js';
import { emitArp } from '../../src/wire/arp.js';
import { IP_PROTO_TCP, IP_PROTO_UDP, ipv4ToString, parseIpv4 } from '../../src/wire/ipv4.js';
import { prettyPrintPacket } from '../../src/capture/tcpdump-print.js';
import { CaptureTap, type World } from '../../src/sim/world.js';

const ip = (s: string): number => parseIpv4(s) ?? NaN;

// ---------------------------------------------------------------------------------------------
// Inner frames for the flow hash

const macArb = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':'));
const addrArb = fc.integer({ min: 0, max: 0xffffffff });
const portArb = fc.integer({ min: 0, max: 0xffff });
const keyArb = fc.integer({ min: 0, max: 0xffffffff });

interface Flow {
  readonly smac: string;
  readonly dmac: string;
  readonly src: number;
  readonly dst: number;
  readonly proto: number;
  readonly sport: number;
  readonly dport: number;
  readonly ttl: number;
  readonly payload: Uint8Array;
}

const flowArb: fc.Arbitrary<Flow> = fc.record({
  smac: macArb,
  dmac: macArb,
  src: addrArb,
  dst: addrArb,
  proto: fc.constantFrom(IP_PROTO_TCP, IP_PROTO_UDP),
  sport: portArb,
  dport: portArb,
  ttl: fc.integer({ min: 1, max: 255 }),
  payload: fc.uint8Array({ maxLength: 24 }),
});

/** An IPv4 frame of the flow: the L4 header's first four bytes are the ports, the rest is payload. */
function frameOf(f: Flow): Uint8Array {
  const l4 = new Uint8Array(4 + f.payload.length);
  l4.set([f.sport >> 8, f.sport & 0xff, f.dport >> 8, f.dport & 0xff]);
  l4.set(f.payload, 4);
  const dgram = buildDatagram({ src: f.src, dst: f.dst, protocol: f.proto, ttl: f.ttl, ident: 0, dontFragment: false }, l4);
  return emitEthernet({ dst: f.dmac, src: f.smac, ethertype: ETHERTYPE_IPV4 }, dgram);
}

function reverse(f: Flow): Flow {
  return { ...f, smac: f.dmac, dmac: f.smac, src: f.dst, dst: f.src, sport: f.dport, dport: f.sport };
}

/** An ICMP echo (type 8 request, 0 reply) with identifier `id`. */
function echoFrame(src: number, dst: number, type: 0 | 8, id: number, seq: number): Uint8Array {
  const icmp = new Uint8Array(16);
  icmp.set([type, 0, 0, 0, id >> 8, id & 0xff, seq >> 8, seq & 0xff]);
  const dgram = buildDatagram({ src, dst, protocol: 1, ttl: 64, ident: seq, dontFragment: true }, icmp);
  return emitEthernet({ dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01', ethertype: ETHERTYPE_IPV4 }, dgram);
}

describe('udp_flow_src_port', () => {
  it('stays within [low, high) for any frame, key and range; 0 0 (or low >= high) is the local port range 32768..60998', () => {
    fc.assert(
      fc.property(keyArb, fc.oneof(flowArb.map(frameOf), fc.uint8Array({ minLength: 14, maxLength: 80 })), portArb, portArb, (key, frame, a, b) => {
        const p = udp_flow_src_port(key, frame, a, b);
        expect(Number.isInteger(p)).toBe(true);
        if (a < b) {
          expect(p).toBeGreaterThanOrEqual(a);
          expect(p).toBeLessThan(b);
        } else {
          expect(p).toBeGreaterThanOrEqual(32768);
          expect(p).toBeLessThan(60999);
          expect(udp_flow_src_port(key, frame, 0, 0)).toBe(p);
        }
      }),
    );
  });

  it('a one-port range (srcport 4000 4001) gives that port', () => {
    fc.assert(
      fc.property(keyArb, flowArb, (key, f) => {
        expect(udp_flow_src_port(key, frameOf(f), 4000, 4001)).toBe(4000);
      }),
    );
  });

  it('the same flow gives the same port: MACs, TTL, the IP id and the bytes after the ports do not count', () => {
    fc.assert(
      fc.property(keyArb, flowArb, macArb, macArb, fc.integer({ min: 1, max: 255 }), fc.uint8Array({ maxLength: 24 }), (key, f, smac, dmac, ttl, payload) => {
        const p = udp_flow_src_port(key, frameOf(f), 0, 0);
        expect(udp_flow_src_port(key, frameOf(f), 0, 0)).toBe(p);
        expect(udp_flow_src_port(key, frameOf({ ...f, smac, dmac, ttl, payload }), 0, 0)).toBe(p);
      }),
    );
  });

  it('is symmetric, as documented (__flow_hash_consistentify): both directions of a TCP or UDP flow share a port', () => {
    fc.assert(
      fc.property(keyArb, flowArb, portArb, portArb, (key, f, low, span) => {
        const high = Math.min(0xffff, low + 1 + span);
        expect(udp_flow_src_port(key, frameOf(reverse(f)), low, high)).toBe(udp_flow_src_port(key, frameOf(f), low, high));
      }),
    );
  });

  it('an echo request and its reply share a port (the identifier is hashed, not the sequence number)', () => {
    fc.assert(
      fc.property(keyArb, addrArb, addrArb, portArb, portArb, portArb, (key, a, b, id, s1, s2) => {
        const p = udp_flow_src_port(key, echoFrame(a, b, 8, id, s1), 0, 0);
        expect(udp_flow_src_port(key, echoFrame(b, a, 0, id, s2), 0, 0)).toBe(p);
      }),
    );
  });

  it('depends on the flow and on the key: over many flows (or keys) the ports are spread, not one', () => {
    // A hash that ignored its input would give one port here; 64 random flows landing on fewer than 32
    // distinct ports out of 28,231 would be a broken mix.
    const flows = fc.sample(flowArb, { numRuns: 64, seed: 7 });
    expect(new Set(flows.map((f) => udp_flow_src_port(1, frameOf(f), 0, 0))).size).toBeGreaterThan(32);
    const f = flows[0] as Flow;
    const keys = fc.sample(keyArb, { numRuns: 64, seed: 8 });
    expect(new Set(keys.map((k) => udp_flow_src_port(k, frameOf(f), 0, 0))).size).toBeGreaterThan(32);
    // Ports count for TCP and UDP: another destination port is (almost always) another source port.
    const others = Array.from({ length: 64 }, (_, i) => udp_flow_src_port(1, frameOf({ ...f, dport: i }), 0, 0));
    expect(new Set(others).size).toBeGreaterThan(32);
  });
});

// ---------------------------------------------------------------------------------------------
// The forwarding table

/** ns `a` with vxlan1 (VNI 5, dstport 4790, no remote, down), as vxlan-config.yaml makes it. */
function oneVxlan(extra = ''): { w: World; v: VxlanDev } {
  const { world: w } = simulate(`ip netns add a\nip -n a link add vxlan1 type vxlan id 5 dstport 4790\n${extra}`);
  const v = vxlanOf(w, devOf(w, 'a', 'vxlan1').id);
  if (!v) throw new Error('vxlan1 is no vxlan');
  return { w, v };
}

const fdb = (w: World, line: string): string => {
  const r = tool(w, `ip netns exec a bridge ${line}`);
  return r.stdout + r.stderr;
};

const unicastMacArb = fc.uint8Array({ minLength: 5, maxLength: 5 }).map((b) => ['02', ...[...b].map((x) => x.toString(16).padStart(2, '0'))].join(':'));

describe('the vxlan fdb (vxlan_fdb_add / vxlan_fdb_delete / vxlan_fdb_entries)', () => {
  it('lists entries newest first, whatever order they were added in; deleting some keeps the others\' order', () => {
    fc.assert(
      fc.property(fc.uniqueArray(unicastMacArb, { minLength: 1, maxLength: 12 }), fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }), (macs, drop) => {
        const { w, v } = oneVxlan();
        for (const mac of macs) expect(vxlan_fdb_add(w, v, 'add', { mac, ip: ip('10.0.0.9'), state: 'permanent' }).ok).toBe(true);
        expect(vxlan_fdb_entries(w, v).map((e) => e.mac)).toEqual([...macs].reverse());
        const gone = macs.filter((_, i) => drop[i]);
        for (const mac of gone) expect(vxlan_fdb_delete(w, v, { mac, ip: 0 }).ok).toBe(true);
        expect(vxlan_fdb_entries(w, v).map((e) => e.mac)).toEqual(macs.filter((m) => !gone.includes(m)).reverse());
      }),
      { numRuns: 30 },
    );
  });

  it('add of an existing MAC is EEXIST, whatever remote it names, and changes nothing', () => {
    const { w, v } = oneVxlan();
    const mac = '02:00:00:00:00:01';
    expect(vxlan_fdb_add(w, v, 'add', { mac, ip: ip('10.0.0.9'), port: 5000, vni: 77, state: 'permanent' }).ok).toBe(true);
    expect(vxlan_fdb_add(w, v, 'add', { mac, ip: ip('10.0.0.12'), state: 'static' })).toMatchObject({ ok: false, errno: 'EEXIST' });
    expect(vxlan_fdb_entries(w, v)).toMatchObject([{ mac, state: 'permanent', remotes: [{ ip: ip('10.0.0.9'), port: 5000, vni: 77, ifindex: 0 }] }]);
    // The same through bridge, as vxlan-config.yaml has it.
    expect(fdb(w, `fdb add ${mac} dev vxlan1 dst 10.0.0.12`)).toBe('RTNETLINK answers: File exists\n');
    expect(fdb(w, 'fdb show dev vxlan1')).toBe(`${mac} dst 10.0.0.9 port 5000 vni 77 self permanent\n`);
  });

  it('a remote without port or vni takes the device\'s (not printed); one with them keeps and prints them', () => {
    const { w, v } = oneVxlan();
    fdb(w, 'fdb add 02:00:00:00:00:01 dev vxlan1 dst 10.0.0.9');
    fdb(w, 'fdb add 02:00:00:00:00:02 dev vxlan1 dst 10.0.0.9 port 4790 vni 5');
    fdb(w, 'fdb add 02:00:00:00:00:03 dev vxlan1 dst 10.0.0.9 port 5000');
    expect(vxlan_fdb_entries(w, v).map((e) => e.remotes.map((r) => [r.port, r.vni]))).toEqual([[[5000, 5]], [[4790, 5]], [[4790, 5]]]);
    expect(fdb(w, 'fdb show dev vxlan1')).toBe(
      '02:00:00:00:00:03 dst 10.0.0.9 port 5000 self permanent\n02:00:00:00:00:02 dst 10.0.0.9 self permanent\n02:00:00:00:00:01 dst 10.0.0.9 self permanent\n',
    );
  });

  it('append adds each new remote to the all-zeros entry once, in order; a unicast entry keeps its one remote', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 12 }), (hosts) => {
        const { w, v } = oneVxlan();
        for (const h of hosts) expect(vxlan_fdb_add(w, v, 'append', { mac: '00:00:00:00:00:00', ip: ip(`10.0.0.${h}`), state: 'permanent' }).ok).toBe(true);
        const [zero] = vxlan_fdb_entries(w, v);
        expect(zero?.remotes.map((r) => ipv4ToString(r.ip))).toEqual([...new Set(hosts)].map((h) => `10.0.0.${h}`));
      }),
      { numRuns: 30 },
    );
    const { w, v } = oneVxlan();
    fdb(w, 'fdb add 02:00:00:00:00:01 dev vxlan1 dst 10.0.0.10');
    expect(fdb(w, 'fdb append 02:00:00:00:00:01 dev vxlan1 dst 10.0.0.11')).toBe('');
    expect(vxlan_fdb_entries(w, v)[0]?.remotes.map((r) => ipv4ToString(r.ip))).toEqual(['10.0.0.10']);
    // A group MAC takes appends like the all-zeros one.
    fdb(w, 'fdb add 01:00:5e:00:00:07 dev vxlan1 dst 10.0.0.8');
    fdb(w, 'fdb append 01:00:5e:00:00:07 dev vxlan1 dst 10.0.0.9');
    expect(fdb(w, 'fdb show dev vxlan1')).toBe('01:00:5e:00:00:07 dst 10.0.0.8 self permanent\n01:00:5e:00:00:07 dst 10.0.0.9 self permanent\n02:00:00:00:00:01 dst 10.0.0.10 self permanent\n');
  });

  it('replace swaps a unicast entry\'s remote (port and VNI back to the device\'s), makes a missing one, and refuses the all-zeros and group MACs', () => {
    const { w, v } = oneVxlan();
    fdb(w, 'fdb add 02:00:00:00:00:01 dev vxlan1 dst 10.0.0.9 port 5000 vni 77');
    expect(fdb(w, 'fdb replace 02:00:00:00:00:01 dev vxlan1 dst 10.0.0.10')).toBe('');
    expect(vxlan_fdb_entries(w, v)[0]?.remotes).toEqual([{ ip: ip('10.0.0.10'), port: 4790, vni: 5, ifindex: 0 }]);
    expect(fdb(w, 'fdb replace 02:00:00:00:00:02 dev vxlan1 dst 10.0.0.3 static')).toBe('');
    // No entry for it: vxlan_fdb_update_create's refusal, without an extended ack (vxlan-config.yaml).
    expect(fdb(w, 'fdb replace 00:00:00:00:00:00 dev vxlan1 dst 10.0.0.10')).toBe('RTNETLINK answers: Operation not supported\n');
    expect(vxlan_fdb_add(w, v, 'replace', { mac: '01:00:5e:00:00:01', ip: ip('10.0.0.1'), state: 'permanent' })).toMatchObject({ ok: false, errno: 'EOPNOTSUPP' });
    // An existing one: vxlan_fdb_update_existing's, which says why.
    fdb(w, 'fdb append 00:00:00:00:00:00 dev vxlan1 dst 10.0.0.4');
    expect(vxlan_fdb_add(w, v, 'replace', { mac: '00:00:00:00:00:00', ip: ip('10.0.0.5'), state: 'permanent' })).toMatchObject({ ok: false, errno: 'EOPNOTSUPP' });
    expect(fdb(w, 'fdb show dev vxlan1')).toBe('00:00:00:00:00:00 dst 10.0.0.4 self permanent\n02:00:00:00:00:02 dst 10.0.0.3 self static\n02:00:00:00:00:01 dst 10.0.0.10 self permanent\n');
  });

  it('del: a named remote goes (the entry with its last one); an unknown remote deletes nothing; an unknown MAC is ENOENT', () => {
    const { w, v } = oneVxlan();
    for (const h of [2, 3, 4]) fdb(w, `fdb append 00:00:00:00:00:00 dev vxlan1 dst 10.0.0.${h}`);
    fdb(w, 'fdb add 02:00:00:00:00:02 dev vxlan1 dst 10.0.0.9 static');
    expect(fdb(w, 'fdb del 00:00:00:00:00:00 dev vxlan1 dst 10.0.0.3')).toBe('');
    expect(vxlan_fdb_entries(w, v)[1]?.remotes.map((r) => ipv4ToString(r.ip))).toEqual(['10.0.0.2', '10.0.0.4']);
    // A remote that differs only in its port is another remote.
    expect(fdb(w, 'fdb del 00:00:00:00:00:00 dev vxlan1 dst 10.0.0.2 port 4789')).toBe('');
    expect(vxlan_fdb_entries(w, v)[1]?.remotes).toHaveLength(2);
    expect(fdb(w, 'fdb del 02:00:00:00:00:02 dev vxlan1 dst 10.0.0.1')).toBe('');
    expect(fdb(w, 'fdb del 02:00:00:00:00:09 dev vxlan1')).toBe('RTNETLINK answers: No such file or directory\n');
    expect(fdb(w, 'fdb show dev vxlan1')).toBe('02:00:00:00:00:02 dst 10.0.0.9 self static\n00:00:00:00:00:00 dst 10.0.0.2 self permanent\n00:00:00:00:00:00 dst 10.0.0.4 self permanent\n');
    fdb(w, 'fdb del 00:00:00:00:00:00 dev vxlan1 dst 10.0.0.2');
    fdb(w, 'fdb del 00:00:00:00:00:00 dev vxlan1 dst 10.0.0.4');
    fdb(w, 'fdb del 02:00:00:00:00:02 dev vxlan1');
    expect(vxlan_fdb_entries(w, v)).toEqual([]);
    expect(fdb(w, 'fdb show dev vxlan1')).toBe('');
  });

  it('add without dst is EINVAL (vxlan_fdb_parse); dst 0.0.0.0 is taken', () => {
    const { w } = oneVxlan();
    expect(fdb(w, 'fdb add 00:00:00:00:00:00 dev vxlan1')).toBe('RTNETLINK answers: Invalid argument\n');
    expect(fdb(w, 'fdb add 02:00:00:00:00:04 dev vxlan1 dst 0.0.0.0')).toBe('');
    expect(fdb(w, 'fdb show dev vxlan1')).toBe('02:00:00:00:00:04 dst 0.0.0.0 self permanent\n');
  });

  it('the default remote (remote ... dev ...) is the all-zeros entry, permanent, via the lower device', () => {
    const { world: w } = simulate('ip netns add a\nip -n a link add veth0 type veth peer name veth1\nip -n a link add vx type vxlan id 7 remote 10.0.0.1 dstport 4789 dev veth0');
    expect(tool(w, 'ip netns exec a bridge fdb show dev vx').stdout).toBe('00:00:00:00:00:00 dst 10.0.0.1 via veth0 self permanent\n');
  });
});

// ---------------------------------------------------------------------------------------------
// Traffic: hub's br0 joins nsN's e0 (10.0.0.N/24), as in vxlan-flood.yaml

function underlay(n: number, extra: string): string {
  let s = 'ip netns add hub\nip -n hub link add br0 type bridge\nip -n hub link set br0 up\n';
  for (let i = 1; i <= n; i++) s += `ip netns add ns${i}\nip link add e0 netns ns${i} type veth peer name p${i} netns hub\nip -n hub link set p${i} master br0\nip -n hub link set p${i} up\n`;
  for (let i = 1; i <= n; i++) s += `ip -n ns${i} addr add 10.0.0.${i}/24 dev e0\nip -n ns${i} link set e0 up\n`;
  // The underlay resolved first, so the overlay's datagrams leave at once.
  for (let i = 2; i <= n; i++) s += `ip netns exec ns1 ping -c 1 10.0.0.${i}\n`;
  return `${s}sleep 6\n${extra}`;
}

/** The VXLAN datagrams a tap saw going out: outer destination and UDP port. */
function outerDestinations(tap: CaptureTap, port: number): string[] {
  return tap.frames
    .filter((f) => f.dir === 'out' && f.data[23] === IP_PROTO_UDP && ((f.data[36] as number) << 8 | (f.data[37] as number)) === port)
    .map((f) => ipv4ToString(((f.data[30] as number) << 24 | (f.data[31] as number) << 16 | (f.data[32] as number) << 8 | (f.data[33] as number)) >>> 0));
}

describe('vxlan_xmit: head-end replication', () => {
  it('a broadcast goes to the second and later remotes first, in the order appended, and to the first remote last', () => {
    for (const order of [[2, 3, 4, 5], [5, 3, 2, 4], [4, 2]]) {
      const { world: w } = simulate(
        underlay(5, 'ip -n ns1 link add vxlan0 type vxlan id 42 dstport 4789\nip -n ns1 addr add 192.168.9.1/24 dev vxlan0\nip -n ns1 link set vxlan0 up\n' + order.map((h) => `ip netns exec ns1 bridge fdb append 00:00:00:00:00:00 dev vxlan0 dst 10.0.0.${h}`).join('\n')),
      );
      const tap = new CaptureTap(devOf(w, 'ns1', 'e0').id);
      w.taps.push(tap);
      // One ARP request (a broadcast) from the overlay address, as arping would send.
      const vx = devOf(w, 'ns1', 'vxlan0');
      sendFrame(w, 'ns1', 'vxlan0', emitEthernet({ dst: 'ff:ff:ff:ff:ff:ff', src: vx.mac, ethertype: 0x0806 }, emitArp({ operation: 1, senderMac: vx.mac, senderIp: ip('192.168.9.1'), targetMac: '00:00:00:00:00:00', targetIp: ip('192.168.9.99') })));
      const [first, ...rest] = order.map((h) => `10.0.0.${h}`);
      expect(outerDestinations(tap, 4789), order.join(',')).toEqual([...rest, first]);
      expect(w.statsOf(vx.id).tx_packets).toBe(order.length);
    }
  });

  it('with no entry and no default remote the frame is dropped and counted in tx_dropped', () => {
    const { world: w } = simulate(underlay(2, 'ip -n ns1 link add vxlan0 type vxlan id 42 dstport 4789\nip -n ns1 link set vxlan0 up'));
    const vx = devOf(w, 'ns1', 'vxlan0');
    const mark = w.trace.drops.length;
    sendFrame(w, 'ns1', 'vxlan0', emitEthernet({ dst: 'ff:ff:ff:ff:ff:ff', src: vx.mac, ethertype: 0x88b5 }, new Uint8Array(46)));
    expect(w.trace.drops.slice(mark).map((d) => d.drop)).toEqual(['VXLAN_NO_REMOTE']);
    expect(w.statsOf(vx.id).tx_dropped).toBe(1);
  });
});

describe('vxlan_rcv: learning', () => {
  const overlay = (learning: string) =>
    underlay(
      2,
      `ip -n ns1 link add vxlan0 type vxlan id 42 remote 10.0.0.2 dstport 4789\nip -n ns2 link add vxlan0 type vxlan id 42 remote 10.0.0.1 dstport 4789 ${learning}\n` +
        'ip -n ns1 addr add 192.168.9.1/24 dev vxlan0\nip -n ns2 addr add 192.168.9.2/24 dev vxlan0\nip -n ns1 link set vxlan0 up\nip -n ns2 link set vxlan0 up\nip netns exec ns1 ping -c 1 192.168.9.2\n',
    );

  // A learned entry has no state word: print_fdb leaves the space after "self" (the recordings drop trailing spaces).
  it('learns the sender\'s inner MAC behind the outer source address, newest first (vxlan-p2p.yaml\'s form)', () => {
    const run = simulate(overlay(''));
    expect(run.report.output).toContain('1 received');
    const mac1 = devOf(run.world, 'ns1', 'vxlan0').mac;
    expect(tool(run.world, 'ip netns exec ns2 bridge fdb show dev vxlan0').stdout).toBe(`${mac1} dst 10.0.0.1 self \n00:00:00:00:00:00 dst 10.0.0.1 self permanent\n`);
  });

  it('nolearning learns nothing, though the overlay works through the default remote', () => {
    const run = simulate(overlay('nolearning'));
    expect(run.report.output).toContain('1 received');
    expect(tool(run.world, 'ip netns exec ns2 bridge fdb show dev vxlan0').stdout).toBe('00:00:00:00:00:00 dst 10.0.0.1 self permanent\n');
    // The other side, learning, did learn.
    const mac2 = devOf(run.world, 'ns2', 'vxlan0').mac;
    expect(tool(run.world, 'ip netns exec ns1 bridge fdb show dev vxlan0').stdout).toBe(`${mac2} dst 10.0.0.2 self \n00:00:00:00:00:00 dst 10.0.0.2 self permanent\n`);
  });

  it('learned entries go when the device goes down; permanent ones stay', () => {
    const run = simulate(overlay('') + 'ip -n ns2 link set vxlan0 down\n');
    expect(tool(run.world, 'ip netns exec ns2 bridge fdb show dev vxlan0').stdout).toBe('00:00:00:00:00:00 dst 10.0.0.1 self permanent\n');
  });
});

describe('udp_rcv: no socket on the port', () => {
  it('a VXLAN datagram for a namespace whose vxlan device is down is answered with ICMP port unreachable and dropped NO_SOCKET', () => {
    const run = simulate(
      underlay(3, 'ip -n ns1 link add vxlan0 type vxlan id 42 remote 10.0.0.3 dstport 4789\nip -n ns3 link add vxlan0 type vxlan id 42 dstport 4789\nip -n ns1 addr add 192.168.9.1/24 dev vxlan0\nip -n ns1 link set vxlan0 up\nip netns exec ns1 tcpdump -nnt -i e0 &\nip netns exec ns1 ping -c 1 -W 1 192.168.9.3\nsleep 4'),
    );
    const lines = run.captures.flatMap((c) => c.frames.map((f) => prettyPrintPacket(f.data)));
    // vxlan-flood.yaml's line, once for each of ARP's three probes.
    expect(lines.filter((l) => l === 'IP 10.0.0.3 > 10.0.0.1: ICMP 10.0.0.3 udp port 4789 unreachable, length 86')).toHaveLength(3);
    const drops = run.world.trace.drops.filter((d) => d.ns === 'ns3' && d.drop === 'NO_SOCKET');
    expect(drops).toHaveLength(3);
    expect(drops.every((d) => d.stage === 'udp_rcv' && / > 10\.0\.0\.3\.4789: no socket on port 4789$/.test(d.what))).toBe(true);
    // Up, the device's socket takes them: no more unreachables.
    const up = simulate(
      underlay(3, 'ip -n ns1 link add vxlan0 type vxlan id 42 remote 10.0.0.3 dstport 4789\nip -n ns3 link add vxlan0 type vxlan id 42 dstport 4789\nip -n ns3 link set vxlan0 up\nip -n ns1 addr add 192.168.9.1/24 dev vxlan0\nip -n ns1 link set vxlan0 up\nip netns exec ns1 tcpdump -nnt -i e0 &\nip netns exec ns1 ping -c 1 -W 1 192.168.9.3\nsleep 4'),
    );
    expect(up.captures.flatMap((c) => c.frames.map((f) => prettyPrintPacket(f.data))).some((l) => l.includes('unreachable'))).toBe(false);
    expect(up.world.trace.drops.filter((d) => d.drop === 'NO_SOCKET')).toEqual([]);
  });

  /** A UDP datagram from ns1's e0 to `dst` (MAC `dmac`) port `port`, carrying a VXLAN header. */
  function datagram(w: World, dst: string, dmac: string, port: number): Uint8Array {
    const e0 = devOf(w, 'ns1', 'e0');
    const udp = emitUdp({ srcPort: 40000, dstPort: port, data: emitVxlan(42, new Uint8Array(60)) }, ip('10.0.0.1'), ip(dst), 'none');
    return emitEthernet({ dst: dmac, src: e0.mac, ethertype: ETHERTYPE_IPV4 }, buildDatagram({ src: ip('10.0.0.1'), dst: ip(dst), protocol: IP_PROTO_UDP, ttl: 64, ident: 1, dontFragment: false }, udp));
  }

  it('a broadcast datagram for a port with no socket is dropped NO_SOCKET without an ICMP error; a unicast one gets one', () => {
    const { world: w } = simulate(underlay(2, ''));
    const tap = new CaptureTap(devOf(w, 'ns1', 'e0').id);
    w.taps.push(tap);
    const icmpIn = () => tap.frames.filter((f) => f.dir === 'in' && f.data[23] === 1).map((f) => prettyPrintPacket(f.data));
    let mark = w.trace.drops.length;
    sendFrame(w, 'ns1', 'e0', datagram(w, '10.0.0.255', 'ff:ff:ff:ff:ff:ff', 4789));
    expect(w.trace.drops.slice(mark).filter((d) => d.ns === 'ns2').map((d) => [d.stage, d.drop])).toEqual([['udp_rcv', 'NO_SOCKET']]);
    expect(icmpIn()).toEqual([]);
    mark = w.trace.drops.length;
    sendFrame(w, 'ns1', 'e0', datagram(w, '10.0.0.2', devOf(w, 'ns2', 'e0').mac, 4789));
    quiet(w);
    expect(w.trace.drops.slice(mark).filter((d) => d.ns === 'ns2').map((d) => [d.stage, d.drop])).toEqual([['udp_rcv', 'NO_SOCKET']]);
    expect(icmpIn()).toEqual(['IP 10.0.0.2 > 10.0.0.1: ICMP 10.0.0.2 udp port 4789 unreachable, length 104']);
  });
});
