/**
 * iputils arping 20221126 in the simulator: its command line, its exit statuses and its timing, as
 * measured on the kernel (6.18) with Debian's iputils-arping inside private namespaces. The recorded
 * scenarios (scenarios/arping-*.yaml) hold the output byte for byte; exit statuses and durations are
 * not part of a scenario's expectation, so they are checked here against the measured values.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import { ScenarioErrors } from '../../src/scenario/errors.js';
import { runSim, type SimRun } from '../../src/runner/simulate.js';
import { arpingArgs, arpingNeverEnds, arpingSeconds, ARPING_USAGE } from '../../src/scenario/arping-args.js';
import { intendedSeconds } from '../../src/kernel/plan.js';
import { canonicalBlocks } from '../../src/report/canonical.js';
import { arping } from '../../src/tools/arping.js';
import { alloc_skb, eth_header } from '../../src/core/skbuff.js';
import { netif_receive_skb } from '../../src/core/dev.js';
import { emitArp, ARP_OP_REPLY, ARP_OP_REQUEST } from '../../src/wire/arp.js';
import { BROADCAST_MAC, ETHERTYPE_ARP } from '../../src/wire/ethernet.js';
import { NS_PER_MS, NS_PER_SEC } from '../../src/sim/event-loop.js';
import type { ToolOutput } from '../../src/tools/tool.js';
import { journeys } from '../../src/sim/journey.js';
import { A, decode, stageWorld } from '../stack/fixtures.js';

/** Two namespaces joined by a veth pair, a (veth0, 10.0.0.1) and b (veth1, 10.0.0.2), then `lines`. */
const PAIR = [
  'ip netns add a',
  'ip netns add b',
  'ip -n a link add veth0 type veth peer name veth1 netns b',
  'ip -n a addr add 10.0.0.1/24 dev veth0',
  'ip -n b addr add 10.0.0.2/24 dev veth1',
  'ip -n a link set veth0 up',
  'ip -n b link set veth1 up',
];

function sim(lines: readonly string[]): SimRun {
  const all = [...PAIR, ...lines];
  return runSim(parseScenario(`name: t\ntitle: t\nscript: |\n${all.map((l) => `  ${l}\n`).join('')}`, 't.yaml'));
}

/** The last line's exit status, duration (ms of virtual time) and output. */
function last(lines: readonly string[]): { exit: number | undefined; ms: number; output: string } {
  const r = sim(lines).lines.at(-1);
  if (!r) throw new Error('no line');
  return { exit: r.exit, ms: (r.end - r.start) / NS_PER_MS, output: r.output };
}

