/**
 * tcpdump's filter expressions (pcap-filter(7)) for the primitives scenarios use: arp, ip, ip6, icmp,
 * igmp, udp, tcp, [src|dst] host A, [src|dst] net A/N, ether [src|dst] host M, vlan, broadcast,
 * multicast; combined with not/!, and/&&, or/||, and parentheses. Evaluated on the frame's bytes.
 */
import { parseIpv4, parseIpv4Cidr, inSubnet } from '../wire/ipv4.js';
import { parseMac } from '../wire/ethernet.js';
import { get16, get32 } from '../wire/bytes.js';

export type FrameFilter = (frame: Uint8Array) => boolean;

class FilterSyntaxError extends Error {}


/** Offset of the network header and its ethertype; tcpdump looks past a VLAN tag only after `vlan`. */
function l3(frame: Uint8Array, afterVlan: boolean): { off: number; type: number } {
  const t = get16(frame, 12);
  if (afterVlan && t === 0x8100) return { off: 18, type: get16(frame, 16) };
  return { off: 14, type: t };
}

type Dir = 'src' | 'dst' | 'either';

function hostMatch(dir: Dir, addr: number, len: number): (f: Uint8Array, v: boolean) => boolean {
  return (f, v) => {
    const { off, type } = l3(f, v);
    let s: number;
    let d: number;
    if (type === 0x0800 && f.length >= off + 20) (s = get32(f, off + 12)), (d = get32(f, off + 16));
    else if ((type === 0x0806 || type === 0x8035) && f.length >= off + 28) (s = get32(f, off + 14)), (d = get32(f, off + 24));
    else return false;
    const m = (x: number) => inSubnet(x, addr, len);
    return dir === 'src' ? m(s) : dir === 'dst' ? m(d) : m(s) || m(d);
  };
}

type Node = (f: Uint8Array, v: boolean) => boolean;

class Parser {
  private i = 0;
  constructor(private readonly t: readonly string[]) {}
  private peek(): string | undefined {
    return this.t[this.i];
  }
  private next(): string {
    const w = this.t[this.i++];
    if (w === undefined) throw new FilterSyntaxError('syntax error');
    return w;
  }
  parse(): Node {
    const n = this.or();
    if (this.i < this.t.length) throw new FilterSyntaxError(`syntax error in filter expression`);
    return n;
  }
  private or(): Node {
    let n = this.and();
    while (this.peek() === 'or' || this.peek() === '||') {
      this.i++;
      const a = n;
      const b = this.and();
      n = (f, v) => a(f, v) || b(f, v);
    }
    return n;
  }
  private and(): Node {
    let n = this.not();
    while (this.peek() === 'and' || this.peek() === '&&') {
      this.i++;
      const a = n;
      const b = this.not();
      n = (f, v) => a(f, v) && b(f, v);
    }
    return n;
  }
  private not(): Node {
    if (this.peek() === 'not' || this.peek() === '!') {
      this.i++;
      const a = this.not();
      return (f, v) => !a(f, v);
    }
    return this.primary();
  }
  private proto(type: number, ipProto?: number): Node {
    return (f, v) => {
      const { off, type: t } = l3(f, v);
      if (t !== type) return false;
      return ipProto === undefined || f[off + 9] === ipProto;
    };
  }
  private primary(): Node {
    const w = this.next();
    if (w === '(') {
      const n = this.or();
      if (this.next() !== ')') throw new FilterSyntaxError('syntax error: missing )');
      return n;
    }
    switch (w) {
      case 'arp':
        return this.proto(0x0806);
      case 'ip':
        return this.proto(0x0800);
      case 'ip6':
        return this.proto(0x86dd);
      case 'icmp':
        return this.proto(0x0800, 1);
      case 'igmp':
        return this.proto(0x0800, 2);
      case 'tcp':
        return this.proto(0x0800, 6);
      case 'udp':
        return this.proto(0x0800, 17);
      case 'vlan': {
        const id = this.peek() !== undefined && /^\d+$/.test(this.peek() as string) ? Number(this.next()) : undefined;
        // After `vlan`, the rest of the expression looks inside the tag (tcpdump's offset shift).
        return (f) => get16(f, 12) === 0x8100 && (id === undefined || (get16(f, 14) & 0xfff) === id);
      }
      case 'broadcast':
        return (f) => f.subarray(0, 6).every((b) => b === 0xff);
      case 'multicast':
        return (f) => ((f[0] as number) & 1) === 1;
      case 'ether': {
        let dir: Dir = 'either';
        if (this.peek() === 'src' || this.peek() === 'dst') dir = this.next() as Dir;
        if (this.next() !== 'host') throw new FilterSyntaxError('syntax error: ether needs host');
        const mac = parseMac(this.next());
        if (mac === null) throw new FilterSyntaxError('bad MAC address');
        const bytes = Uint8Array.from(mac.split(':'), (h) => parseInt(h, 16));
        const at = (f: Uint8Array, o: number) => bytes.every((b, i) => f[o + i] === b);
        return (f) => (dir === 'src' ? at(f, 6) : dir === 'dst' ? at(f, 0) : at(f, 0) || at(f, 6));
      }
      case 'src':
      case 'dst':
      case 'host':
      case 'net': {
        let dir: Dir = 'either';
        let kind: string = w;
        if (w === 'src' || w === 'dst') {
          dir = w;
          kind = this.peek() === 'host' || this.peek() === 'net' ? this.next() : 'host';
        }
        const arg = this.next();
        if (kind === 'host') {
          const a = parseIpv4(arg);
          if (a === null) throw new FilterSyntaxError(`unknown host '${arg}'`);
          return hostMatch(dir, a, 32);
        }
        const c = parseIpv4Cidr(arg);
        if (c === null) throw new FilterSyntaxError(`bad net '${arg}'`);
        return hostMatch(dir, c.addr, c.prefixLen);
      }
      default:
        throw new FilterSyntaxError(`unsupported filter primitive '${w}'`);
    }
  }
}

/** Splits "(arp" and "icmp)" as tcpdump's lexer does. */
function tokens(words: readonly string[]): string[] {
  return words.join(' ').replace(/([()])/g, ' $1 ').split(/\s+/).filter(Boolean);
}

export function compileFilter(words: readonly string[]): FrameFilter | { error: string } {
  if (words.length === 0) return () => true;
  try {
    const n = new Parser(tokens(words)).parse();
    const usesVlan = tokens(words).includes('vlan');
    return (f) => n(f, usesVlan);
  } catch (e) {
    if (e instanceof FilterSyntaxError) return { error: e.message };
    throw e;
  }
}
