/**
 * What happened to every frame, stage by stage, and why anything was dropped. Stages carry the names
 * of the kernel functions they model (veth_xmit, arp_process, ip_route_input, ...); drop reasons are
 * the kernel's SKB_DROP_REASON_* names. Drops are always recorded; the per-stage path only when asked
 * (`--explain`, the terminal UI), so the hot path stays cheap.
 */
export type DropReason =
  | 'NOT_SPECIFIED'
  | 'OTHERHOST'
  | 'DEV_READY'
  | 'UNHANDLED_PROTO'
  | 'PKT_TOO_BIG'
  | 'IP_CSUM'
  | 'IP_INHDR'
  | 'IP_LOCAL_SOURCE'
  | 'IP_RPFILTER'
  | 'IP_INVALID_SOURCE'
  | 'IP_INADDRERRORS'
  | 'IP_INNOROUTES'
  | 'IP_OUTNOROUTES'
  | 'IP_INVALID_DEST'
  | 'IP_NOPROTO'
  | 'NEIGH_FAILED'
  | 'NEIGH_QUEUEFULL'
  | 'NEIGH_DEAD'
  | 'ARP_IGNORE'
  | 'ARP_FILTER'
  | 'ICMP_IGNORED_BROADCAST'
  | 'SOCKET_FILTER'
  | 'NO_SOCKET'
  | 'TTL_EXPIRED'
  | 'FRAG_REASM_TIMEOUT'
  | 'FRAG_TOO_FAR'
  | 'DEV_HDR'
  | 'NOCARRIER'
  | 'STORM_GUARD';

export interface TraceEvent {
  /** Virtual time, ns. */
  readonly t: number;
  /** Namespace name ('' is the script's own) and device, where it happened. */
  readonly ns: string;
  readonly dev: string | undefined;
  readonly stage: string;
  readonly what: string;
  readonly drop?: DropReason;
}

export class Trace {
  readonly events: TraceEvent[] = [];
  constructor(public detailed: boolean) {}

  step(t: number, ns: string, dev: string | undefined, stage: string, what: string): void {
    if (this.detailed) this.events.push({ t, ns, dev, stage, what });
  }

  drop(t: number, ns: string, dev: string | undefined, stage: string, reason: DropReason, what: string): void {
    this.events.push({ t, ns, dev, stage, what, drop: reason });
  }

  get drops(): TraceEvent[] {
    return this.events.filter((e) => e.drop !== undefined);
  }
}

export function formatTraceEvent(e: TraceEvent): string {
  const secs = (e.t / 1e9).toFixed(6);
  const where = `${e.ns === '' ? '' : `${e.ns}/`}${e.dev ?? '-'}`;
  return `${secs} ${where.padEnd(16)} ${e.stage.padEnd(22)} ${e.drop ? `DROP ${e.drop}: ` : ''}${e.what}`;
}