describe('arping reads its command line as getopt and strtol_or_err do', () => {
  it.each([
    ['-W is no option of this arping', ['arping', '-W', '1', '10.0.0.2'], `arping: invalid option -- 'W'\n${ARPING_USAGE}`, 2],
    ['-0 neither', ['arping', '-0', '10.0.0.2'], `arping: invalid option -- '0'\n${ARPING_USAGE}`, 2],
    ['a long option is a bad short one', ['arping', '--help'], `arping: invalid option -- '-'\n${ARPING_USAGE}`, 2],
    ['a value missing', ['arping', '10.0.0.2', '-c'], `arping: option requires an argument -- 'c'\n${ARPING_USAGE}`, 2],
    ['-h', ['arping', '-h'], ARPING_USAGE, 2],
    ['no destination', ['arping', '-c', '1'], ARPING_USAGE, 2],
    ['two destinations', ['arping', '-c', '1', '10.0.0.2', '10.0.0.3'], ARPING_USAGE, 2],
    ['after --, options are destinations', ['arping', '--', '-c', '1', '10.0.0.2'], ARPING_USAGE, 2],
    ['-c 0', ['arping', '-c', '0', '10.0.0.2'], "arping: invalid argument: '0': out of range: 1 <= value <= 2147483647\n", 1],
    ['-c x', ['arping', '-c', 'x', '10.0.0.2'], "arping: invalid argument: 'x'\n", 1],
    ['-c with a trailing space', ['arping', '-c', '2 ', '10.0.0.2'], "arping: invalid argument: '2 '\n", 1],
    ['-c empty', ['arping', '-c', '', '10.0.0.2'], "arping: invalid argument: ''\n", 1],
    ['-c past a long', ['arping', '-c', '99999999999999999999', '10.0.0.2'], "arping: invalid argument: '99999999999999999999': Numerical result out of range\n", 1],
    ['-c past an int', ['arping', '-c', '9999999999', '10.0.0.2'], "arping: invalid argument: '9999999999': out of range: 1 <= value <= 2147483647\n", 1],
    ['-w -1', ['arping', '-w', '-1', '10.0.0.2'], "arping: invalid argument: '-1': out of range: 0 <= value <= 2147483647\n", 1],
    ['the program as typed', ['/usr/bin/arping', '-X'], `/usr/bin/arping: invalid option -- 'X'\n${ARPING_USAGE}`, 2],
  ])('%s', (_name, argv, stderr, exit) => {
    expect(arpingArgs(argv)).toEqual({ kind: 'exit', stdout: '', stderr, exit });
  });

  it('-V prints the version and ends there, whatever follows', () => {
    const a = arpingArgs(['arping', '-qV', '-c', 'x']);
    expect(a).toMatchObject({ kind: 'exit', exit: 0, stderr: '' });
    expect(a.kind === 'exit' && a.stdout).toBe('arping from iputils 20221126\nlibcap: yes, IDN: yes, NLS: no, error.h: yes, getrandom(): yes, __fpending(): yes\n');
  });

  it('permutes: options after the destination count, bundles and attached values too', () => {
    const a = arpingArgs(['arping', '-A', '-I', 'veth-host', '-U', '10.0.10.2', '-c1', '-qbw', '5', '-i', ' +2']);
    expect(a).toEqual({
      kind: 'run',
      opts: { prog: 'arping', target: '10.0.10.2', device: 'veth-host', source: undefined, count: 1, timeout: 5, interval: 2, broadcastOnly: true, dad: false, unsolicited: true, advert: true, quiet: true, quitOnReply: false },
    });
  });

  it('-D quits on the first reply', () => {
    const a = arpingArgs(['arping', '-D', '10.0.0.2']);
    expect(a.kind === 'run' && a.opts.quitOnReply).toBe(true);
  });
});

describe('the loader refuses an arping that would never end, as it does ping', () => {
  it.each([
    [['arping', '-I', 'veth0', '10.0.0.2'], "arping without -c or -w would never end: add '-c N'"],
    [['arping', '-f', '10.0.0.2'], "arping without -c or -w would never end: add '-c N'"],
    [['arping', '-i', '0', '-c', '3', '10.0.0.2'], "arping -i 0 sends one probe and waits for ever: add '-w N'"],
    [['arping', '-w', '0', '10.0.0.2'], "arping without -c or -w would never end: add '-c N'"],
  ])('%j', (argv, why) => {
    expect(arpingNeverEnds(argv)).toBe(why);
  });

  it.each([[['arping', '-c', '1', '10.0.0.2']], [['arping', '-w', '2', '10.0.0.2']], [['arping', '-i', '0', '-w', '3', '10.0.0.2']], [['arping', '-V']], [['arping']]])('%j is fine', (argv) => {
    expect(arpingNeverEnds(argv)).toBeUndefined();
  });

  it('names the line', () => {
    expect(() => parseScenario('name: t\ntitle: t\nscript: |\n  arping -I lo 10.0.0.2\n', 't.yaml')).toThrow(ScenarioErrors);
    expect(() => parseScenario('name: t\ntitle: t\nscript: |\n  arping -I lo 10.0.0.2\n', 't.yaml')).toThrow("t.yaml:4: arping without -c or -w would never end: add '-c N'");
  });

  it('refuses a destination that needs name resolution, and nothing that ends before it', () => {
    expect(arping.check(['arping', '-c', '1', 'router.example'])).toBe("arping: only numeric IPv4 destinations are simulated (no name resolution), not 'router.example'");
    expect(arping.check(['arping', '-c', '0', 'router.example'])).toBeUndefined();
    expect(arping.check(['arping', '-c', '1', '0x0a000002'])).toBeUndefined();
  });

  it('kernel mode gives a line the time its probes take, or its deadline', () => {
    expect(arpingSeconds(['arping', '-c', '3', '10.0.0.2'])).toBe(3);
    expect(arpingSeconds(['arping', '-c', '2', '-i', '5', '10.0.0.2'])).toBe(10);
    expect(arpingSeconds(['arping', '-c', '9', '-w', '2', '10.0.0.2'])).toBe(2);
    expect(intendedSeconds(['ip', 'netns', 'exec', 'a', 'arping', '-w', '4', '10.0.0.2'])).toBe(4);
  });
});

