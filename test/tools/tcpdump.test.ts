/**
 * tcpdump's options as the simulator honours or refuses them. `-w FILE` is modelled: nothing printed
 * (scenarios/tcpdump-write-file.yaml has the kernel's run), the frames kept for --pcap; it writes only
 * where kernel mode lets a script write (its own directory, /tmp). Options that take a value and
 * change what tcpdump prints (-s, -c, ...) are refused rather than accepted and ignored.
 */
import { describe, expect, it } from 'vitest';
import { tcpdumpCheck } from '../../src/tools/tcpdump.js';
import { parseScenario } from '../../src/scenario/load.js';
import { runSim } from '../../src/runner/simulate.js';

describe('tcpdumpCheck', () => {
  it.each([
    [['-nnt', '-i', 'veth0'], undefined],
    [['-i', 'veth0', '-w', 'veth0.pcap'], undefined],
    [['-nnt', '-i', 'veth0', '-w', '/tmp/veth0.pcap', 'icmp'], undefined],
    [['-i', 'veth0', '-w', '/etc/veth0.pcap'], "tcpdump -w /etc/veth0.pcap: a capture writes only into the run's own directory: give a file name, or /tmp/NAME"],
    [['-i', 'veth0', '-w', 'sub/veth0.pcap'], "tcpdump -w sub/veth0.pcap: a capture writes only into the run's own directory: give a file name, or /tmp/NAME"],
    [['-i', 'veth0', '-w', '/tmp/'], "tcpdump -w /tmp/: a capture writes only into the run's own directory: give a file name, or /tmp/NAME"],
    [['-i', 'veth0', '-w', '-'], 'tcpdump -w - (the pcap on standard output) is not simulated'],
    [['-nnt', '-i', 'veth0', '-s', '64'], 'tcpdump -s is not simulated (supported: -n, -nn, -t, -e, -l, -i IF, -w FILE)'],
    [['-nnt', '-i', 'veth0', '-B4096'], 'tcpdump -B is not simulated (supported: -n, -nn, -t, -e, -l, -i IF, -w FILE)'],
    [['-nn', '-i', 'veth0'], 'tcpdump without -t prints wall-clock timestamps, which no two runs share: add -t'],
  ])('%j → %s', (args, why) => expect(tcpdumpCheck(args, true)).toBe(why));
});

describe('tcpdump -w in the simulator', () => {
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
