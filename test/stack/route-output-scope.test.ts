/**
 * ip_route_output with flowi4_scope = RT_SCOPE_LINK (a socket with SO_DONTROUTE, as arping's probe
 * socket is): routes through a gateway do not match, so a bound device falls back to "the destination
 * is on link" with the device's own first address — measured with arping on the kernel
 * (scenarios/arping-device-from-route.yaml). And a flow to 0.0.0.0 bound to a device takes that
 * device's address as its source.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import { runSim } from '../../src/runner/simulate.js';
import { ip_route_output } from '../../src/stack/route.js';
import { SCOPE_VALUE } from '../../src/stack/fib.js';
import { findByName } from '../../src/sim/world.js';
import { A } from './fixtures.js';

function world() {
  const lines = [
    'ip link add veth0 type veth peer name veth1',
    'ip addr add 10.0.0.1/24 dev veth0',
    'ip addr add 192.168.5.1/24 dev veth0',
    'ip link set veth0 up',
    'ip link set veth1 up',
    'ip route add 172.16.0.0/16 via 192.168.5.254 dev veth0 src 192.168.5.1',
  ];
  const run = runSim(parseScenario(`name: t\ntitle: t\nscript: |\n${lines.map((l) => `  ${l}\n`).join('')}`, 't.yaml'));
  const ns = run.world.namespaces.get('');
  const veth0 = ns && findByName(ns.state, 'veth0');
  if (!ns || !veth0) throw new Error('no veth0');
  return { st: ns.state, veth0: veth0.ifindex };
}

describe('ip_route_output with a flow scope', () => {
  it('without a scope the gateway route decides, with its src', () => {
    const { st, veth0 } = world();
    expect(ip_route_output(st, { daddr: A('172.16.0.9'), saddr: 0, oif: veth0 })).toMatchObject({ ok: true, saddr: A('192.168.5.1'), nexthop: A('192.168.5.254') });
  });

  it('RT_SCOPE_LINK skips it: on link, from the device\'s first address', () => {
    const { st, veth0 } = world();
    expect(ip_route_output(st, { daddr: A('172.16.0.9'), saddr: 0, oif: veth0, scope: SCOPE_VALUE.link })).toMatchObject({ ok: true, saddr: A('10.0.0.1'), nexthop: A('172.16.0.9'), type: 'unicast' });
  });

  it('RT_SCOPE_LINK still finds the prefix and local routes', () => {
    const { st, veth0 } = world();
    expect(ip_route_output(st, { daddr: A('192.168.5.7'), saddr: 0, oif: veth0, scope: SCOPE_VALUE.link })).toMatchObject({ ok: true, saddr: A('192.168.5.1'), type: 'unicast' });
    expect(ip_route_output(st, { daddr: A('10.0.0.1'), saddr: 0, oif: veth0, scope: SCOPE_VALUE.link })).toMatchObject({ ok: true, saddr: A('10.0.0.1'), type: 'local' });
    expect(ip_route_output(st, { daddr: A('10.0.0.255'), saddr: 0, oif: veth0, scope: SCOPE_VALUE.link })).toMatchObject({ ok: true, type: 'broadcast' });
  });

  it('to 0.0.0.0 out of a device: from its address, through lo', () => {
    const { st, veth0 } = world();
    expect(ip_route_output(st, { daddr: 0, saddr: 0, oif: veth0 })).toMatchObject({ ok: true, saddr: A('10.0.0.1'), type: 'local' });
    expect(ip_route_output(st, { daddr: 0, saddr: 0, oif: 0 })).toMatchObject({ ok: true, saddr: A('127.0.0.1'), type: 'local' });
  });
});
