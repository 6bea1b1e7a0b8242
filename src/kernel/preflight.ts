/**
 * Can kernel mode run here? It needs root, the tools the scenario calls, and the right to make
 * namespaces. When it cannot, it says exactly what is missing — and callers exit with
 * KERNEL_UNAVAILABLE_EXIT, which tests turn into a skip with that reason.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { delimiter, join } from 'node:path';

/** Exit status of `vethsim kernel|record` when the kernel cannot be used (automake's "skipped"). */
export const KERNEL_UNAVAILABLE_EXIT = 77;

export const OVS_SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';

/** PATH as root's shell has it: iproute2 and sysctl live in sbin. */
export function toolPath(): string {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const d of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) if (!dirs.includes(d)) dirs.push(d);
  return dirs.join(delimiter);
}

export function findTool(name: string): string | undefined {
  for (const dir of toolPath().split(delimiter)) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export interface Needs {
  readonly ovs: boolean;
  /** The scenario runs iputils' arping (a package of its own). */
  readonly arping?: boolean;
  /** The script runs ifconfig, route or arp (Debian's net-tools). */
  readonly netTools?: boolean;
  /** Whose rights to judge by; the current process's by default. */
  readonly uid?: number;
}

const PACKAGE_OF: Record<string, string> = {
  ip: 'iproute2',
  tcpdump: 'tcpdump',
  ping: 'iputils-ping',
  arping: 'iputils-arping',
  sysctl: 'procps',
  unshare: 'util-linux',
  mount: 'mount',
  bash: 'bash',
  'ovs-vsctl': 'openvswitch-switch',
  'ovs-vswitchd': 'openvswitch-switch',
  'ovsdb-server': 'openvswitch-switch',
  'ovsdb-tool': 'openvswitch-switch',
  'ovs-appctl': 'openvswitch-switch',
  'ovs-ofctl': 'openvswitch-switch',
  ifconfig: 'net-tools',
  route: 'net-tools',
  arp: 'net-tools',
};

/** Everything missing for a kernel run, one sentence each; empty when it can run. */
export function kernelPreflight(needs: Needs): string[] {
  const missing: string[] = [];
  if (process.platform !== 'linux') return [`kernel mode needs Linux (this is ${process.platform})`];
  if ((needs.uid ?? process.getuid?.()) !== 0) missing.push('kernel mode needs root (it makes network namespaces): run it as root, e.g. with sudo');
  const tools = ['unshare', 'mount', 'bash', 'ip', 'sysctl', 'tcpdump', 'ping'];
  if (needs.arping) tools.push('arping');
  if (needs.ovs) tools.push('ovs-vsctl', 'ovs-vswitchd', 'ovsdb-server', 'ovsdb-tool', 'ovs-appctl', 'ovs-ofctl');
  if (needs.netTools) tools.push('ifconfig', 'route', 'arp');
  const absent = tools.filter((t) => findTool(t) === undefined);
  if (absent.length > 0) {
    const pkgs = [...new Set(absent.map((t) => PACKAGE_OF[t] ?? t))];
    missing.push(`missing tools: ${absent.join(', ')} (apt-get install ${pkgs.join(' ')})`);
  }
  if (needs.ovs && !existsSync(OVS_SCHEMA)) missing.push(`missing the OVS database schema ${OVS_SCHEMA} (apt-get install openvswitch-switch)`);
  if (missing.length === 0) {
    const r = spawnSync('unshare', ['--net', '--mount', '--pid', '--fork', 'true'], { env: { ...process.env, PATH: toolPath() }, encoding: 'utf8' });
    if (r.status !== 0) missing.push(`cannot create namespaces here: unshare said ${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}`);
  }
  return missing;
}

/** True when the kernel has the openvswitch datapath; otherwise bridges use the userspace one. */
export function hasOvsKernelModule(): boolean {
  return existsSync('/sys/module/openvswitch');
}
