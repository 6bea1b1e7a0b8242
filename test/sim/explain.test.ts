/** `--explain` for the article's failing experiment says why, in one line. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';
import { runSim } from '../../src/runner/simulate.js';
import { formatTraceEvent } from '../../src/sim/trace.js';

describe('explain', () => {
  it('veth1 dropped the ARP request because its source 10.1.1.2 is a local address and accept_local is 0', () => {
    const run = runSim(loadScenario(join(import.meta.dirname, '../../scenarios/veth-same-ns-default.yaml')), { explain: true });
    const lines = run.world.trace.events.map(formatTraceEvent);
    const why = lines.filter((l) => l.includes('DROP IP_LOCAL_SOURCE'));
    expect(why).toHaveLength(3);
    expect(why[0]).toMatch(/ veth1 +arp_process +DROP IP_LOCAL_SOURCE: veth1 dropped the ARP request \(who-has 10\.1\.1\.3 tell 10\.1\.1\.2\) because its source 10\.1\.1\.2 is a local address and accept_local is 0/);
    // The path of a frame is there too: sent on veth0, received on veth1.
    expect(lines.some((l) => / veth0 +dev_queue_xmit /.test(l))).toBe(true);
    expect(lines.some((l) => / veth1 +netif_receive_skb /.test(l))).toBe(true);
  });
});
