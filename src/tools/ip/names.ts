/**
 * The names iproute2 gives numbers (lib/rt_names.c, ip/rtm_map.c), as /etc/iproute2 defines them on
 * the machine kernel mode runs on: route tables, protocols, scopes and route types.
 */
import { getUnsigned } from './parse.js';
import type { Route } from '../../sim/state.js';

const TABLES: ReadonlyArray<readonly [number, string]> = [
  [255, 'local'],
  [254, 'main'],
  [253, 'default'],
  [0, 'unspec'],
];

/** rtnl_rttable_a2n: a name from rt_tables, else a number. */
export function tableA2n(arg: string): number | undefined {
  const named = TABLES.find(([, n]) => n === arg);
  if (named) return named[0];
  return getUnsigned(arg);
}

export function tableN2a(id: number): string {
  return TABLES.find(([t]) => t === id)?.[1] ?? String(id);
}

/** /etc/iproute2/rt_protos. */
const PROTOS: ReadonlyArray<readonly [number, string]> = [
  [0, 'unspec'],
  [1, 'redirect'],
  [2, 'kernel'],
  [3, 'boot'],
  [4, 'static'],
  [8, 'gated'],
  [9, 'ra'],
  [10, 'mrt'],
  [11, 'zebra'],
  [12, 'bird'],
  [13, 'dnrouted'],
  [14, 'xorp'],
  [15, 'ntk'],
  [16, 'dhcp'],
  [18, 'keepalived'],
  [42, 'babel'],
  [99, 'openr'],
  [186, 'bgp'],
  [187, 'isis'],
  [188, 'ospf'],
  [189, 'rip'],
  [192, 'eigrp'],
];

/** rtnl_rtprot_a2n: a name, else a number up to 255. */
export function protoA2n(arg: string): number | undefined {
  const named = PROTOS.find(([, n]) => n === arg);
  if (named) return named[0];
  const v = getUnsigned(arg);
  return v === undefined || v > 255 ? undefined : v;
}

/** The protocol as routes carry it in the simulator: its name, as `ip route` prints it. */
export function protoN2a(id: number): string {
  return PROTOS.find(([p]) => p === id)?.[1] ?? String(id);
}

/** /etc/iproute2/rt_scopes. */
const SCOPES: ReadonlyArray<readonly [number, string]> = [
  [0, 'global'],
  [255, 'nowhere'],
  [254, 'host'],
  [253, 'link'],
  [200, 'site'],
];

export function scopeA2n(arg: string): number | undefined {
  const named = SCOPES.find(([, n]) => n === arg);
  if (named) return named[0];
  const v = getUnsigned(arg);
  return v === undefined || v > 255 ? undefined : v;
}

export function scopeN2a(id: number): string {
  return SCOPES.find(([s]) => s === id)?.[1] ?? String(id);
}

export const SCOPE_NUMBER: Readonly<Record<Route['scope'], number>> = { global: 0, link: 253, host: 254, nowhere: 255 };

/** The scopes the simulator's state can hold; others (site, numbers) are not modelled. */
export function scopeName(id: number): Route['scope'] | undefined {
  return id === 0 ? 'global' : id === 253 ? 'link' : id === 254 ? 'host' : id === 255 ? 'nowhere' : undefined;
}

export const RTN = {
  unspec: 0,
  unicast: 1,
  local: 2,
  broadcast: 3,
  anycast: 4,
  multicast: 5,
  blackhole: 6,
  unreachable: 7,
  prohibit: 8,
  throw: 9,
  nat: 10,
  xresolve: 11,
} as const;

/** rtnl_rtntype_a2n, in its order: some names are exact, others may be abbreviated. */
export function rtntypeA2n(arg: string): number | undefined {
  const m = (k: string) => k.startsWith(arg);
  if (arg === 'local') return RTN.local;
  if (arg === 'nat') return RTN.nat;
  if (m('broadcast') || arg === 'brd') return RTN.broadcast;
  if (m('anycast')) return RTN.anycast;
  if (m('multicast')) return RTN.multicast;
  if (m('prohibit')) return RTN.prohibit;
  if (m('unreachable')) return RTN.unreachable;
  if (m('blackhole')) return RTN.blackhole;
  if (m('xresolve')) return RTN.xresolve;
  if (m('unicast')) return RTN.unicast;
  if (arg === 'throw') return RTN.throw;
  const v = getUnsigned(arg);
  return v === undefined || v > 255 ? undefined : v;
}

/** The route types the simulator models, by number. */
export function routeTypeName(id: number): Route['type'] | undefined {
  const names: Record<number, Route['type']> = { 1: 'unicast', 2: 'local', 3: 'broadcast', 6: 'blackhole', 7: 'unreachable', 8: 'prohibit', 9: 'throw' };
  return names[id];
}

