/**
 * What an `ip` command runs against: the namespace (after -n), the global options, and where it
 * writes. check() runs the same parsers "dry": without a world every device and namespace name is
 * taken to exist, so only what the simulator cannot model stops it, never a usage error.
 */
import { findByName, type Namespace, type World } from '../../sim/world.js';
import type { DeviceState } from '../../sim/state.js';
import type { Family } from './parse.js';

export interface IpOptions {
  /** -4 / -family inet. */
  readonly family: Family;
  /** -o / -oneline. */
  readonly oneline: boolean;
  /** -d / -details: `ip link show` and `ip addr show` print each device's attributes (link-details.ts). */
  readonly details?: boolean;
}

export class IpCtx {
  stdout = '';
  stderr = '';

  private constructor(
    private readonly w: World | undefined,
    private readonly here: Namespace | undefined,
    readonly opts: IpOptions,
  ) {}

  static live(world: World, ns: Namespace, opts: IpOptions): IpCtx {
    return new IpCtx(world, ns, opts);
  }

  static dry(opts: IpOptions): IpCtx {
    return new IpCtx(undefined, undefined, opts);
  }

  get dry(): boolean {
    return this.w === undefined;
  }

  get world(): World {
    if (!this.w) throw new Error('ip: the world was used during check()');
    return this.w;
  }

  get ns(): Namespace {
    if (!this.here) throw new Error('ip: the namespace was used during check()');
    return this.here;
  }

  /** ll_name_to_index: 0 when there is no such device (dry: every name exists). */
  ifindex(name: string): number {
    if (this.dry) return 1;
    return findByName(this.ns.state, name)?.ifindex ?? 0;
  }

  device(ifindex: number): DeviceState | undefined {
    return this.ns.state.devices[ifindex];
  }

  /** /run/netns/NAME exists (dry: yes). */
  hasNetns(name: string): boolean {
    return this.dry || this.netns(name) !== undefined;
  }

  netns(name: string): Namespace | undefined {
    if (name === '') return undefined;
    return this.w?.namespaces.get(name);
  }

  print(text: string): void {
    this.stdout += text;
  }

  warn(text: string): void {
    this.stderr += text;
  }
}
