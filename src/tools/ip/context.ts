/**
 * What an `ip` command runs against: the namespace (after -n), the global options, and where it
 * writes. check() runs the same parsers "dry": without a world every device and namespace name is
 * taken to exist, so only what the simulator cannot model stops it, never a usage error.
 */
import { findByName, type Namespace, type World } from '../../sim/world.js';
import type { DeviceState } from '../../sim/state.js';
import type { Family } from './parse.js';
import { Printer } from './print.js';

export interface IpOptions {
  /** preferred_family: -4, -6, -0, -M, -B, -family NAME. */
  readonly family: Family;
  /** -o / -oneline. */
  readonly oneline: boolean;
  /** -d / -details: `ip link show` and `ip addr show` print each device's attributes (link-details.ts). */
  readonly details?: boolean;
  /** -br / -brief. */
  readonly brief?: boolean;
  /** -j / -json, and -p / -pretty (which changes nothing without -json). */
  readonly json?: boolean;
  readonly pretty?: boolean;
  /** -s / -stats, counted: -s -s shows more. */
  readonly stats?: number;
  /** -c / -color[=always]: output is coloured (-color=auto never is: a scenario's stdout is no terminal). */
  readonly color?: boolean;
  /** -h / -human(-readable): counters in k, M, G...; -iec: in powers of 1024 ("ki"). */
  readonly human?: boolean;
  readonly iec?: boolean;
  /** -a / -all: `ip -all netns delete` and `ip -all netns exec` act on every named namespace. */
  readonly all?: boolean;
}

export class IpCtx {
  stdout = '';
  stderr = '';
  /** print_*: text, or JSON after -json. */
  readonly p: Printer;

  private constructor(
    private readonly w: World | undefined,
    private readonly here: Namespace | undefined,
    readonly opts: IpOptions,
  ) {
    this.p = new Printer({ json: opts.json ?? false, pretty: opts.pretty ?? false, color: (opts.color ?? false) && !(opts.json ?? false), oneline: opts.oneline }, (s) => {
      this.stdout += s;
    });
  }

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
