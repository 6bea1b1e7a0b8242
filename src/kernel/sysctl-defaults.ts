/**
 * The IPv4 per-device settings a new network namespace gets from the kernel itself (devinet.c's
 * ipv4_devconf defaults). A namespace copies the machine's conf/all and conf/default instead
 * (net.core.devconf_inherit_init_net=0), so on a host tuned like Ubuntu (rp_filter=2) every namespace
 * would start tuned too; kernel mode writes these back so that "fresh namespace" means kernel defaults.
 * Read off an untouched machine (kernel 6.18): cat /proc/sys/net/ipv4/conf/all/*.
 */
export const IPV4_CONF_DEFAULTS: Readonly<Record<string, number>> = {
  accept_local: 0,
  accept_redirects: 1,
  accept_source_route: 0,
  arp_accept: 0,
  arp_announce: 0,
  arp_filter: 0,
  arp_ignore: 0,
  arp_notify: 0,
  bootp_relay: 0,
  drop_gratuitous_arp: 0,
  drop_unicast_in_l2_multicast: 0,
  forwarding: 0,
  log_martians: 0,
  promote_secondaries: 0,
  proxy_arp: 0,
  proxy_arp_pvlan: 0,
  route_localnet: 0,
  rp_filter: 0,
  secure_redirects: 1,
  send_redirects: 1,
  shared_media: 1,
  src_valid_mark: 0,
};

/** The `sysctl -w` arguments that put a namespace's all, default and lo back to kernel defaults. */
export function defaultSysctlArgs(ipv6: boolean): string[] {
  const args: string[] = [];
  for (const dev of ['all', 'default', 'lo']) {
    for (const [k, v] of Object.entries(IPV4_CONF_DEFAULTS)) args.push(`net.ipv4.conf.${dev}.${k}=${v}`);
  }
  if (!ipv6) args.push('net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1');
  return args;
}