describe('exit statuses and durations, as measured', () => {
  it.each([
    // [what, line, exit, duration in ms of virtual time — to within the few microseconds an answer takes]
    ['answered -c 3: 3 s', 'ip netns exec a arping -I veth0 -c 3 10.0.0.2', 0, 3000],
    ['unanswered -c 2: 2 s', 'ip netns exec a arping -I veth0 -c 2 10.0.0.9', 1, 2000],
    ['-c 1 takes a second even when answered at once', 'ip netns exec a arping -I veth0 -c 1 10.0.0.2', 0, 1000],
    ['-w 3 answered: its fourth probe goes unanswered, status 0 all the same', 'ip netns exec a arping -I veth0 -w 3 10.0.0.2', 0, 3000],
    ['-w 2 unanswered', 'ip netns exec a arping -I veth0 -w 2 10.0.0.9', 1, 2000],
    ['-w 5 -c 2 ends at the second reply', 'ip netns exec a arping -I veth0 -w 5 -c 2 10.0.0.2', 0, 1000],
    ['-c 2 -w 1: two probes, one reply, status 1', 'ip netns exec a arping -I veth0 -c 2 -w 1 10.0.0.2', 1, 1000],
    ['-f ends at the first reply', 'ip netns exec a arping -I veth0 -f -c 3 10.0.0.2', 0, 0],
    ['-D with the address taken: status 1, at the reply', 'ip netns exec a arping -D -I veth0 -c 2 10.0.0.2', 1, 0],
    ['-D with the address free: status 0', 'ip netns exec a arping -D -I veth0 -c 2 10.0.0.3', 0, 2000],
    ['-U: status 0, no answers expected', 'ip netns exec a arping -U -I veth0 -c 2 10.0.0.1', 0, 2000],
    ['-A: status 0', 'ip netns exec a arping -A -I veth0 -c 1 10.0.0.1', 0, 1000],
    ['-U answered (a source given): still 0', 'ip netns exec a arping -U -s 10.0.0.1 -I veth0 -c 1 10.0.0.2', 0, 1000],
    ['-q answered', 'ip netns exec a arping -q -I veth0 -c 1 10.0.0.2', 0, 1000],
    ['-q unanswered', 'ip netns exec a arping -q -I veth0 -c 1 10.0.0.9', 1, 1000],
    ['-i 2 -c 2: 4 s', 'ip netns exec a arping -i 2 -I veth0 -c 2 10.0.0.9', 1, 4000],
    ['-i 0 disarms the interval timer: one probe, then the deadline', 'ip netns exec a arping -i 0 -I veth0 -c 3 -w 3 10.0.0.9', 1, 3000],
    ['-w 0 is no deadline', 'ip netns exec a arping -w 0 -I veth0 -c 1 10.0.0.9', 1, 1000],
    ['-q -b -c 1 -w 5 unanswered still ends at 1 s', 'ip netns exec a arping -q -b -c 1 -w 5 -s 10.0.0.1 -I veth0 10.0.0.9', 1, 1000],
  ])('%s', (_what, line, exit, ms) => {
    const r = last([line]);
    expect(r.exit).toBe(exit);
    expect(r.ms).toBeCloseTo(ms, 1);
  });

  it.each([
    ['unknown device', 'ip netns exec a arping -I veth9 -c 1 10.0.0.2', 2, 'arping: Device veth9 not available.\n'],
    ['device down', 'ip netns exec a arping -I lo -c 1 10.0.0.2', 2, 'Interface "lo" is down\n'],
    ['device down, quiet', 'ip netns exec a arping -q -I lo -c 1 10.0.0.2', 2, ''],
    ['lo up is not ARPable', 'arping -I lo -c 1 10.0.0.2', 2, 'Interface "lo" is not ARPable\n'],
    ['lo in DAD mode: 0', 'arping -D -I lo -c 1 10.0.0.2', 0, 'Interface "lo" is not ARPable\n'],
    ['a source not ours', 'ip netns exec a arping -s 10.0.0.5 -I veth0 -c 1 10.0.0.2', 2, 'arping: bind: Cannot assign requested address\n'],
    ['-D with a source not ours', 'ip netns exec a arping -D -s 10.0.0.5 -I veth0 -c 1 10.0.0.2', 2, 'arping: bind: Cannot assign requested address\n'],
    ['-U for an address not ours', 'ip netns exec a arping -U -I veth0 -c 1 10.0.0.2', 2, 'arping: bind: Cannot assign requested address\n'],
    ['an unreadable source', 'ip netns exec a arping -s foo -I veth0 -c 1 10.0.0.2', 2, 'arping: invalid source foo\n'],
    ['a broadcast destination', 'ip netns exec a arping -I veth0 -c 1 10.0.0.255', 2, 'arping: connect: Permission denied\n'],
    ['255.255.255.255', 'ip netns exec a arping -I veth0 -c 1 255.255.255.255', 2, 'arping: connect: Permission denied\n'],
    ['no route without -I', 'ip netns exec a arping -c 1 10.9.0.2', 1, 'arping: NETLINK_ROUTE unexpected iov element\n'],
    ['an own address without -I: lo', 'ip netns exec a arping -c 1 10.0.0.1', 2, 'Interface "lo" is down\n'],
  ])('%s', (_what, line, exit, output) => {
    const r = last([line]);
    expect(r.exit).toBe(exit);
    expect(r.output).toBe(output);
  });

  it('two answers to one probe: counted both, status 1 (more replies than probes)', () => {
    const run = runSim(
      parseScenario(
        `name: t\ntitle: t\nscript: |\n${[
          'ip netns add c',
          'ip netns add h1',
          'ip netns add h2',
          'ip netns add sw',
          'ip -n sw link add br0 type bridge',
          'ip -n sw link set br0 up',
          'ip -n sw link add p0 type veth peer name eth0 netns c',
          'ip -n sw link add p1 type veth peer name eth0 netns h1',
          'ip -n sw link add p2 type veth peer name eth0 netns h2',
          ...['p0', 'p1', 'p2'].flatMap((p) => [`ip -n sw link set ${p} master br0`, `ip -n sw link set ${p} up`]),
          'ip -n c addr add 10.0.0.10/24 dev eth0',
          'ip -n h1 addr add 10.0.0.2/24 dev eth0',
          'ip -n h2 addr add 10.0.0.2/24 dev eth0',
          ...['c', 'h1', 'h2'].map((n) => `ip -n ${n} link set eth0 up`),
          'ip netns exec c arping -c 2 -I eth0 10.0.0.2',
        ]
          .map((l) => `  ${l}\n`)
          .join('')}`,
        't.yaml',
      ),
    );
    const r = run.lines.at(-1);
    expect(r?.output).toMatch(/Sent 2 probes \(1 broadcast\(s\)\)\nReceived 3 response\(s\)\n$/);
    expect(r?.exit).toBe(1);
  });

  it('the address of a device without one: the on-link fallback borrows another device\'s', () => {
    const r = last(['ip -n a link add vx type veth peer name vy', 'ip -n a link set vx up', 'ip -n a link set vy up', 'ip netns exec a arping -I vx -c 1 10.0.0.2']);
    expect(r.output.split('\n')[0]).toBe('ARPING 10.0.0.2 from 10.0.0.1 vx');
  });

  it('no address anywhere: the header, then the refusal', () => {
    const r = last(['ip -n a addr flush dev veth0', 'ip netns exec a arping -I veth0 -c 1 10.0.0.2']);
    expect(r).toMatchObject({ exit: 2, output: 'ARPING 10.0.0.2 from 0.0.0.0 veth0\narping: no source address in not-DAD mode\n' });
  });

  it('-s 0.0.0.0 is bindable, and b answers it as a duplicate address probe', () => {
    const r = last(['ip netns exec a arping -s 0.0.0.0 -I veth0 -c 1 10.0.0.2']);
    expect(r.exit).toBe(0);
    expect(r.output).toMatch(/^ARPING 10\.0\.0\.2 from 0\.0\.0\.0 veth0\nUnicast reply from 10\.0\.0\.2 \[[0-9A-F:]{17}\]  0\.\d{3}ms\n/);
  });

  it('destination 0.0.0.0: the device\'s own address as the source', () => {
    const r = last(['ip netns exec a arping -I veth0 -c 1 0.0.0.0']);
    expect(r.output.split('\n')[0]).toBe('ARPING 0.0.0.0 from 10.0.0.1 veth0');
  });

  it('a destination in inet_aton form, printed as a dotted quad', () => {
    const r = last(['ip netns exec a arping -I veth0 -c 1 10.2']);
    expect(r.output.split('\n')[0]).toBe('ARPING 10.0.0.2 from 10.0.0.1 veth0');
  });
});

