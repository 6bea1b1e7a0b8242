/**
 * A loop of bridges without STP floods forever on a real kernel (so this is never recorded there);
 * the simulator must stop it — bounded work, no hang — and name the devices the frames go round.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import { runSim, SimulationError } from '../../src/runner/simulate.js';

const LOOP = `name: bridge-loop
title: two bridges joined twice
script: |
  ip link add br0 type bridge
  ip link add br1 type bridge
  ip link set br0 up
  ip link set br1 up
  ip link add a0 type veth peer name a1
  ip link add b0 type veth peer name b1
  ip link set a0 master br0
  ip link set b0 master br0
  ip link set a1 master br1
  ip link set b1 master br1
  ip link set a0 up
  ip link set a1 up
  ip link set b0 up
  ip link set b1 up
  ip netns add ns1
  ip link add v0 type veth peer name v1
  ip link set v1 netns ns1
  ip link set v0 master br0
  ip link set v0 up
  ip netns exec ns1 ip addr add 10.1.1.2/24 dev v1
  ip netns exec ns1 ip link set v1 up
  ip netns exec ns1 ping -c 1 10.1.1.9
`;

/** Two namespaces that ping each other `n` times, one line each: every exchange ends in quiet. */
function manyQuietPings(n: number): string {
  const lines = ['ip netns add a', 'ip netns add b', 'ip link add va type veth peer name vb', 'ip link set va netns a', 'ip link set vb netns b'];
  lines.push('ip netns exec a ip addr add 10.1.1.1/24 dev va', 'ip netns exec b ip addr add 10.1.1.2/24 dev vb', 'ip netns exec a ip link set va up', 'ip netns exec b ip link set vb up');
  for (let i = 0; i < n; i++) lines.push('ip netns exec a ping -c 1 10.1.1.2');
  return `name: quiet\ntitle: many quiet pings\nscript: |\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
}

describe('storm guard', () => {
  it('counts from the start of each line: many short exchanges are no storm, whatever they run in all', () => {
    const s = parseScenario(manyQuietPings(40), 'quiet.yaml');
    const run = runSim(s, { maxEvents: 20 });
    expect(run.world.loop.executed).toBeGreaterThan(60);
    expect([...run.exits.values()].every((x) => x === 0)).toBe(true);
  });

  it('stops a broadcast going round a loop of bridges and names the loop', () => {
    let err: unknown;
    try {
      runSim(parseScenario(LOOP, 'loop.yaml'), { maxEvents: 200_000 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SimulationError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^loop\.yaml:\d+: storm guard: /);
    for (const d of ['a0', 'a1', 'b0', 'b1']) expect(msg).toContain(d);
    // What hangs off the loop (v0, ns1/v1) gets its share of every flood as well.
    expect(msg).toContain('ns1/v1');
  });
});
