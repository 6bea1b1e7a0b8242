/**
 * A topology as the shell lines a person would type, and as a scenario file: a generated case, and
 * every counterexample shrunk from one, is runnable as is (`vethsim run`, `kernel`, `record`).
 */
import { stringify } from 'yaml';
import { parseScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/scenario.js';
import { hostIfaces, pointOf, type Conf, type Iface, type NsName, type PingSpec, type RuleSpec, type Topology } from './model.js';

/**
 * A new Linux bridge sends IGMP reports at random moments in its first second; with one in the
 * topology, captures start once the set-up has settled, so both sides see the same.
 */
export const SETTLE_SECONDS = 3;

/**
 * ping's -W. An unanswered ARP resolution fails 3 s after it starts (3 probes, 1 s apart) and only then
 * reports "Destination Host Unreachable" to the pings waiting on it. With -W 1 a ping could end at that
 * same moment, or the next ping could start while the last one's resolution is still failing: who wins
 * is a race on the real machine (seed 4 of the fuzzer found it). Waiting 4 s, every ping outlives its
 * own resolution, and the next starts after it has settled.
 */
export const PING_WAIT_SECONDS = 4;

/** Before the arpings: the last ping's DELAY probe (5 s, plus up to 0.5 s of timer slot) and its two retries. */
export const ARPING_QUIET_SECONDS = 9;

function inNs(ns: NsName, cmd: string): string {
  return ns === '' ? cmd : `ip netns exec ${ns} ${cmd}`;
}

function pingLine(p: PingSpec): string {
  return inNs(p.ns, `ping -c ${p.count} -W ${PING_WAIT_SECONDS}${p.dev ? ` -I ${p.dev}` : ''}${p.mark ? ` -m ${p.mark}` : ''}${p.tos ? ` -Q ${hex2(p.tos)}` : ''} ${p.dst}`);
}

function confLines(ns: NsName, dev: string, conf: Conf): string[] {
  return Object.entries(conf)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => inNs(ns, `sysctl -qw net.ipv4.conf.${dev}.${k}=${v as number}`));
}

function hostLines(i: Iface): string[] {
  return [
    ...(i.ns === '' ? [] : [`ip link set ${i.name} netns ${i.ns}`]),
    ...confLines(i.ns, i.name, i.conf),
    // The generated proxy answers at once: with the default proxy_delay its answer would wait a random
    // 0-0.8 s, on the kernel another draw than here, and meet other timers in a different order.
    ...(i.conf.proxy_arp ? [inNs(i.ns, `sysctl -qw net.ipv4.neigh.${i.name}.proxy_delay=0`)] : []),
    ...i.addrs.map((a) => inNs(i.ns, `ip addr add ${a} dev ${i.name}`)),
    ...(i.up ? [inNs(i.ns, `ip link set ${i.name} up`)] : []),
  ];
}

function hex2(v: number): string {
  return `0x${v.toString(16).padStart(2, '0')}`;
}

function ruleWords(r: RuleSpec): string {
  const sel = r.selector;
  const what =
    sel.kind === 'fwmark'
      ? `fwmark 0x${sel.mark.toString(16)}${sel.mask !== undefined ? `/0x${sel.mask.toString(16)}` : ''}`
      : sel.kind === 'tos'
        ? `tos ${hex2(sel.tos)}`
        : sel.kind === 'iif'
          ? `iif ${sel.dev}`
          : sel.kind === 'ipproto'
            ? `ipproto ${sel.proto}`
            : `uidrange ${sel.start}-${sel.end}`;
  return `${r.not ? 'not ' : ''}${what} lookup ${r.table}${r.pref !== undefined ? ` pref ${r.pref}` : ''}`;
}

