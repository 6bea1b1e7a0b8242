/** arp_process's decisions: arp_ignore, arp_filter, and the source address arp_solicit announces. */
import { describe, expect, it } from 'vitest';
import { devinet_conf_set } from '../../src/stack/devinet.js';
import { addr, capture, dev, move, runPing, up, veth, world } from '../sim/helpers.js';

/** ns1 -- veth0/veth1 -- ns2, where ns2 also owns 10.2.2.3 on a second pair. */
function setup() {
  const { w, host } = world();
  const ns1 = w.createNamespace('ns1', true);
  const ns2 = w.createNamespace('ns2', true);
  veth(w, host, 'veth0', 'veth1');
  veth(w, host, 'veth2', 'veth3');
  move(w, host, 'veth0', ns1);
  move(w, host, 'veth1', ns2);
  move(w, host, 'veth3', ns2);
  addr(ns1, 'veth0', '10.1.1.2/24');
  addr(ns2, 'veth1', '10.1.1.3/24');
  addr(ns2, 'veth3', '10.2.2.3/24');
  up(w, ns1, 'veth0');
  up(w, ns2, 'veth1');
  up(w, ns2, 'veth3');
  return { w, ns1, ns2 };
}

describe('arp_ignore', () => {
  it('0: answers for any local address, whichever device it is on', () => {
    const { w, ns1 } = setup();
    const c = capture(w, ns1, 'veth0', ['arp']);
    expect(runPing(w, ns1, ['-c', '1', '-I', 'veth0', '10.2.2.3']).exit).toBe(0);
    expect(c()).toMatch(/ARP, Reply 10.2.2.3 is-at /);
  });

  it('1: answers only for addresses on the receiving device', () => {
    const { w, ns1, ns2 } = setup();
    devinet_conf_set(ns2, dev(ns2, 'veth1').ifindex, 'arp_ignore', 1);
    const c = capture(w, ns1, 'veth0', ['arp']);
    expect(runPing(w, ns1, ['-c', '1', '-W', '1', '-I', 'veth0', '10.2.2.3']).exit).toBe(1);
    expect(c()).toBe('ARP, Request who-has 10.2.2.3 tell 10.1.1.2, length 28\n'.repeat(3));
    expect(w.trace.drops.some((d) => d.drop === 'ARP_IGNORE' && d.what.includes('arp_ignore=1 and 10.2.2.3 is not configured on veth1'))).toBe(true);
  });
});

describe('arp_announce', () => {
  it('0 announces the waiting packet\'s source even from another subnet; 2 a primary address of the device', () => {
    const { w, ns1 } = setup();
    addr(ns1, 'lo', '10.9.9.2/32');
    const c = capture(w, ns1, 'veth0', ['arp']);
    runPing(w, ns1, ['-c', '1', '-W', '1', '-I', '10.9.9.2', '10.1.1.3']);
    expect(c().split('\n')[0]).toBe('ARP, Request who-has 10.1.1.3 tell 10.9.9.2, length 28');

    const second = setup();
    addr(second.ns1, 'lo', '10.9.9.2/32');
    devinet_conf_set(second.ns1, dev(second.ns1, 'veth0').ifindex, 'arp_announce', 2);
    const c2 = capture(second.w, second.ns1, 'veth0', ['arp']);
    runPing(second.w, second.ns1, ['-c', '1', '-W', '1', '-I', '10.9.9.2', '10.1.1.3']);
    expect(c2().split('\n')[0]).toBe('ARP, Request who-has 10.1.1.3 tell 10.1.1.2, length 28');
  });
});
