/**
 * /proc/sys/net as a namespace sees it: which files exist, what they read, and what a write changes.
 * Paths are relative to /proc/sys with '/' separators (sysctl's dotted names are converted first).
 */
import type { Namespace } from '../sim/world.js';
import { findByName } from '../sim/world.js';
import { CONF_KEYS, devinet_conf_set } from './devinet.js';
import { jiffiesToMsecs, msecsToJiffies } from './inetpeer.js';

export type SysctlFile =
  | { readonly kind: 'conf'; readonly scope: 'all' | 'default' | number; readonly key: string }
  | { readonly kind: 'ipv4'; readonly key: string }
  | { readonly kind: 'ipv6-conf'; readonly scope: string; readonly key: string };

const IPV4_KEYS = ['ip_forward', 'icmp_echo_ignore_broadcasts', 'icmp_echo_ignore_all', 'icmp_ratelimit', 'icmp_ratemask', 'ip_default_ttl', 'ip_no_pmtu_disc'];

/** The file a path names in `ns`, or undefined when /proc/sys has no such file there. */
export function sysctlFile(ns: Namespace, path: string): SysctlFile | undefined {
  const p = path.replace(/^\/proc\/sys\//, '').replace(/\/+$/, '').split('/');
  if (p[0] !== 'net') return undefined;
  if (p[1] === 'ipv4' && p.length === 3 && IPV4_KEYS.includes(p[2] as string)) return { kind: 'ipv4', key: p[2] as string };
  if (p[1] === 'ipv4' && p[2] === 'conf' && p.length === 5 && CONF_KEYS.includes(p[4] as string)) {
    const dev = p[3] as string;
    if (dev === 'all' || dev === 'default') return { kind: 'conf', scope: dev, key: p[4] as string };
    const d = findByName(ns.state, dev);
    return d ? { kind: 'conf', scope: d.ifindex, key: p[4] as string } : undefined;
  }
  if (p[1] === 'ipv6' && p[2] === 'conf' && p.length === 5 && p[4] === 'disable_ipv6') {
    const dev = p[3] as string;
    if (dev === 'all' || dev === 'default' || findByName(ns.state, dev)) return { kind: 'ipv6-conf', scope: dev, key: 'disable_ipv6' };
  }
  return undefined;
}

export function sysctlRead(ns: Namespace, f: SysctlFile): number {
  const st = ns.state;
  switch (f.kind) {
    case 'ipv4':
      return f.key === 'ip_forward' ? (st.confAll.forwarding ?? 0) : (st.sysctl[f.key] ?? 0);
    case 'conf':
      if (f.scope === 'all') return st.confAll[f.key] ?? 0;
      if (f.scope === 'default') return st.confDefault[f.key] ?? 0;
      return st.devices[f.scope]?.conf[f.key] ?? 0;
    case 'ipv6-conf':
      // IPv6 is not simulated; scenarios run with it disabled, as kernel mode sets it.
      return st.sysctl[`ipv6.${f.scope}.${f.key}`] ?? 1;
  }
}

/** Writes a value; returns an errno name when the kernel would refuse it. */
export function sysctlWrite(ns: Namespace, f: SysctlFile, text: string): 'EINVAL' | undefined {
  const t = text.trim();
  if (!/^-?\d+$/.test(t)) return 'EINVAL';
  const v = Number(t);
  switch (f.kind) {
    case 'ipv4': {
      const stored = ipv4Stored(f.key, v);
      if (stored === undefined) return 'EINVAL';
      if (f.key === 'ip_forward') devinet_conf_set(ns, 'all', 'forwarding', v);
      else
        ns.update((d) => {
          d.sysctl[f.key] = stored;
        });
      return undefined;
    }
    case 'conf':
      devinet_conf_set(ns, f.scope, f.key, v);
      return undefined;
    case 'ipv6-conf':
      ns.update((d) => {
        d.sysctl[`ipv6.${f.scope}.${f.key}`] = v;
      });
      return undefined;
  }
}

const INT_MIN = -0x80000000;
const INT_MAX = 0x7fffffff;

/**
 * What the kernel keeps of a written value, undefined when it refuses it (EINVAL). icmp_ratelimit is
 * proc_dointvec_ms_jiffies: milliseconds, never negative, kept as jiffies — read back rounded up to a
 * multiple of 4 ms at HZ=250 (measured: 1001 reads 1004, 2147483647 reads 2147483648). icmp_ratemask
 * is a plain int.
 */
function ipv4Stored(key: string, v: number): number | undefined {
  if (key === 'icmp_ratelimit') return v < 0 || v > INT_MAX ? undefined : jiffiesToMsecs(msecsToJiffies(v));
  if (key === 'icmp_ratemask') return v < INT_MIN || v > INT_MAX ? undefined : v;
  return v;
}