/** /etc/iproute2/rt_dsfield: the names rtnl_dsfield_a2n knows. */
const DSFIELDS: ReadonlyArray<readonly [number, string]> = [
  [0x00, 'default'],
  [0x28, 'AF11'],
  [0x30, 'AF12'],
  [0x38, 'AF13'],
  [0x48, 'AF21'],
  [0x50, 'AF22'],
  [0x58, 'AF23'],
  [0x68, 'AF31'],
  [0x70, 'AF32'],
  [0x78, 'AF33'],
  [0x88, 'AF41'],
  [0x90, 'AF42'],
  [0x98, 'AF43'],
  [0x20, 'CS1'],
  [0x40, 'CS2'],
  [0x60, 'CS3'],
  [0x80, 'CS4'],
  [0xa0, 'CS5'],
  [0xc0, 'CS6'],
  [0xe0, 'CS7'],
  [0xb8, 'EF'],
];

/** rtnl_dsfield_a2n: a name from rt_dsfield, else hexadecimal (with or without 0x: "16" is 0x16) up to 0xff. */
export function dsfieldA2n(arg: string): number | undefined {
  const named = DSFIELDS.find(([, n]) => n === arg);
  if (named) return named[0];
  const m = /^(?:0[xX])?([0-9a-fA-F]+)$/.exec(arg);
  if (!m) return undefined;
  const v = parseInt(m[1] as string, 16);
  return v > 0xff ? undefined : v;
}

/** rtnl_dsfield_n2a: the name, else "0x%02x". */
export function dsfieldN2a(v: number): string {
  return DSFIELDS.find(([d]) => d === v)?.[1] ?? `0x${v.toString(16).padStart(2, '0')}`;
}

/** /etc/protocols of the machine kernel mode runs on: number, name, aliases (getprotobyname/bynumber). */
const IP_PROTOCOLS: ReadonlyArray<readonly [number, ...string[]]> = [
  [0, 'ip', 'IP'],
  [0, 'hopopt', 'HOPOPT'],
  [1, 'icmp', 'ICMP'],
  [2, 'igmp', 'IGMP'],
  [3, 'ggp', 'GGP'],
  [4, 'ipencap', 'IP-ENCAP'],
  [5, 'st', 'ST'],
  [6, 'tcp', 'TCP'],
  [8, 'egp', 'EGP'],
  [9, 'igp', 'IGP'],
  [12, 'pup', 'PUP'],
  [17, 'udp', 'UDP'],
  [20, 'hmp', 'HMP'],
  [22, 'xns-idp', 'XNS-IDP'],
  [27, 'rdp', 'RDP'],
  [29, 'iso-tp4', 'ISO-TP4'],
  [33, 'dccp', 'DCCP'],
  [36, 'xtp', 'XTP'],
  [37, 'ddp', 'DDP'],
  [38, 'idpr-cmtp', 'IDPR-CMTP'],
  [41, 'ipv6', 'IPv6'],
  [43, 'ipv6-route', 'IPv6-Route'],
  [44, 'ipv6-frag', 'IPv6-Frag'],
  [45, 'idrp', 'IDRP'],
  [46, 'rsvp', 'RSVP'],
  [47, 'gre', 'GRE'],
  [50, 'esp', 'IPSEC-ESP'],
  [51, 'ah', 'IPSEC-AH'],
  [57, 'skip', 'SKIP'],
  [58, 'ipv6-icmp', 'IPv6-ICMP'],
  [59, 'ipv6-nonxt', 'IPv6-NoNxt'],
  [60, 'ipv6-opts', 'IPv6-Opts'],
  [73, 'rspf', 'RSPF', 'CPHB'],
  [81, 'vmtp', 'VMTP'],
  [88, 'eigrp', 'EIGRP'],
  [89, 'ospf', 'OSPFIGP'],
  [93, 'ax.25', 'AX.25'],
  [94, 'ipip', 'IPIP'],
  [97, 'etherip', 'ETHERIP'],
  [98, 'encap', 'ENCAP'],
  [103, 'pim', 'PIM'],
  [108, 'ipcomp', 'IPCOMP'],
  [112, 'vrrp', 'VRRP'],
  [115, 'l2tp', 'L2TP'],
  [124, 'isis', 'ISIS'],
  [132, 'sctp', 'SCTP'],
  [133, 'fc', 'FC'],
  [135, 'mobility-header', 'Mobility-Header'],
  [136, 'udplite', 'UDPLite'],
  [137, 'mpls-in-ip', 'MPLS-in-IP'],
  [138, 'manet'],
  [139, 'hip', 'HIP'],
  [140, 'shim6', 'Shim6'],
  [141, 'wesp', 'WESP'],
  [142, 'rohc', 'ROHC'],
  [143, 'ethernet', 'Ethernet'],
];

/** inet_proto_a2n: a name or alias from /etc/protocols, else a decimal number up to 255 (measured: 0x6 is refused). */
export function inetProtoA2n(arg: string): number | undefined {
  const named = IP_PROTOCOLS.find(([, ...names]) => names.includes(arg));
  if (named) return named[0];
  if (!/^\d+$/.test(arg)) return undefined;
  const v = Number(arg);
  return v > 255 ? undefined : v;
}

/** inet_proto_n2a: the first name /etc/protocols gives the number, else "ipproto-N". */
export function inetProtoN2a(n: number): string {
  return IP_PROTOCOLS.find(([p]) => p === n)?.[1] ?? `ipproto-${n}`;
}
