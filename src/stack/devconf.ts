/**
 * How a per-device IPv4 setting is read (include/linux/inetdevice.h): some take conf/all OR the
 * device's (IN_DEV_ORCONF), some conf/all AND the device's (IN_DEV_ANDCONF), some the larger of the
 * two (IN_DEV_MAXCONF), some only the device's own.
 */
import type { DeviceState, NsState } from '../sim/state.js';

const OR_CONF = new Set(['accept_local', 'arp_filter', 'proxy_arp', 'route_localnet', 'log_martians', 'src_valid_mark', 'drop_gratuitous_arp', 'shared_media', 'secure_redirects', 'promote_secondaries', 'send_redirects', 'ignore_routes_with_linkdown']);
const AND_CONF = new Set(['arp_evict_nocarrier', 'accept_source_route', 'bootp_relay']);
const MAX_CONF = new Set(['rp_filter', 'arp_ignore', 'arp_announce', 'arp_accept', 'arp_notify']);

export function devConf(ns: NsState, dev: DeviceState, key: string): number {
  const own = dev.conf[key] ?? 0;
  const all = ns.confAll[key] ?? 0;
  if (own === all) return own;
  if (OR_CONF.has(key)) return own || all ? 1 : 0;
  if (AND_CONF.has(key)) return own && all ? 1 : 0;
  if (MAX_CONF.has(key)) return Math.max(own, all);
  return own;
}

/** IN_DEV_FORWARD: the device's own forwarding flag (writing conf/all/forwarding sets every device's). */
export function forwarding(dev: DeviceState): boolean {
  return (dev.conf.forwarding ?? 0) !== 0;
}
