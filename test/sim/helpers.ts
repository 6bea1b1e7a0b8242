/** A small world built through the netlink operations, for tests of the stack's decisions. */
import { findByName, type Namespace, type World } from '../../src/sim/world.js';
import { createWorld } from '../../src/init/index.js';
import { dev_change_flags, dev_change_net_namespace } from '../../src/core/dev.js';
import { inet_rtm_newaddr } from '../../src/stack/devinet.js';
import { veth_newlink } from '../../src/devices/veth.js';
import { parseIpv4Cidr } from '../../src/wire/ipv4.js';
import type { ToolOutput } from '../../src/tools/tool.js';
import { ping } from '../../src/tools/ping.js';
import { startCapture, captureText, tcpdumpSpec } from '../../src/tools/tcpdump.js';

export function world(): { w: World; host: Namespace } {
  const w = createWorld({ seed: 7, detailedTrace: true });
  const host = w.createNamespace('', true);
  return { w, host };
}

export function dev(ns: Namespace, name: string) {
  const d = findByName(ns.state, name);
  if (!d) throw new Error(`no device ${name}`);
  return d;
}

export function addr(ns: Namespace, name: string, cidr: string): void {
  const c = parseIpv4Cidr(cidr);
  if (!c) throw new Error(cidr);
  const r = inet_rtm_newaddr(ns, dev(ns, name).ifindex, { local: c.addr, prefixlen: c.prefixLen, broadcast: 'auto' });
  if (!r.ok) throw new Error(r.errno);
}

export function up(w: World, ns: Namespace, name: string): void {
  dev_change_flags(w, ns, dev(ns, name).ifindex, true);
}

export function veth(w: World, ns: Namespace, a: string, b: string): void {
  const r = veth_newlink(w, ns, a, b);
  if (!r.ok) throw new Error(r.errno);
}

export function move(w: World, from: Namespace, name: string, to: Namespace): void {
  const r = dev_change_net_namespace(w, from, dev(from, name).ifindex, to);
  if (!r.ok) throw new Error(r.errno);
}

export function capture(w: World, ns: Namespace, iface: string, filter: string[] = []) {
  const spec = tcpdumpSpec(['-nnt', '-i', iface, ...filter]);
  const started = startCapture(w, ns, spec);
  if ('error' in started) throw new Error(started.error);
  return () => captureText(started.tap, spec);
}

/** Runs ping to its end, then the world until it is quiet. */
export function runPing(w: World, ns: Namespace, args: string[]): ToolOutput {
  const r = ping.run({ world: w, ns }, ['ping', ...args]);
  let result: ToolOutput | undefined;
  if ('async' in r) {
    r.async((o) => (result = o));
    while (result === undefined && w.loop.step());
  } else result = r;
  while (w.loop.busy && w.loop.step());
  if (!result) throw new Error('ping never finished');
  return result;
}

/** The article's first topology: veth0 10.1.1.2/24 and veth1 10.1.1.3/24, both ends in the script's namespace, up. */
export function vethPairInOneNamespace(): { w: World; host: Namespace } {
  const { w, host } = world();
  veth(w, host, 'veth0', 'veth1');
  addr(host, 'veth0', '10.1.1.2/24');
  addr(host, 'veth1', '10.1.1.3/24');
  up(w, host, 'veth0');
  up(w, host, 'veth1');
  return { w, host };
}
