/**
 * Copy-on-write sharing inside NsState. Every namespace and every device starts with the same IPv4
 * settings (conf/all, conf/default, conf/DEV, the namespace-wide sysctls); copying them for each one
 * was most of an idle namespace's memory. Instead they all point at one frozen object until a write,
 * which — always through an immer draft — copies just the object written to. The freeze makes an
 * accidental write in place throw instead of changing every namespace at once.
 */
import { current, isDraft, type Draft } from 'immer';

/**
 * The value a draft stands for, to be put in a second place of the state (shared, not copied) or to
 * be read without proxies: reading a draft's elements makes a proxy of each, which the end of the
 * change must then finalize one by one.
 */
export function shared<T extends object>(v: T): T {
  // An unmodified draft's current() is its base object itself; a modified one's is a fresh copy.
  return isDraft(v) ? (current(v as Draft<T>) as T) : v;
}
