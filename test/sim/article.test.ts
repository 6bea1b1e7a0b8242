/**
 * The article's veth experiments through the stack itself (no scenario parsing): who answers ARP,
 * which way the echo reply takes, and why a request is dropped.
 */
import { describe, expect, it } from 'vitest';
import { devinet_conf_set } from '../../src/stack/devinet.js';
import { capture, dev, runPing, vethPairInOneNamespace } from './helpers.js';

const pair = vethPairInOneNamespace;

describe('veth pair in one namespace', () => {
  it('the peer is registered first: veth1 gets ifindex 2, veth0 ifindex 3', () => {
    const { host } = pair();
    expect(dev(host, 'veth1').ifindex).toBe(2);
    expect(dev(host, 'veth0').ifindex).toBe(3);
  });

  it('default sysctls: veth1 drops the ARP request because its source is local and accept_local is 0', () => {
    const { w, host } = pair();
    const c0 = capture(w, host, 'veth0');
    const c1 = capture(w, host, 'veth1');
    const lo = capture(w, host, 'lo');
    const r = runPing(w, host, ['-I', 'veth0', '10.1.1.3', '-c', '2']);
    const who = 'ARP, Request who-has 10.1.1.3 tell 10.1.1.2, length 28\n';
    expect(c0()).toBe(who.repeat(3));
    expect(c1()).toBe(who.repeat(3));
    expect(lo()).toBe('IP 10.1.1.2 > 10.1.1.2: ICMP host 10.1.1.3 unreachable, length 92\n'.repeat(2));
    expect(r.exit).toBe(1);
    expect(r.stdout).toMatch(/2 packets transmitted, 0 received, 100% packet loss, time 1000ms\npipe 2\n$/);
    const drops = w.trace.drops.filter((d) => d.stage === 'arp_process');
    expect(drops).toHaveLength(3);
    expect(drops[0]?.what).toContain('veth1 dropped the ARP request (who-has 10.1.1.3 tell 10.1.1.2) because its source 10.1.1.2 is a local address and accept_local is 0');
    expect(drops[0]?.drop).toBe('IP_LOCAL_SOURCE');
  });

  it('accept_local=1: ARP is answered and the echo reply comes back through lo', () => {
    const { w, host } = pair();
    devinet_conf_set(host, dev(host, 'veth0').ifindex, 'accept_local', 1);
    devinet_conf_set(host, dev(host, 'veth1').ifindex, 'accept_local', 1);
    const c0 = capture(w, host, 'veth0');
    const lo = capture(w, host, 'lo');
    const r = runPing(w, host, ['-I', 'veth0', '10.1.1.3', '-c', '2']);
    expect(r.exit).toBe(0);
    expect(c0()).toMatch(/^ARP, Request who-has 10.1.1.3 tell 10.1.1.2, length 28\nARP, Reply 10.1.1.3 is-at [0-9a-f:]{17}, length 28\nIP 10.1.1.2 > 10.1.1.3: ICMP echo request, id \d+, seq 1, length 64\nIP 10.1.1.2 > 10.1.1.3: ICMP echo request, id \d+, seq 2, length 64\n$/);
    expect(lo()).toMatch(/^IP 10.1.1.3 > 10.1.1.2: ICMP echo reply, id \d+, seq 1, length 64\nIP 10.1.1.3 > 10.1.1.2: ICMP echo reply, id \d+, seq 2, length 64\n$/);
    expect(r.stdout).toContain('2 packets transmitted, 2 received, 0% packet loss');
  });
});
