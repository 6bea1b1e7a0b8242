// Parse functions never throw on malformed input: they return one of these.

export type WireLayer = 'ethernet' | 'arp' | 'ipv4' | 'icmp' | 'igmp' | 'udp' | 'vxlan' | 'pcap';

export type WireError =
  /** Fewer bytes than the header (or a length field inside it) requires. */
  | { readonly kind: 'truncated'; readonly layer: WireLayer; readonly need: number; readonly have: number }
  /** A field holds a value the format does not allow. */
  | { readonly kind: 'malformed'; readonly layer: WireLayer; readonly field: string; readonly value: number }
  /** Well-formed, but not something this decoder turns into a repr. */
  | { readonly kind: 'unsupported'; readonly layer: WireLayer; readonly field: string; readonly value: number }
  /** The stored checksum does not match the data. */
  | { readonly kind: 'checksum'; readonly layer: WireLayer; readonly stored: number; readonly computed: number };

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: WireError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(error: WireError): Result<T> {
  return { ok: false, error };
}

export function truncated<T = never>(layer: WireLayer, need: number, have: number): Result<T> {
  return fail({ kind: 'truncated', layer, need, have });
}

export function describeWireError(e: WireError): string {
  switch (e.kind) {
    case 'truncated':
      return `${e.layer}: truncated (need ${e.need} bytes, have ${e.have})`;
    case 'malformed':
      return `${e.layer}: malformed ${e.field} (${e.value})`;
    case 'unsupported':
      return `${e.layer}: unsupported ${e.field} (${e.value})`;
    case 'checksum':
      return `${e.layer}: bad checksum 0x${hex4(e.stored)} (expected 0x${hex4(e.computed)})`;
  }
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
