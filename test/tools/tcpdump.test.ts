// The tcpdump tool: which options a scenario may give it, what a capture keeps (-c, -Q, the
// filter by direction) and prints (-v, -x, -q, -#), and tcpdump's own refusals as run-time output.
import { describe, expect, it } from 'vitest';
import { CaptureTap } from '../../src/sim/world.js';
import { capturedFrames, captureText, startCapture, tcpdumpCheck, tcpdumpSpec } from '../../src/tools/tcpdump.js';
import { pushVlanTag } from '../../src/wire/vlan.js';
import { ARP_REPLY_FRAME, ARP_REQUEST_FRAME, ECHO_REQUEST_FRAME } from '../wire/helpers.js';
import { world } from '../sim/helpers.js';
import { parseScenario } from '../../src/scenario/load.js';
import { runSim } from '../../src/runner/simulate.js';

function tap(frames: Array<[Uint8Array, 'in' | 'out']>): CaptureTap {
  return new CaptureTap(1, frames.map(([data, dir], i) => ({ t: i, data, dir, pkt: i + 1, seq: i })));
}

const words = (line: string): string[] => line.split(' ');

describe('tcpdumpCheck', () => {
  it.each([
    ['-nnt -i veth0', undefined],
    ['-nntvv -e -i veth0 icmp', undefined],
    ['-i veth0 -c 3 -nnt arp', undefined],
    ['-nnt -XX -q -i veth0', undefined],
    ['-nnt -# -Q in -i veth0 --immediate-mode', undefined],
    ['-nnt -s 0 -i veth0', undefined],
    ['-nnte -i any icmp', undefined],
  ])('accepts %s', (line, want) => expect(tcpdumpCheck(words(line), true)).toBe(want));

  it.each([
    ['-nnt -i veth0', false, /foreground/],
    ['-nn -i veth0', true, /add -t/],
    ['-nntt -i veth0', true, /single -t/],
    ['-t -i veth0', true, /add -n/],
    ['-nnt', true, /give -i/],
    ['-nnt -XX -i any', true, /hex dump of the cooked header/],
    ['-i any -w any.pcap', true, /pcap of Linux cooked frames/],
    ['-nnt -i any ether host 02:00:00:00:00:01', true, /filter word 'ether'/],
    ['-nnt -A -i veth0', true, /-A is not simulated/],
    ['-nnt -s 64 -i veth0', true, /cut short/],
    ['-nnt -x -X -i veth0', true, /both -x and -X/],
    ['-nnt -i veth0 port 53', true, /'port' is not simulated/],
    ['-nnt -i veth0 arp and ip', true, /no packet/],
    ['-nnt -i', true, /requires an argument/],
  ])('refuses %s (background %s)', (line, bg, why) => expect(tcpdumpCheck(words(line), bg)).toMatch(why));

  it("leaves tcpdump's own refusals to the run, in tcpdump's words", () => {
    expect(tcpdumpCheck(words('-nnt -i veth0 -c 0'), true)).toBeUndefined();
    expect(tcpdumpSpec(words('-nnt -i veth0 -c 0')).startError).toBe('tcpdump: invalid packet count 0\n');
    expect(tcpdumpSpec(words('-nnt -i veth0 -Q sideways')).startError).toBe("tcpdump: unknown capture direction `sideways'\n");
    expect(tcpdumpSpec(words('-nnt -i veth0 -s x')).startError).toBe('tcpdump: invalid snaplen x (must be >= 0 and <= 262144)\n');
    expect(tcpdumpSpec(words('-nnt -i veth0 host 10.1.1.300')).startError).toBe("tcpdump: invalid IPv4 address '10.1.1.300'\n");
  });

  it('opens the device before it reads its arguments: a missing device is what it says first', () => {
    const { w, host } = world();
    const spec = tcpdumpSpec(words('-nnt -i veth0 -c 0'));
    expect(startCapture(w, host, spec)).toEqual({ error: 'tcpdump: veth0: No such device exists\n(No such device exists)\n' });
    expect(startCapture(w, host, { ...spec, iface: 'lo' })).toEqual({ error: 'tcpdump: invalid packet count 0\n' });
  });
});