export function topologyScript(t: Topology): string[] {
  const lines: string[] = [];
  for (const n of t.namespaces) if (n.name !== '') lines.push(`ip netns add ${n.name}`);
  for (const n of t.namespaces) {
    if (n.loUp) lines.push(inNs(n.name, 'ip link set lo up'));
    lines.push(...confLines(n.name, 'all', n.all));
    if (n.forwarding) lines.push(inNs(n.name, 'sysctl -qw net.ipv4.ip_forward=1'));
  }
  for (const s of t.segments) {
    if (s.kind === 'veth') {
      lines.push(`ip link add ${s.a.name} type veth peer name ${s.b.name}`, ...hostLines(s.a), ...hostLines(s.b));
      continue;
    }
    if (s.kind === 'macvlan') {
      // The macvlans are made while their parent is still here (`link` is looked up where the command
      // runs), then each goes to its namespace; the parent moves after them (they stay where they are).
      lines.push(`ip link add ${s.parent.name} type veth peer name ${s.far.name}`);
      for (const l of s.legs) lines.push(`ip link add ${l.host.name} link ${s.parent.name} type macvlan mode ${l.mode}`);
      for (const l of s.legs) lines.push(...hostLines(l.host));
      lines.push(...hostLines(s.parent), ...hostLines(s.far));
      continue;
    }
    if (s.kind === 'bridge') lines.push(`ip link add ${s.name} type bridge`);
    else if (s.pipeline === 'secure') lines.push(`ovs-vsctl add-br ${s.name} -- set bridge ${s.name} fail_mode=secure`, `ovs-ofctl add-flow ${s.name} actions=NORMAL`);
    else {
      lines.push(`ovs-vsctl add-br ${s.name}`);
      if (s.pipeline === 'tables') lines.push(`ovs-ofctl del-flows ${s.name}`, `ovs-ofctl add-flow ${s.name} 'priority=10,actions=resubmit(,1)'`, `ovs-ofctl add-flow ${s.name} table=1,actions=NORMAL`);
    }
    lines.push(...s.addrs.map((a) => `ip addr add ${a} dev ${s.name}`));
    if (s.up) lines.push(`ip link set ${s.name} up`);
    for (const l of s.legs) {
      lines.push(`ip link add ${l.host.name} type veth peer name ${l.port}`);
      lines.push(s.kind === 'bridge' ? `ip link set ${l.port} master ${s.name}` : `ovs-vsctl add-port ${s.name} ${l.port}`);
      if (l.flags && l.flags.length > 0) lines.push(`bridge link set dev ${l.port} ${l.flags.join(' ')}`);
      if (l.portUp) lines.push(`ip link set ${l.port} up`);
      lines.push(...hostLines(l.host));
    }
  }
  for (const r of t.routes) lines.push(inNs(r.ns, `ip route add ${r.reject ? `${r.reject} ${r.prefix}` : `${r.prefix} via ${r.via}`}${r.table ? ` table ${r.table}` : ''}`));
  for (const r of t.rules ?? []) lines.push(inNs(r.ns, `ip rule add ${ruleWords(r)}`));
  for (const ns of new Set((t.rules ?? []).map((r) => r.ns))) lines.push(inNs(ns, 'ip rule show'));
  for (const d of t.addrDels ?? []) {
    if (d.promote) lines.push(inNs(d.ns, `sysctl -qw net.ipv4.conf.${d.dev}.promote_secondaries=1`));
    lines.push(inNs(d.ns, `ip addr del ${d.cidr} dev ${d.dev}`));
  }
  if (t.segments.some((s) => s.kind === 'bridge')) lines.push(`sleep ${SETTLE_SECONDS}`);
  const byPoint = new Map<string, { ns: NsName; name: string }>(hostIfaces(t).map((i) => [pointOf(i.ns, i.name), i]));
  for (const s of t.segments) {
    if (s.kind === 'veth' || s.kind === 'macvlan') continue;
    byPoint.set(s.name, { ns: '', name: s.name });
    for (const l of s.legs) byPoint.set(l.port, { ns: '', name: l.port });
  }
  for (const c of t.captures) {
    const i = byPoint.get(c);
    if (i) lines.push(inNs(i.ns, `tcpdump -nnt -i ${i.name} &`));
  }
  for (const g of t.routeGets) lines.push(inNs(g.ns, `ip route get ${g.dst}${g.input ? ` from ${g.input.from} iif ${g.input.iif}` : ''}${g.mark ? ` mark ${g.mark}` : ''}${g.tos ? ` tos ${hex2(g.tos)}` : ''}`));
  t.pings.forEach((p, i) => {
    // A second between pings: each neighbour entry a ping leaves in DELAY probes 5 s later, and two
    // such timers only milliseconds apart can share a timer-wheel slot on the kernel, where the newer
    // fires first — an order no model of virtual time can promise (the fuzzer found it, seed 20261128).
    if (i > 0) lines.push('sleep 1');
    lines.push(pingLine(p));
  });
  for (const s of t.segments) if (s.kind === 'ovs' && s.pipeline) lines.push(`ovs-appctl ofproto/trace ${s.name} in_port=1,dl_dst=ff:ff:ff:ff:ff:ff`);
  for (const l of t.looks ?? []) lines.push(inNs(l.ns, l.form));
  (t.linkEvents ?? []).forEach((e, i) => {
    // The pings' DELAY probes are done first (as before the arpings): the change then meets settled entries.
    lines.push(`sleep ${i === 0 && t.pings.length > 0 ? ARPING_QUIET_SECONDS : 1}`);
    if (e.notify) lines.push(inNs(e.ns, `sysctl -qw net.ipv4.conf.${e.dev}.arp_notify=1`));
    if (e.kind === 'address') lines.push(inNs(e.ns, `ip link set dev ${e.dev} address ${e.mac}`));
    // Carrier loss reaches the neighbour table through linkwatch, which may hold a non-urgent event
    // (a bridge's) up to a second: two seconds down, so the eviction is done before the link returns.
    else lines.push(inNs(e.ns, `ip link set ${e.dev} down`), 'sleep 2', inNs(e.ns, `ip link set ${e.dev} up`), 'sleep 1');
    if (e.afterPing) lines.push(pingLine(e.afterPing));
  });
  (t.arpings ?? []).forEach((a, i) => {
    // The pings' neighbour entries are done first: each left in DELAY probes 5 s after the ping, late by
    // up to a timer-wheel slot (a quarter to half a second), then twice more a second apart. An arping
    // inside that window races the probes on the real machine (the fuzzer met it, seed 20261128 run 123).
    const quiet = i === 0 && (t.pings.length > 0 || (t.linkEvents ?? []).some((e) => e.afterPing)) ? ARPING_QUIET_SECONDS : 1;
    lines.push(`sleep ${quiet}`, inNs(a.ns, `arping -c ${a.count} -I ${a.dev} ${a.dst}`));
  });
  return lines;
}

export interface ScenarioText {
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
}

/** The scenario file's text: name, title, description and script (no expect block). */
export function topologyYaml(t: Topology, meta: ScenarioText): string {
  return stringify(
    {
      name: meta.name,
      title: meta.title ?? 'a generated topology',
      ...(meta.description ? { description: meta.description } : {}),
      script: `${topologyScript(t).join('\n')}\n`,
    },
    { lineWidth: 0, blockQuote: 'literal' },
  );
}

/** The topology as a loaded scenario, as if read from `file`. */
export function topologyScenario(t: Topology, meta: ScenarioText, file = `${meta.name}.yaml`): Scenario {
  return parseScenario(topologyYaml(t, meta), file);
}
