/**
 * inet_init (net/ipv4/af_inet.c): IPv4 joins the core — ARP and IP as protocol handlers, ARP as the
 * neighbour table's resolver, devinet and the FIB on the netdevice notifier chain, and each new
 * namespace's rules, sysctls and IP id counter.
 */
import type { Draft } from 'immer';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4 } from '../wire/ethernet.js';
import type { NsState, Rule } from '../sim/state.js';
import { register_pernet_subsys } from '../sim/world.js';
import { dev_add_pack } from '../core/dev.js';
import { neigh_table_init } from '../core/neighbour.js';
import { pneigh_table_init } from '../core/pneigh.js';
import { register_netdevice_notifier, type NetdevNotification } from '../core/notifier.js';
import { arp_neigh_ops, arp_netdev_event, arp_rcv } from './arp.js';
import { ip_rcv } from './ipv4-input.js';
import { devinet_init_net, inetdev_event } from './devinet.js';
import { fibDeviceDown, fibDeviceUp } from './fib.js';
import { DEFAULT_RULES } from './fib_rules.js';
import { netnsIpv4 } from './netns_ipv4.js';

/** fib_netdev_event: a device's routes come and go with it. */
function fib_netdev_event(n: NetdevNotification): void {
  const { ns, dev } = n;
  if (n.event === 'NETDEV_UP') ns.updateTop((d) => fibDeviceUp(d, dev.ifindex));
  else if (n.event === 'NETDEV_DOWN') ns.updateTop((d) => fibDeviceDown(d, dev.ifindex));
  else if (n.event === 'NETDEV_UNREGISTER' && ns.state.routes.some((r) => r.dev === dev.ifindex)) {
    ns.updateTop((d) => {
      d.routes = d.routes.filter((r) => r.dev !== dev.ifindex);
    });
  }
}

export function inet_init(): void {
  register_pernet_subsys({
    init: (_w, d: Draft<NsState>) => {
      devinet_init_net(d);
      d.rules = DEFAULT_RULES as Rule[];
    },
    // The IP id counter starts somewhere random in each namespace, drawn as the namespace is made.
    ready: (w, ns) => {
      netnsIpv4(ns).ipId = w.rng.below(0x10000);
    },
  });
  neigh_table_init(arp_neigh_ops);
  pneigh_table_init(arp_neigh_ops.proxy_redo);
  dev_add_pack(ETHERTYPE_ARP, arp_rcv);
  register_netdevice_notifier(arp_netdev_event);
  dev_add_pack(ETHERTYPE_IPV4, ip_rcv);
  register_netdevice_notifier(inetdev_event);
  register_netdevice_notifier(fib_netdev_event);
}