describe('what arping reads off its packet socket', () => {
  /** A stage world with arping running on mock0 (10.0.0.1/24); frames are handed in while it runs. */
  function running(argv: string[]): { inject: (frame: Uint8Array, at?: number) => void; end: () => ToolOutput; sent: () => Uint8Array[] } {
    const s = stageWorld({ mock0: '10.0.0.1/24' });
    const r = arping.run({ world: s.w, ns: s.ns }, argv);
    let result: ToolOutput | undefined;
    if (!('async' in r)) throw new Error(`arping ended at once: ${r.stderr}`);
    r.async((o) => (result = o));
    return {
      inject(frame, at = 100_000) {
        s.w.loop.runUntil(s.w.loop.now + at);
        netif_receive_skb(s.w, alloc_skb(s.w, s.ns, s.dev('mock0'), frame));
      },
      end() {
        while (result === undefined && s.w.loop.step());
        if (!result) throw new Error('never ended');
        return result;
      },
      sent: () => s.sent('mock0'),
    };
  }
  const ME = '02:00:00:00:00:01';
  const HIM = '02:00:00:00:00:99';
  const arp = (op: number, sha: string, sip: string, tha: string, tip: string, dst = ME) =>
    eth_header(dst, sha, ETHERTYPE_ARP, emitArp({ operation: op, senderMac: sha, senderIp: A(sip), targetMac: tha, targetIp: A(tip) }));

  it('sends a broadcast request with the broadcast MAC as its target, then unicasts to the replier', () => {
    const t = running(['arping', '-c', '2', '-I', 'mock0', '10.0.0.2']);
    t.inject(arp(ARP_OP_REPLY, HIM, '10.0.0.2', ME, '10.0.0.1'));
    const out = t.end();
    const [first, second] = t.sent().map(decode);
    expect(first?.eth.dst).toBe(BROADCAST_MAC);
    expect(first?.arp).toEqual({ operation: ARP_OP_REQUEST, senderMac: ME, senderIp: A('10.0.0.1'), targetMac: BROADCAST_MAC, targetIp: A('10.0.0.2') });
    expect(second?.eth.dst).toBe(HIM);
    expect(second?.arp?.targetMac).toBe(HIM);
    // 100 µs after the probe, printed half a millisecond high as arping does.
    expect(out.stdout).toBe('ARPING 10.0.0.2 from 10.0.0.1 mock0\nUnicast reply from 10.0.0.2 [02:00:00:00:00:99]  0.600ms\nSent 2 probes (1 broadcast(s))\nReceived 1 response(s)\n');
    expect(out.exit).toBe(1);
  });

  it('prints "Broadcast", counts broadcasts and requests, and says who a DAD answer was for', () => {
    const t = running(['arping', '-D', '-c', '1', '-I', 'mock0', '10.0.0.2']);
    // Another host announcing the tested address: a gratuitous broadcast request.
    t.inject(arp(ARP_OP_REQUEST, HIM, '10.0.0.2', '00:00:00:00:00:00', '10.0.0.2', BROADCAST_MAC), 1_500_000);
    const out = t.end();
    expect(out.stdout).toBe(
      'ARPING 10.0.0.2 from 0.0.0.0 mock0\nBroadcast request from 10.0.0.2 [02:00:00:00:00:99] for 10.0.0.2 [00:00:00:00:00:00] 2.000ms\nSent 1 probes (1 broadcast(s))\nReceived 1 response(s) (1 request(s), 1 broadcast(s))\n',
    );
    expect(out.exit).toBe(1);
  });

  it('ignores what is not an answer to it: other senders, other targets, frames for another host', () => {
    const t = running(['arping', '-c', '1', '-I', 'mock0', '10.0.0.2']);
    t.inject(arp(ARP_OP_REPLY, HIM, '10.0.0.3', ME, '10.0.0.1'));
    t.inject(arp(ARP_OP_REPLY, HIM, '10.0.0.2', ME, '10.0.0.7'));
    t.inject(arp(ARP_OP_REPLY, HIM, '10.0.0.2', HIM, '10.0.0.1'));
    t.inject(arp(ARP_OP_REPLY, HIM, '10.0.0.2', ME, '10.0.0.1', '02:00:00:00:00:42'));
    t.inject(arp(3, HIM, '10.0.0.2', ME, '10.0.0.1'));
    expect(t.end()).toEqual({ stdout: 'ARPING 10.0.0.2 from 10.0.0.1 mock0\nSent 1 probes (1 broadcast(s))\nReceived 0 response(s)\n', stderr: '', exit: 1 });
  });

  it('a -w deadline on an interval tick: the tick\'s probe goes out first', () => {
    const t = running(['arping', '-w', '2', '-I', 'mock0', '10.0.0.9']);
    t.end();
    expect(t.sent()).toHaveLength(3);
  });

  it('lets go of the device when it ends: a late answer reaches nobody', () => {
    const t = running(['arping', '-c', '1', '-I', 'mock0', '10.0.0.2']);
    const out = t.end();
    t.inject(arp(ARP_OP_REPLY, HIM, '10.0.0.2', ME, '10.0.0.1'), 0);
    expect(out.stdout).toContain('Received 0 response(s)');
  });
});

