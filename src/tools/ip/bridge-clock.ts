/**
 * What `ip -d link show` reports of a Linux bridge that the simulator's switching does not need: the
 * kernel timers behind IFLA_BR_GC_TIMER and IFLA_BRPORT_FORWARD_DELAY_TIMER, and each port's number
 * (IFLA_BRPORT_NO). The model has none of them, so `ip` keeps a book per world and brings it up to
 * date after each command it runs (observeBridges): `ip` is what adds ports, raises and drops links,
 * and sets ageing_time in a scenario, and an `ip` command takes no virtual time, so every change is
 * seen at the virtual time it was made. A world changed by other means (a test through the netlink
 * API) is seen at the next `ip` command.
 *
 * Kernel facts (net/bridge, Linux 6.18, measured in kernel mode):
 * - gc_work (br_fdb_cleanup) is queued to run at once when ageing_time is set (br_set_ageing_time:
 *   mod_delayed_work(.., 0)), even on a bridge that is down; 1/10 s after the bridge comes up
 *   (br_stp_enable_bridge); it is cancelled when the bridge goes down (br_stp_disable_bridge). Each
 *   run re-queues itself after hold_time (ageing_time, STP being off), or sooner when a learned entry
 *   expires sooner, never sooner than 10 ms.
 * - A port is enabled (br_stp_enable_port → br_make_forwarding) when the bridge is up and the port is
 *   up with carrier; with STP off it goes straight to forwarding but still arms forward_delay_timer
 *   (forward_delay, 15 s). Disabling it (bridge down, port down, carrier lost) deletes the timer.
 * - A port takes the lowest free port number from 1 (find_portno).
 */
import { NS_PER_MS, NS_PER_SEC } from '../../sim/event-loop.js';
import type { DeviceState } from '../../sim/state.js';
import type { World } from '../../sim/world.js';
import { BR_AGEING_TIME, type FdbEntry } from '../../devices/bridge.js';
import { operState } from './link-format.js';

/** IFLA_BR_FORWARD_DELAY's default: 15 s. */
export const BR_FORWARD_DELAY = 15 * NS_PER_SEC;
/** br_stp_enable_bridge queues the first garbage collection HZ / 10 after the bridge comes up. */
const GC_AFTER_OPEN = 100 * NS_PER_MS;
/** br_fdb_cleanup: "Cleanup minimum 10 milliseconds apart". */
const GC_MIN_DELAY = 10 * NS_PER_MS;

interface BridgeClock {
  up: boolean;
  /** When gc_work first runs after it was last queued; undefined: not queued (cancelled, or never). */
  gcFrom: number | undefined;
}

interface PortClock {
  readonly bridge: number;
  readonly portNo: number;
  enabled: boolean;
  /** When forward_delay_timer expires; undefined: not armed. */
  forwardDelayUntil: number | undefined;
}

interface Book {
  readonly bridges: Map<number, BridgeClock>;
  /** By the port's device id. */
  readonly ports: Map<number, PortClock>;
}

const books = new WeakMap<World, Book>();

function bookOf(w: World): Book {
  let b = books.get(w);
  if (!b) books.set(w, (b = { bridges: new Map(), ports: new Map() }));
  return b;
}

/** br_stp_enable_port's condition: the bridge up, the port running with carrier (netif_oper_up). */
function portEnabled(bridge: DeviceState, port: DeviceState): boolean {
  const op = operState(port);
  return bridge.up && port.up && (op === 'UP' || op === 'UNKNOWN');
}

