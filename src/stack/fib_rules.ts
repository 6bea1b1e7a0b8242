/**
 * Policy routing rules (net/core/fib_rules.c, net/ipv4/fib_rules.c): the list `ip rule` shows, which
 * decides which tables a lookup consults and in which order — 0: local (255), 32766: main (254),
 * 32767: default (253) in a new namespace.
 */
import { inSubnet } from '../wire/ipv4.js';
import { RT_TABLE_DEFAULT, RT_TABLE_LOCAL, RT_TABLE_MAIN, type NsState, type Rule } from '../sim/state.js';
import type { Namespace } from '../sim/world.js';
import { fail, OK, type Result } from '../core/errno.js';
import { fib_new_table, fib_table_exists } from './fib_tables.js';

/** A new namespace's rules: this very list, shared and frozen, until an `ip rule` change copies it (cow.ts). */
export const DEFAULT_RULES: readonly Rule[] = Object.freeze([
  Object.freeze({ priority: 0, table: RT_TABLE_LOCAL, action: 'lookup' } as const),
  Object.freeze({ priority: 32766, table: RT_TABLE_MAIN, action: 'lookup' } as const),
  Object.freeze({ priority: 32767, table: RT_TABLE_DEFAULT, action: 'lookup' } as const),
]);

/** What a lookup is asked: the flow's addresses and the devices it is bound to. */
export interface Flow {
  readonly daddr: number;
  readonly saddr: number;
  /** Output device the flow is bound to (SO_BINDTODEVICE, `ping -I dev`); 0 for none. */
  readonly oif: number;
  /** Input device for forwarded and received packets; 0 for locally generated ones. */
  readonly iif: number;
  /** flowi4_scope: only routes at least this narrow match (SO_DONTROUTE asks for RT_SCOPE_LINK); 0 for any. */
  readonly scope?: number;
  /** flowi4_mark: SO_MARK (`ping -m`), skb->mark on input (0: veth scrubs it crossing namespaces). */
  readonly mark?: number;
  /** flowi4_tos: IP_TOS (`ping -Q`), the header's TOS on input. */
  readonly tos?: number;
  /** flowi4_uid: the socket's owner; 0 for root and for every packet on the input path. */
  readonly uid?: number;
  /** flowi4_proto and the ports: an ICMP socket's type and code stand in the destination port. */
  readonly proto?: number;
  readonly sport?: number;
  readonly dport?: number;
}

/** IPTOS_RT_MASK: the TOS bits a rule compares (neither ECN bit nor the lowest DSCP bits). */
export const IPTOS_RT_MASK = 0x1c;

function inRange(r: { readonly start: number; readonly end: number } | undefined, v: number): boolean {
  return r === undefined || (v >= r.start && v <= r.end);
}

/** fib_rule_match and fib4_rule_match: every selector must match, then `not` inverts the answer. */
export function fib_rule_match(ns: NsState, rule: Rule, flow: Flow): boolean {
  const m = fibRuleSelectorsMatch(ns, rule, flow);
  return rule.invert ? !m : m;
}

function fibRuleSelectorsMatch(ns: NsState, rule: Rule, flow: Flow): boolean {
  if (rule.iif !== undefined) {
    const name = flow.iif === 0 ? 'lo' : ns.devices[flow.iif]?.name;
    if (name !== rule.iif) return false;
  }
  if (rule.oif !== undefined && ns.devices[flow.oif]?.name !== rule.oif) return false;
  if (((((flow.mark ?? 0) ^ (rule.fwmark ?? 0)) & (rule.fwmask ?? 0)) >>> 0) !== 0) return false;
  if (!inRange(rule.uidrange, flow.uid ?? 0)) return false;
  if (rule.ipproto !== undefined && rule.ipproto !== (flow.proto ?? 0)) return false;
  if (!inRange(rule.sport, flow.sport ?? 0) || !inRange(rule.dport, flow.dport ?? 0)) return false;
  if (rule.from && !inSubnet(flow.saddr, rule.from.addr, rule.from.len)) return false;
  if (rule.to && !inSubnet(flow.daddr, rule.to.addr, rule.to.len)) return false;
  if (rule.tos && rule.tos !== ((flow.tos ?? 0) & IPTOS_RT_MASK)) return false;
  return true;
}