describe('what a capture keeps and prints', () => {
  const frames = tap([
    [ARP_REQUEST_FRAME, 'out'],
    [ARP_REPLY_FRAME, 'in'],
    [ECHO_REQUEST_FRAME, 'out'],
  ]);

  it('-c N: the first N packets the filter passes, then it ends', () => {
    expect(capturedFrames(frames, tcpdumpSpec(words('-nnt -c 2 -i veth0')))).toHaveLength(2);
    expect(captureText(frames, tcpdumpSpec(words('-nnt -c 1 -i veth0 icmp')))).toBe('IP 10.1.1.2 > 10.1.1.3: ICMP echo request, id 20, seq 1, length 64\n');
  });

  it('-Q: one direction', () => {
    expect(captureText(frames, tcpdumpSpec(words('-nnt -Q in -i veth0')))).toBe('ARP, Reply 10.1.1.3 is-at 52:54:00:00:01:03, length 28\n');
  });

  it('-#, -v and -x', () => {
    expect(captureText(frames, tcpdumpSpec(words('-nnt -# -i veth0 arp')))).toBe(
      '    1  ARP, Request who-has 10.1.1.3 tell 10.1.1.2, length 28\n    2  ARP, Reply 10.1.1.3 is-at 52:54:00:00:01:03, length 28\n',
    );
    expect(captureText(frames, tcpdumpSpec(words('-nntv -c 1 -i veth0')))).toBe('ARP, Ethernet (len 6), IPv4 (len 4), Request who-has 10.1.1.3 tell 10.1.1.2, length 28\n');
    expect(captureText(frames, tcpdumpSpec(words('-nntx -c 1 -i veth0')))).toBe(
      'ARP, Request who-has 10.1.1.3 tell 10.1.1.2, length 28\n\t0x0000:  0001 0800 0604 0001 5254 0000 0102 0a01\n\t0x0010:  0102 0000 0000 0000 0a01 0103\n',
    );
  });

  it('filters a received tagged frame untagged, a sent one with its tag, and prints both tagged', () => {
    const tagged = pushVlanTag(ARP_REQUEST_FRAME, { pcp: 0, dei: false, vid: 10 });
    const t = tap([
      [tagged, 'in'],
      [tagged, 'out'],
    ]);
    expect(capturedFrames(t, tcpdumpSpec(words('-nnt -i veth0 arp'))).map((f) => f.dir)).toEqual(['in']);
    expect(captureText(t, tcpdumpSpec(words('-nnte -i veth0 vlan and arp')))).toMatch(/^(.*vlan 10, p 0, ethertype ARP.*\n){2}$/);
  });
});

describe('tcpdump -w FILE', () => {
  it.each([
    [['-i', 'veth0', '-w', 'veth0.pcap'], undefined],
    [['-nnt', '-i', 'veth0', '-w', '/tmp/veth0.pcap', 'icmp'], undefined],
    [['-i', 'veth0', '-w', '/etc/veth0.pcap'], "tcpdump -w /etc/veth0.pcap: a capture writes only into the run's own directory: give a file name, or /tmp/NAME"],
    [['-i', 'veth0', '-w', 'sub/veth0.pcap'], "tcpdump -w sub/veth0.pcap: a capture writes only into the run's own directory: give a file name, or /tmp/NAME"],
    [['-i', 'veth0', '-w', '/tmp/'], "tcpdump -w /tmp/: a capture writes only into the run's own directory: give a file name, or /tmp/NAME"],
    [['-i', 'veth0', '-w', '-'], 'tcpdump -w - (the pcap on standard output) is not simulated'],
    [['-nnt', '-i', 'veth0', '-B4096'], 'tcpdump -B is not simulated'],
  ])('%j → %s', (args, why) => expect(tcpdumpCheck(args, true)).toBe(why));

  it('prints nothing for the written capture, yet keeps its frames for --pcap', () => {
    const s = parseScenario(
      'name: w\ntitle: w\nscript: |\n  ip l a veth0 type veth peer name veth1\n  ip l s veth0 up\n  ip l s veth1 up\n  ip a a 10.1.1.2/24 dev veth0\n  tcpdump -i veth0 -w veth0.pcap &\n  tcpdump -nnt -i veth1 &\n  ping -c 1 -W 1 10.1.1.9\n',
      'w.yaml',
    );
    const run = runSim(s);
    expect(run.report.captures).toEqual([
      { point: 'veth0', text: '' },
      { point: 'veth1', text: expect.stringContaining('ARP, Request who-has 10.1.1.9 tell 10.1.1.2, length 28') },
    ]);
    expect(run.captures.map((c) => c.frames.length)).toEqual([3, 3]);
  });
});