/** Brings the book up to date with the world as it is now (after an `ip` command). */
export function observeBridges(w: World): void {
  const book = bookOf(w);
  const now = w.loop.now;
  const bridges = new Map<number, DeviceState>();
  const ports: DeviceState[] = [];
  for (const id of w.deviceHome.keys()) {
    const d = w.device(id)?.dev;
    if (d?.kind === 'bridge') bridges.set(d.id, d);
  }
  for (const id of w.deviceHome.keys()) {
    const d = w.device(id)?.dev;
    if (d?.master !== undefined && bridges.has(d.master)) ports.push(d);
  }
  for (const id of book.bridges.keys()) if (!bridges.has(id)) book.bridges.delete(id);
  for (const [id, br] of bridges) {
    const c = book.bridges.get(id);
    if (!c) book.bridges.set(id, { up: br.up, gcFrom: br.up ? now + GC_AFTER_OPEN : undefined });
    else if (br.up !== c.up) {
      c.up = br.up;
      c.gcFrom = br.up ? now + GC_AFTER_OPEN : undefined;
    }
  }
  // br_del_if frees the number of a port that left (or moved to another bridge).
  const current = new Map(ports.map((p) => [p.id, p]));
  for (const [id, pc] of book.ports) if (current.get(id)?.master !== pc.bridge) book.ports.delete(id);
  // New ports, in ifindex order when several joined at once (only through another API than `ip`).
  for (const p of [...ports].sort((a, b) => a.ifindex - b.ifindex)) {
    const bridge = bridges.get(p.master as number) as DeviceState;
    let pc = book.ports.get(p.id);
    if (!pc) {
      const used = new Set([...book.ports.values()].filter((x) => x.bridge === bridge.id).map((x) => x.portNo));
      let n = 1;
      while (used.has(n)) n++;
      pc = { bridge: bridge.id, portNo: n, enabled: false, forwardDelayUntil: undefined };
      book.ports.set(p.id, pc);
    }
    const enabled = portEnabled(bridge, p);
    if (enabled !== pc.enabled) {
      pc.enabled = enabled;
      pc.forwardDelayUntil = enabled ? now + BR_FORWARD_DELAY : undefined;
    }
  }
}

/** br_set_ageing_time: the garbage collection runs at once and re-queues itself from there. */
export function noteAgeingSet(w: World, bridge: DeviceState): void {
  observeBridges(w);
  const c = bookOf(w).bridges.get(bridge.id);
  if (c) c.gcFrom = w.loop.now;
}

/** A port's number, state and forward_delay_timer, as the book has them. */
export function portClock(w: World, port: DeviceState): { portNo: number; forwarding: boolean; forwardDelayLeft: number } | undefined {
  const pc = bookOf(w).ports.get(port.id);
  if (!pc) return undefined;
  const left = pc.forwardDelayUntil === undefined ? 0 : Math.max(0, pc.forwardDelayUntil - w.loop.now);
  return { portNo: pc.portNo, forwarding: pc.enabled, forwardDelayLeft: left };
}

/**
 * How long until gc_work runs next (0: not queued). br_fdb_cleanup's schedule is replayed from the
 * moment it was queued: each run waits hold_time, or until the first learned entry it sees expires.
 * The model keeps only each entry's latest update, so a run before that update sees the entry as it
 * is now or not at all — the kernel may have re-queued sooner for an older update of it.
 */
export function gcTimerLeft(w: World, bridge: DeviceState, fdb: ReadonlyMap<string, FdbEntry> | undefined): number {
  const c = bookOf(w).bridges.get(bridge.id);
  if (!c || c.gcFrom === undefined) return 0;
  const now = w.loop.now;
  if (c.gcFrom > now) return c.gcFrom - now;
  const hold = bridge.bridgeAgeing ?? BR_AGEING_TIME;
  const learned = fdb ? [...fdb.values()] : [];
  let t = c.gcFrom;
  for (;;) {
    let delay = hold;
    for (const e of learned) {
      if (e.updated > t) continue;
      const expires = e.updated + hold;
      if (expires > t) delay = Math.min(delay, expires - t);
    }
    delay = Math.max(delay, GC_MIN_DELAY);
    // With every learned entry expired by now the schedule is periodic: skip to the last run before now.
    if (learned.every((e) => e.updated + hold <= t)) return t + Math.floor((now - t) / delay) * delay + delay - now;
    if (t + delay > now) return t + delay - now;
    t += delay;
  }
}
