/**
 * /proc/sys/net as a namespace sees it: which files exist, what they read, and what a write changes.
 * Paths are relative to /proc/sys with '/' separators (sysctl's dotted names are converted first).
 */
import type { Namespace } from '../sim/world.js';
import { findByName } from '../sim/world.js';
import { CONF_KEYS, devinet_conf_set } from './devinet.js';
import { PROC_SYS_NET } from './proc-sys-names.js';
import { jiffiesToMsecs, msecsToJiffies } from './inetpeer.js';
import { NEIGH_PROXY_PARMS, neigh_parm_read, neigh_parm_write, PROXY_DELAY_MAX, type NeighParm } from '../core/pneigh.js';

export type SysctlFile =
  | { readonly kind: 'conf'; readonly scope: 'all' | 'default' | number; readonly key: string }
  | { readonly kind: 'ipv4'; readonly key: string }
  | { readonly kind: 'ipv6-conf'; readonly scope: string; readonly key: string }
  | { readonly kind: 'neigh'; readonly ifindex: number; readonly key: NeighParm };

/** The files of /proc/sys/net/ipv4/neigh/DEV/ (a namespace other than the first has no neigh/default). */
const NEIGH_KEYS = ['anycast_delay', 'app_solicit', 'base_reachable_time', 'base_reachable_time_ms', 'delay_first_probe_time', 'gc_stale_time', 'interval_probe_time_ms', 'locktime', 'mcast_resolicit', 'mcast_solicit', 'proxy_delay', 'proxy_qlen', 'retrans_time', 'retrans_time_ms', 'ucast_solicit', 'unres_qlen', 'unres_qlen_bytes'];
const NEIGH_SIMULATED: readonly string[] = Object.keys(NEIGH_PROXY_PARMS);

/**
 * Load-time refusal of a sysctl the simulator would otherwise get wrong: the neigh parms it does not
 * honour (the table runs on arp_tbl's defaults), and proxy_delay values whose USER_HZ→jiffies
 * conversion overflows in the kernel. `name` is dotted or slashed, without /proc/sys.
 */
export function sysctlUnsimulated(name: string, value: string | undefined): string | undefined {
  const p = name.replace(/^\/proc\/sys\//, '').split(name.includes('/') ? '/' : '.');
  // medium_id splits proxy_arp's answers by medium (arp_fwd_proxy); every device here has 0.
  if (p[0] === 'net' && p[1] === 'ipv4' && p[2] === 'conf' && p.length === 5 && p[4] === 'medium_id') return `sysctl net.ipv4.conf.${p[3]}.medium_id is not simulated (every device is medium 0: proxy_arp answers across all of them)`;
  if (p[0] !== 'net' || p[1] !== 'ipv4' || p[2] !== 'neigh' || p.length !== 5) return undefined;
  const key = p[4] as string;
  if (NEIGH_KEYS.includes(key) && !NEIGH_SIMULATED.includes(key)) return `sysctl net.ipv4.neigh.${p[3]}.${key} is not simulated (the neighbour table runs on the kernel's defaults; only ${NEIGH_SIMULATED.join(' and ')} are honoured)`;
  if (key === 'proxy_delay' && value !== undefined && /^-?\d+$/.test(value.trim()) && (Number(value) < 0 || Number(value) > PROXY_DELAY_MAX)) return `proxy_delay ${value.trim()} is not simulated (outside 0..${PROXY_DELAY_MAX}, the kernel's USER_HZ to jiffies conversion wraps)`;
  return undefined;
}

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
  if (p[1] === 'ipv4' && p[2] === 'neigh' && p.length === 5 && NEIGH_SIMULATED.includes(p[4] as string)) {
    const d = findByName(ns.state, p[3] as string);
    return d ? { kind: 'neigh', ifindex: d.ifindex, key: p[4] as NeighParm } : undefined;
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
    case 'neigh': {
      const dev = st.devices[f.ifindex];
      return dev ? neigh_parm_read(dev, f.key) : 0;
    }
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
    case 'neigh': {
      const dev = ns.state.devices[f.ifindex];
      return dev ? neigh_parm_write(ns, dev, f.key, v) : 'EINVAL';
    }
    case 'ipv6-conf':
      ns.update((d) => {
        d.sysctl[`ipv6.${f.scope}.${f.key}`] = v;
      });
      return undefined;
  }
}

/** Where the kernel keeps a file, by the shape of its path (any device name): the directory of PROC_SYS_NET. */
function kernelDir(p: readonly string[]): string | undefined {
  if (p[0] !== 'net') return undefined;
  if (p[1] === 'ipv4' && p.length === 3) return 'ipv4';
  if (p[1] === 'ipv4' && p.length === 5 && p[2] === 'conf') return 'conf';
  // A new namespace has no neigh/default (only the initial one has); kernel mode runs in one.
  if (p[1] === 'ipv4' && p.length === 5 && p[2] === 'neigh' && p[3] !== 'default') return 'neigh';
  if (p[1] === 'ipv4' && p.length === 4 && p[2] === 'route') return 'route';
  if (p[1] === 'ipv6' && p.length === 3) return 'ipv6';
  if (p[1] === 'ipv6' && p.length === 5 && p[2] === 'conf') return 'ipv6Conf';
  if (p[1] === 'core' && p.length === 3) return 'core';
  return undefined;
}

/** Files the simulator has, by shape (sysctlFile then decides whether the device exists). */
function simulatedShape(p: readonly string[]): boolean {
  if (p[0] !== 'net') return false;
  if (p[1] === 'ipv4' && p.length === 3) return IPV4_KEYS.includes(p[2] as string);
  if (p[1] === 'ipv4' && p[2] === 'conf' && p.length === 5) return CONF_KEYS.includes(p[4] as string);
  if (p[1] === 'ipv4' && p[2] === 'neigh' && p.length === 5) return NEIGH_SIMULATED.includes(p[4] as string);
  return p[1] === 'ipv6' && p[2] === 'conf' && p.length === 5 && p[4] === 'disable_ipv6';
}

/** Values the simulator stores but cannot act on as the kernel would. */
const UNHONOURED_VALUES: Readonly<Record<string, { readonly ok: (v: number) => boolean; readonly why: string }>> = {
  disable_ipv6: { ok: (v) => v !== 0, why: 'IPv6 is not simulated: it stays disabled' },
};

/**
 * Why a /proc/sys path (or a write of `value` to it) cannot be simulated, checked when a scenario
 * loads: a file the kernel has that the simulator does not model is refused rather than answered
 * with "cannot stat" (a claim that the kernel has no such file). A path the kernel lacks too is left
 * to run, where sysctl and the shell say what they say on the kernel.
 */
export function sysctlRefusal(path: string, value?: string): string | undefined {
  const p = path.replace(/^\/proc\/sys\//, '').replace(/\/+$/, '').split('/');
  const name = p.join('.');
  if (!simulatedShape(p)) {
    const dir = kernelDir(p);
    return dir !== undefined && PROC_SYS_NET[dir]?.includes(p[p.length - 1] as string) ? `sysctl ${name} is not simulated` : undefined;
  }
  const rule = UNHONOURED_VALUES[p[p.length - 1] as string];
  const v = value?.trim();
  if (rule && v !== undefined && /^-?\d+$/.test(v) && !rule.ok(Number(v))) return `${name}=${v} is not simulated (${rule.why})`;
  return undefined;
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

/** What a scenario's sysctl, echo or cat line is refused for at load, if anything: the specific reasons first. */
export function sysctlLoadCheck(path: string, value?: string): string | undefined {
  return sysctlUnsimulated(path, value) ?? sysctlRefusal(path, value);
}
