/**
 * A namespace copies the machine's conf/all and conf/default (net.core.devconf_inherit_init_net=0), so
 * on a host tuned like Ubuntu (rp_filter=2) every namespace would start tuned too; kernel mode writes
 * the kernel's own defaults back (IPV4_CONF_DEFAULTS, the values the simulator starts from), so that
 * "fresh namespace" means kernel defaults on both sides.
 */
import { IPV4_CONF_DEFAULTS } from '../stack/devinet.js';

/** The `sysctl -w` arguments that put a namespace's all, default and lo back to kernel defaults. */
export function defaultSysctlArgs(ipv6: boolean): string[] {
  const args: string[] = [];
  for (const dev of ['all', 'default', 'lo']) {
    for (const [k, v] of Object.entries(IPV4_CONF_DEFAULTS)) args.push(`net.ipv4.conf.${dev}.${k}=${v}`);
  }
  if (!ipv6) args.push('net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1');
  return args;
}
