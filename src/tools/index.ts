/** The commands a script can run in the simulator, by program name. */
import type { Tool } from './tool.js';
import { ip } from './ip/index.js';
import { ping } from './ping.js';
import { arping } from './arping.js';
import { sysctl } from './sysctl.js';
import { cat, echo, sleep } from './shell.js';
import { ovsVsctl } from './ovs-vsctl.js';
import { bridge } from './bridge.js';
import { ovsOfctl } from './ovs-ofctl.js';
import { ovsAppctl } from './ovs-appctl.js';
import { ifconfig } from './net-tools/ifconfig.js';
import { route } from './net-tools/route.js';
import { arp } from './net-tools/arp.js';

export const TOOLS: Readonly<Record<string, Tool>> = { ip, ping, arping, sysctl, echo, cat, sleep, 'ovs-vsctl': ovsVsctl, 'ovs-ofctl': ovsOfctl, 'ovs-appctl': ovsAppctl, bridge, ifconfig, route, arp };
