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

export const DEFAULT_RULES: readonly Rule[] = [
  { priority: 0, table: RT_TABLE_LOCAL, action: 'lookup' },
  { priority: 32766, table: RT_TABLE_MAIN, action: 'lookup' },
  { priority: 32767, table: RT_TABLE_DEFAULT, action: 'lookup' },
];

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
}

/** fib4_rule_match (with fib_rule_match's iif/oif by name). */
export function fib_rule_match(ns: NsState, rule: Rule, flow: Flow): boolean {
  if (rule.from && !inSubnet(flow.saddr, rule.from.addr, rule.from.len)) return false;
  if (rule.to && !inSubnet(flow.daddr, rule.to.addr, rule.to.len)) return false;
  if (rule.iif !== undefined) {
    const name = flow.iif === 0 ? 'lo' : ns.devices[flow.iif]?.name;
    if (name !== rule.iif) return false;
  }
  if (rule.oif !== undefined && ns.devices[flow.oif]?.name !== rule.oif) return false;
  return true;
}

/** fib4_has_custom_rules. */
export function fib4_has_custom_rules(ns: NsState): boolean {
  return ns.customRules === true;
}

function ruleKey(r: Rule): string {
  return [r.priority, r.table, r.action, r.from?.addr, r.from?.len, r.to?.addr, r.to?.len, r.iif, r.oif].join('/');
}

/**
 * fib_nl_newrule. Without a priority a rule gets fib_default_rule_pref: one less than the second rule's
 * (0 when that is 0 or there is none); it goes after every rule of the same priority. An identical rule
 * is EEXIST. A `lookup` of table 0 gets a fresh table (fib_empty_table: the lowest unused id from 1).
 */
export function fib_nl_newrule(ns: Namespace, rule: Omit<Rule, 'priority'> & { priority?: number }): Result {
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