describe('canonical comparison', () => {
  it('renames arping\'s times, and its capital MACs as the same MACs', () => {
    const [b] = canonicalBlocks([{ key: 'output', text: 'Unicast reply from 10.0.0.2 [DA:69:59:55:65:2E]  0.558ms\nBroadcast request from 10.0.0.2 [DA:69:59:55:65:2E] for [00:00:00:00:00:00] 12.345ms\nda:69:59:55:65:2e\n' }]);
    expect(b?.text).toBe('Unicast reply from 10.0.0.2 [<mac1>]  <t>ms\nBroadcast request from 10.0.0.2 [<mac1>] for [00:00:00:00:00:00] <t>ms\n<mac1>');
  });
});

describe('the packets of an arping run', () => {
  it('each ends once — the frames arping sends, the replies, and every packet socket\'s share', () => {
    const all = [...PAIR, 'ip netns exec b tcpdump -nnt -i veth1 &', 'ip netns exec a arping -I veth0 -c 3 10.0.0.2', 'ip netns exec b arping -D -I veth1 -c 1 10.0.0.1'];
    const run = runSim(parseScenario(`name: t\ntitle: t\nscript: |\n${all.map((l) => `  ${l}\n`).join('')}`, 't.yaml'), { explain: true });
    const events = run.world.trace.events;
    const shares = events.filter((e) => e.stage === 'packet_rcv');
    expect(shares.length).toBe(4);
    for (const j of journeys(events)) {
      for (const p of j.packets) expect(j.events.filter((e) => e.pkt === p.id && (e.kind === 'consume' || e.kind === 'drop')), `packet ${p.id}`).toHaveLength(1);
    }
  });
});

describe('virtual time', () => {
  it('probes go out a second apart from the start', () => {
    const run = sim(['ip netns exec b tcpdump -nnt -i veth1 &', 'ip netns exec a arping -I veth0 -c 3 10.0.0.9']);
    const line = run.lines.at(-1);
    const times = run.captures[0]?.frames.map((f) => f.t - (line?.start ?? 0));
    expect(times?.map((t) => Math.round(t / NS_PER_SEC))).toEqual([0, 1, 2]);
  });
});
