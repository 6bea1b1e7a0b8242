/**
 * Which FIB tables exist (fib_new_table, fib_get_table): a table is made by the first route put in it —
 * even one the kernel then refuses — and lives as long as the namespace, empty or not. `ip route show
 * table N` fails for the others ("FIB table does not exist").
 */
import type { Draft } from 'immer';
import { shared } from '../sim/cow.js';
import { RT_TABLE_LOCAL, RT_TABLE_MAIN, type NsState } from '../sim/state.js';
import type { Namespace } from '../sim/world.js';

/** fib_get_table: does table `id` exist (0 is main)? */
export function fib_table_exists(ns: NsState, id: number): boolean {
  return (ns.fibTables ?? []).includes(id === 0 ? RT_TABLE_MAIN : id);
}

/** fib_new_table on a namespace being changed. */
export function fib_new_table_draft(ns: { fibTables?: number[] }, table: number): void {
  const id = table === 0 ? RT_TABLE_MAIN : table;
  if (ns.fibTables === undefined) ns.fibTables = [id];
  // Searched without the draft's proxies (cow.ts): this runs for every route added.
  else if (!(shared(ns.fibTables) as readonly number[]).includes(id)) ns.fibTables.push(id);
}

/** fib_new_table; while the rules are the default ones, local is an alias of main, so creating it creates main. */
export function fib_new_table(ns: Namespace, table: number): void {
  if (fib_table_exists(ns.state, table)) return;
  ns.update((d) => {
    if (table === RT_TABLE_LOCAL && d.customRules !== true) fib_new_table_draft(d, RT_TABLE_MAIN);
    fib_new_table_draft(d, table);
  });
}
