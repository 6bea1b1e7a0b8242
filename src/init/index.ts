/**
 * Boot (init/main.c's do_initcalls): every driver and protocol registers with the core, once per
 * process; then worlds can be made. Adding a device kind is a module in devices/ and a line here.
 */
import { World, type WorldOptions } from '../sim/world.js';
import { inet_init } from '../stack/af_inet.js';
import { loopback_init } from '../devices/loopback.js';
import { veth_init } from '../devices/veth.js';
import { bridge_init } from '../devices/bridge.js';
import { ovs_init } from '../devices/ovs.js';
import { macvlan_init } from '../devices/macvlan.js';
import { vxlan_init } from '../devices/vxlan.js';
import { udp_init } from '../stack/udp.js';
import { packet_init } from '../core/af_packet.js';

let booted = false;

/** Registers everything, in the kernel's order: the protocols first, then the drivers. */
export function do_initcalls(): void {
  if (booted) return;
  booted = true;
  inet_init();
  udp_init();
  loopback_init();
  veth_init();
  bridge_init();
  ovs_init();
  macvlan_init();
  vxlan_init();
  // af_packet is a module of its own, initialised after the protocols and drivers built in.
  packet_init();
}

/** A simulated machine with the stack booted; its first namespace is made by the caller. */
export function createWorld(opts: WorldOptions): World {
  do_initcalls();
  return new World(opts);
}