/** fib4_has_custom_rules. */
export function fib4_has_custom_rules(ns: NsState): boolean {
  return ns.customRules === true;
}

/** rule_exists' comparison: every selector but `not` (measured: `not fwmark 3 pref 50` next to `fwmark 3 pref 50` is EEXIST). */
function ruleKey(r: Rule): string {
  const range = (x: { readonly start: number; readonly end: number } | undefined) => (x ? `${x.start}-${x.end}` : '');
  return [r.priority, r.table, r.action, r.from?.addr, r.from?.len, r.to?.addr, r.to?.len, r.iif, r.oif, r.fwmark ?? 0, r.fwmask ?? 0, r.tos ?? 0, range(r.uidrange), r.ipproto, range(r.sport), range(r.dport)].join('/');
}

/** fib_rule_port_range_valid: no port 0, none at 65535, start not past end. */
function portRangeValid(r: { readonly start: number; readonly end: number }): boolean {
  return r.start !== 0 && r.end !== 0 && r.end < 0xffff && r.start <= r.end;
}

/** fib_nl2rule's range checks, which a delete meets too. */
export function fib_rule_ranges_invalid(rule: Pick<Rule, 'uidrange' | 'sport' | 'dport'>): string | undefined {
  if (rule.uidrange && rule.uidrange.start > rule.uidrange.end) return 'Invalid uid range';
  if (rule.sport && !portRangeValid(rule.sport)) return 'Invalid sport range';
  if (rule.dport && !portRangeValid(rule.dport)) return 'Invalid dport range';
  return undefined;
}

/** fib_nl2rule's and fib4_rule_configure's checks, in their order: the extack of the first that fails. */
function fib_rule_invalid(rule: Omit<Rule, 'priority'>): string | undefined {
  const range = fib_rule_ranges_invalid(rule);
  if (range !== undefined) return range;
  if (rule.tos !== undefined && rule.tos & 0x03) return 'Invalid dsfield (tos): ECN bits must be 0';
  // IPTOS_TOS_MASK: DSCP values beyond the old TOS bits (CS1 = 0x20 and up) are refused.
  if (rule.tos !== undefined && rule.tos & ~0x1e) return 'Invalid tos';
  return undefined;
}

/**
 * fib_nl_newrule. Without a priority a rule gets fib_default_rule_pref: one less than the second rule's
 * (0 when that is 0 or there is none); it goes after every rule of the same priority. An identical rule
 * is EEXIST. A `lookup` of table 0 gets a fresh table (fib_empty_table: the lowest unused id from 1).
 */
export function fib_nl_newrule(ns: Namespace, rule: Omit<Rule, 'priority'> & { priority?: number }): Result {
  const bad = fib_rule_invalid(rule);
  if (bad !== undefined) return fail('EINVAL', bad);
  let priority = rule.priority;
  if (priority === undefined) {
    const second = ns.state.rules[1];
    priority = second && second.priority > 0 ? second.priority - 1 : 0;
  }
  let table = rule.table;
  if (rule.action === 'lookup' && table === 0) {
    table = 1;
    while (fib_table_exists(ns.state, table)) table++;
  }
  const full: Rule = { ...rule, table, priority };
  if (ns.state.rules.some((r) => ruleKey(r) === ruleKey(full))) return fail('EEXIST');
  if (rule.action === 'lookup' && rule.table === 0) fib_new_table(ns, table);
  ns.update((d) => {
    let at = d.rules.findIndex((r) => r.priority > (priority as number));
    if (at < 0) at = d.rules.length;
    d.rules.splice(at, 0, full);
    d.customRules = true;
  });
  ns.world.trace.state(ns.world.loop.now, ns.name, undefined, 'fib_nl_newrule', `rule ${priority} added`);
  return OK;
}

export function fib_nl_delrule(ns: Namespace, match: (r: Rule) => boolean): Result {
  const i = ns.state.rules.findIndex(match);
  if (i < 0) return fail('ENOENT');
  const gone = ns.state.rules[i] as Rule;
  ns.update((d) => {
    d.rules.splice(i, 1);
    d.customRules = true;
  });
  ns.world.trace.state(ns.world.loop.now, ns.name, undefined, 'fib_nl_delrule', `rule ${gone.priority} deleted`);
  return OK;
}
