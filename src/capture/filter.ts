/**
 * tcpdump's capture filters (pcap-filter(7), libpcap 1.10): the expression is read with libpcap's
 * grammar — and/or of equal precedence, left to right; `not`; parentheses; qualifiers (ether, ip,
 * arp, rarp; src, dst, src or dst, src and dst; host, net, proto) carried over to a bare address
 * after and/or (`host A and not B`); arp, rarp, ip, ip6, icmp, igmp, udp, tcp; [src|dst] host A,
 * [src|dst] net A/N|A mask M|A.B.C; ether [src|dst] [host] M; ether|ip proto N; broadcast,
 * multicast (ether's; ip multicast); vlan [N]; less/greater N; and relations
 * over packet bytes, `icmp[icmptype] == icmp-echo`, `ip[8] < 64`, `ether[0] & 1 != 0`, `len > 60`.
 * It is evaluated as the kernel's BPF program would run it on the bytes of each frame.
 *
 * Two things depend on where the packet was seen, as on Linux:
 * - A received 802.1Q frame has its tag moved out of the data before any tap sees it
 *   (skb_vlan_untag in __netif_receive_skb_core). The program then sees the untagged frame, and
 *   `vlan` tests the tag kept beside it (SKF_AD_VLAN_TAG_PRESENT) — so `arp` matches a tagged ARP
 *   frame received, and not one sent (its tag is still in the data). tcpdump prints it tagged
 *   either way: libpcap puts the tag back for the printer. Measured with captures on both ends of
 *   an OVS trunk port (see scenarios/tcpdump-filter-vlan.yaml).
 * - A tag found in the data instead moves every later test 4 bytes further (libpcap patches the
 *   offsets at run time for a live capture, at compile time for a file).
 *
 * A filter libpcap would reject is reported with libpcap's own message (`error`), as tcpdump
 * prints it; a primitive this module does not model is `unsupported`, and the scenario is refused.
 * libpcap's optimizer also turns a filter no packet can pass into "expression rejects all
 * packets"; which contradictions it notices is its own business, so a filter for which no packet
 * is found to pass (see `findWitness`) is refused rather than guessed at.
 */
export type CaptureDirection = 'in' | 'out';
export type FrameFilter = (frame: Uint8Array, dir: CaptureDirection) => boolean;

/** The filter of a capture with no expression: every frame passes (readers may skip calling it). */
export const EVERY_FRAME: FrameFilter = () => true;

export type FilterCompile =
  | { readonly ok: true; readonly filter: FrameFilter }
  /** libpcap refused the expression: tcpdump prints "tcpdump: " + message and exits 1. */
  | { readonly ok: false; readonly kind: 'error'; readonly message: string }
  /** The expression uses something not modelled here. */
  | { readonly ok: false; readonly kind: 'unsupported'; readonly reason: string };

export interface FilterOptions {
  /**
   * A live capture on Linux (the default): tags of received frames are metadata, and `vlan`
   * shifts offsets at run time. False: a pcap file, as `tcpdump -r` reads it.
   */
  readonly live?: boolean;
}

/** libpcap's own refusal, with its text. */
class PcapError extends Error {}
/** Not modelled here. */
class Unsupported extends Error {}
/** A load past the end of the packet: the BPF program returns 0 at once. */
class Reject extends Error {}

const ETHERTYPE_IP = 0x0800;
const ETHERTYPE_ARP = 0x0806;
const ETHERTYPE_REVARP = 0x8035;
const ETHERTYPE_IPV6 = 0x86dd;
const VLAN_TPIDS = [0x8100, 0x88a8, 0x9100];

// ------------------------------------------------------------------ lexer

type Tok =
  | { readonly t: 'kw'; readonly v: string }
  | { readonly t: 'num'; readonly v: number }
  | { readonly t: 'hid'; readonly v: string }
  | { readonly t: 'eid'; readonly v: string }
  | { readonly t: 'id'; readonly v: string }
  | { readonly t: 'op'; readonly v: string };

/** scanner.l's keywords this module implements (others are refused, see UNSUPPORTED_KEYWORDS). */
const KEYWORDS: Readonly<Record<string, string>> = {
  dst: 'dst',
  src: 'src',
  link: 'link',
  ether: 'link',
  arp: 'arp',
  rarp: 'rarp',
  ip: 'ip',
  tcp: 'tcp',
  udp: 'udp',
  icmp: 'icmp',
  igmp: 'igmp',
  ip6: 'ip6',
  host: 'host',
  net: 'net',
  mask: 'mask',
  proto: 'proto',
  less: 'less',
  greater: 'greater',
  broadcast: 'broadcast',
  multicast: 'multicast',
  and: 'and',
  or: 'or',
  not: '!',
  len: 'len',
  length: 'len',
  inbound: 'inbound',
  outbound: 'outbound',
  vlan: 'vlan',
};

/** Keywords libpcap has that name things this simulator never sends or does not model. */
const UNSUPPORTED_KEYWORDS = new Set(
  (
    'ppp slip fddi tr wlan sctp igrp pim vrrp carp radio icmp6 ah esp atalk aarp decnet lat sca moprc mopdl iso esis es-is ' +
    'isis is-is l1 l2 iih lsp snp csnp psnp clnp stp ipx netbeui port portrange protochain gateway type subtype direction ' +
    'dir address1 addr1 address2 addr2 address3 addr3 address4 addr4 ra ta byte ifindex mpls pppoed pppoes geneve lane llc ' +
    'metac bcc oam oamf4 oamf4ec oamf4sc sc ilmic vpi vci connectmsg metaconnect on ifname rset ruleset rnr rulenum srnr ' +
    'subrulenum reason action fisu lssu lsu msu hfisu hlssu hmsu sio opc dpc sls hsio hopc hdpc hsls'
  ).split(' '),
);

/** scanner.l's named constants, which it returns as numbers. */
const NAMED_NUMBERS: Readonly<Record<string, number>> = {
  icmptype: 0,
  icmpcode: 1,
  'icmp-echoreply': 0,
  'icmp-unreach': 3,
  'icmp-sourcequench': 4,
  'icmp-redirect': 5,
  'icmp-echo': 8,
  'icmp-routeradvert': 9,
  'icmp-routersolicit': 10,
  'icmp-timxceed': 11,
  'icmp-paramprob': 12,
  'icmp-tstamp': 13,
  'icmp-tstampreply': 14,
  'icmp-ireq': 15,
  'icmp-ireqreply': 16,
  'icmp-maskreq': 17,
  'icmp-maskreply': 18,
  tcpflags: 13,
  'tcp-fin': 0x01,
  'tcp-syn': 0x02,
  'tcp-rst': 0x04,
  'tcp-push': 0x08,
  'tcp-ack': 0x10,
  'tcp-urg': 0x20,
  'tcp-ece': 0x40,
  'tcp-cwr': 0x80,
};

const B = '[0-9A-Fa-f][0-9A-Fa-f]?';
const MAC_RE = new RegExp(`^(?:${B}:${B}:${B}:${B}:${B}:${B}|${B}-${B}-${B}-${B}-${B}-${B}|${B}\\.${B}\\.${B}\\.${B}\\.${B}\\.${B}|[0-9A-Fa-f]{4}\\.[0-9A-Fa-f]{4}\\.[0-9A-Fa-f]{4}|[0-9A-Fa-f]{12})`);
const BOGUS_MAC_RE = new RegExp(`^${B}:+(?:${B}:+)+`);
const NUM_RE = /^(?:0[xX][0-9A-Fa-f]+|[0-9]+)/;
const HID_RE = /^(?:0[xX][0-9A-Fa-f]+|[0-9]+)(?:\.(?:0[xX][0-9A-Fa-f]+|[0-9]+)){1,3}/;
const ID_RE = /^[A-Za-z0-9](?:[-_.A-Za-z0-9]*[.A-Za-z0-9])?/;
const OPS = ['>=', '<=', '!=', '==', '<<', '>>', '&&', '||', '+', '-', '*', '/', '%', ':', '[', ']', '!', '<', '>', '(', ')', '&', '|', '^', '='];

/** stou: a decimal, 0x hex or 0-led octal number, as scanner.l reads it. */
function stou(text: string): number {
  if (/^0[xX]/.test(text)) return parseInt(text.slice(2), 16);
  if (/^0[0-7]*$/.test(text) && text.length > 1) return parseInt(text, 8);
  if (/^0/.test(text) && text.length > 1) throw new PcapError(`number ${text} contains non-octal digit`);
  const n = Number(text);
  if (n > 0xffffffff) throw new PcapError(`number ${text} overflows 32 bits`);
  return n;
}

/** flex's longest match over scanner.l's rules (earlier rules win ties). */
function lex(text: string): Tok[] {
  const out: Tok[] = [];
  let s = text;
  while (s.length > 0) {
    const ws = /^[ \r\n\t]+/.exec(s);
    if (ws) {
      s = s.slice(ws[0].length);
      continue;
    }
    if (s[0] === '\\') {
      const m = /^\\[^ !()\n\t]+/.exec(s);
      if (m) {
        out.push({ t: 'id', v: m[0].slice(1) });
        s = s.slice(m[0].length);
        continue;
      }
    }
    const cands: Array<{ len: number; tok: () => Tok }> = [];
    const id = ID_RE.exec(s)?.[0];
    if (id !== undefined) {
      const kw = KEYWORDS[id];
      if (kw !== undefined) cands.push({ len: id.length, tok: () => (kw === '!' ? { t: 'op', v: '!' } : { t: 'kw', v: kw }) });
      else if (UNSUPPORTED_KEYWORDS.has(id)) cands.push({ len: id.length, tok: () => ({ t: 'kw', v: id }) });
      else if (NAMED_NUMBERS[id] !== undefined) cands.push({ len: id.length, tok: () => ({ t: 'num', v: NAMED_NUMBERS[id] as number }) });
    }
    const op = OPS.find((o) => s.startsWith(o));
    if (op !== undefined) cands.push({ len: op.length, tok: () => ({ t: 'op', v: op === '==' ? '=' : op === '&&' ? 'and' : op === '||' ? 'or' : op }) });
    const mac = MAC_RE.exec(s)?.[0];
    if (mac !== undefined) cands.push({ len: mac.length, tok: () => ({ t: 'eid', v: mac }) });
    const num = NUM_RE.exec(s)?.[0];
    if (num !== undefined) cands.push({ len: num.length, tok: () => ({ t: 'num', v: stou(num) }) });
    const hid = HID_RE.exec(s)?.[0];
    if (hid !== undefined) cands.push({ len: hid.length, tok: () => ({ t: 'hid', v: hid }) });
    const bogus = BOGUS_MAC_RE.exec(s)?.[0];
    if (bogus !== undefined) cands.push({ len: bogus.length, tok: () => { throw new PcapError(`bogus ethernet address ${bogus}`); } });
    if (id !== undefined) cands.push({ len: id.length, tok: () => ({ t: 'id', v: id }) });
    if (/^[0-9A-Fa-f]*::/.test(s) || /^(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}/.test(s)) {
      throw new Unsupported('IPv6 addresses in filters are not simulated (IPv6 is off in every simulated namespace)');
    }
    if (cands.length === 0) throw new PcapError("can't parse filter expression: syntax error");
    const best = cands.reduce((a, c) => (c.len > a.len ? c : a));
    out.push(best.tok());
    s = s.slice(best.len);
  }
  return out;
}

// ------------------------------------------------------------------ evaluation

/** What the BPF program runs on: the bytes it sees, the tag beside them, the direction. */
interface View {
  readonly d: Uint8Array;
  readonly vlanTci: number | undefined;
  readonly outgoing: boolean;
}

/** Run-time state: the offset libpcap's code adds after a `vlan` found its tag in the data. */
interface Ctx {
  dyn: number;
}

type Pred = (p: View, c: Ctx) => boolean;
type Arith = { readonly value: (p: View, c: Ctx) => number; readonly check: Pred | undefined; readonly constant?: number };

function load(p: View, off: number, size: number): number {
  if (off < 0 || off + size > p.d.length) throw new Reject();
  const d = p.d;
  if (size === 1) return d[off] as number;
  if (size === 2) return ((d[off] as number) << 8) | (d[off + 1] as number);
  return (((d[off] as number) << 24) | ((d[off + 1] as number) << 16) | ((d[off + 2] as number) << 8) | (d[off + 3] as number)) >>> 0;
}

const and = (a: Pred, b: Pred): Pred => (p, c) => a(p, c) && b(p, c);
const or = (a: Pred, b: Pred): Pred => (p, c) => a(p, c) || b(p, c);
const not = (a: Pred): Pred => (p, c) => !a(p, c);

// ------------------------------------------------------------------ parser

type ProtoQ = 'default' | 'link' | 'ip' | 'arp' | 'rarp' | 'ip6' | 'icmp' | 'igmp' | 'udp' | 'tcp';
type DirQ = 'default' | 'src' | 'dst' | 'or' | 'and';
type AddrQ = 'default' | 'host' | 'net' | 'proto';
interface Qual {
  readonly proto: ProtoQ;
  readonly dir: DirQ;
  readonly addr: AddrQ;
}
/** libpcap's qerr: a bare address after it is a syntax error. */
const QERR = undefined;
type MaybeQual = Qual | typeof QERR;

const PNAMES: ReadonlySet<string> = new Set(['link', 'ip', 'arp', 'rarp', 'ip6', 'icmp', 'igmp', 'udp', 'tcp']);
/** IP protocol numbers of the transport pnames. */
const TRANSPORT: Readonly<Record<string, number>> = { icmp: 1, igmp: 2, tcp: 6, udp: 17 };
/** pcap_nametoeproto / pcap_nametoproto for the names this module knows. */
const ETHER_PROTO_NAMES: Readonly<Record<string, number>> = { ip: 0x0800, ip6: 0x86dd, arp: 0x0806, rarp: 0x8035 };
const IP_PROTO_NAMES: Readonly<Record<string, number>> = { icmp: 1, igmp: 2, tcp: 6, udp: 17 };

/** The addresses, MACs, VLAN ids and numbers a filter names: what a witness is built from. */
interface FilterConstants {
  readonly addrs: Set<number>;
  readonly macs: Set<string>;
  readonly vids: Set<number>;
  readonly numbers: Set<number>;
  /** The filter compares the packet's length (len, less, greater): witnesses are padded to its numbers. */
  usesLength: boolean;
  /** How many `vlan` primitives: two look for a tag inside a tag. */
  vlans: number;
  /** Fields the filter reads at a fixed place (`ip[6:2]`, `icmp[4]`): a witness may need them set. */
  readonly probes: Array<{ readonly proto: ProtoQ; readonly off: number; readonly size: number }>;
}

class Parser {
  private i = 0;
  /** Bytes every later test is moved by at compile time: one tag per `vlan` compiled without the BPF extension. */
  private staticShift = 0;
  private vlans = 0;
  readonly constants: FilterConstants = { addrs: new Set(), macs: new Set(), vids: new Set(), numbers: new Set(), usesLength: false, vlans: 0, probes: [] };

  constructor(
    private readonly t: readonly Tok[],
    private readonly live: boolean,
  ) {}

  private peek(k = 0): Tok | undefined {
    return this.t[this.i + k];
  }
  private isOp(v: string, k = 0): boolean {
    const x = this.peek(k);
    return x !== undefined && x.t === 'op' && x.v === v;
  }
  private isKw(v: string, k = 0): boolean {
    const x = this.peek(k);
    return x !== undefined && x.t === 'kw' && x.v === v;
  }
  private syntax(): never {
    throw new PcapError("can't parse filter expression: syntax error");
  }
  private expectOp(v: string): void {
    if (!this.isOp(v)) this.syntax();
    this.i++;
  }

  parse(): Pred {
    if (this.t.length === 0) return () => true;
    const { pred } = this.expr(QERR);
    if (this.i < this.t.length) this.syntax();
    return pred;
  }

  private isAndOr(): 'and' | 'or' | undefined {
    const x = this.peek();
    if (x && (x.t === 'kw' || x.t === 'op') && (x.v === 'and' || x.v === 'or')) return x.v;
    return undefined;
  }

  /** expr: term ((and|or) (term|id))* — equal precedence, left to right. */
  private expr(inherited: MaybeQual): { pred: Pred; q: MaybeQual } {
    let { pred, q } = this.term(inherited);
    for (let op = this.isAndOr(); op !== undefined; op = this.isAndOr()) {
      this.i++;
      const right = this.startsId() ? this.id(q) : this.term(q);
      pred = op === 'and' ? and(pred, right.pred) : or(pred, right.pred);
      q = right.q;
    }
    return { pred, q };
  }

  /** After and/or: is what follows a bare address (which takes the qualifiers on its left)? */
  private startsId(): boolean {
    let k = 0;
    while (this.isOp('!', k) || this.isOp('(', k)) k++;
    const x = this.peek(k);
    if (x === undefined) return false;
    if (x.t === 'hid' || x.t === 'eid' || x.t === 'id') return true;
    if (x.t === 'num') {
      const next = this.peek(k + 1);
      // A number starting a relation ("8 = icmp[0]") is arithmetic.
      return !(next && next.t === 'op' && ['>', '<', '>=', '<=', '=', '!=', '+', '-', '*', '/', '%', '&', '|', '^', '<<', '>>'].includes(next.v));
    }
    return false;
  }

  /** term: not term | rterm. */
  private term(inherited: MaybeQual): { pred: Pred; q: MaybeQual } {
    if (this.isOp('!')) {
      this.i++;
      const r = this.term(inherited);
      return { pred: not(r.pred), q: r.q };
    }
    return this.rterm(inherited);
  }

  private rterm(inherited: MaybeQual): { pred: Pred; q: MaybeQual } {
    const x = this.peek();
    if (x === undefined) this.syntax();
    if (x.t === 'op' && x.v === '(') {
      // '(' starts an expression or a parenthesised arithmetic operand: try the relation first.
      const save = this.i;
      const saved = this.staticShift;
      try {
        return { pred: this.relation(), q: QERR };
      } catch (e) {
        if (!(e instanceof PcapError)) throw e;
        this.i = save;
        this.staticShift = saved;
      }
      this.i++;
      const r = this.expr(inherited);
      this.expectOp(')');
      return { pred: r.pred, q: inherited };
    }
    if (x.t === 'kw') {
      if (UNSUPPORTED_KEYWORDS.has(x.v)) throw new Unsupported(`the filter primitive '${x.v}' is not simulated`);
      if (PNAMES.has(x.v) && this.isOp('[', 1)) return { pred: this.relation(), q: QERR };
      if (x.v === 'len') return { pred: this.relation(), q: QERR };
      const other = this.other();
      if (other) return { pred: other, q: QERR };
      const head = this.head();
      if (head) return { pred: this.id(head.q).pred, q: head.q };
      if (PNAMES.has(x.v)) {
        this.i++;
        return { pred: this.protoAbbrev(x.v as ProtoQ), q: QERR };
      }
      this.syntax();
    }
    if (x.t === 'num' || (x.t === 'op' && x.v === '-')) return { pred: this.relation(), q: QERR };
    this.syntax();
  }

  /** head: pqual dqual aqual | pqual dqual | pqual aqual | pqual PROTO; undefined if none is here. */
  private head(): { q: Qual } | undefined {
    const start = this.i;
    let proto: ProtoQ = 'default';
    const x = this.peek();
    if (x?.t === 'kw' && PNAMES.has(x.v)) {
      proto = x.v as ProtoQ;
      this.i++;
    }
    let dir: DirQ | undefined;
    if (this.isKw('src') || this.isKw('dst')) {
      const first = (this.peek() as { v: string }).v;
      this.i++;
      dir = first as DirQ;
      const conj = this.isAndOr();
      if (conj !== undefined && (this.isKw('src', 1) || this.isKw('dst', 1)) && (this.peek(1) as { v: string }).v !== first) {
        this.i += 2;
        dir = conj;
      }
    }
    let addr: AddrQ | undefined;
    if (this.isKw('host') || this.isKw('net')) {
      addr = (this.peek() as { v: string }).v as AddrQ;
      this.i++;
    } else if (dir === undefined && this.isKw('proto')) {
      addr = 'proto';
      this.i++;
    }
    if (dir === undefined && addr === undefined) {
      this.i = start;
      return undefined;
    }
    return { q: { proto, dir: dir ?? 'default', addr: addr ?? 'default' } };
  }

  /** id: an address (HID, HID/NUM, HID mask HID, NUM, MAC, name), `not id`, or `( id (and|or id)* )`. */
  private id(q: MaybeQual): { pred: Pred; q: MaybeQual } {
    if (this.isOp('!')) {
      this.i++;
      const r = this.id(q);
      return { pred: not(r.pred), q: r.q };
    }
    if (this.isOp('(')) {
      this.i++;
      let { pred } = this.id(q);
      for (let op = this.isAndOr(); op !== undefined; op = this.isAndOr()) {
        this.i++;
        const r = this.id(q);
        pred = op === 'and' ? and(pred, r.pred) : or(pred, r.pred);
      }
      this.expectOp(')');
      return { pred, q };
    }
    const x = this.peek();
    if (x === undefined) this.syntax();
    this.i++;
    if (q === QERR) this.syntax();
    switch (x.t) {
      case 'num':
        return { pred: this.ncode(undefined, x.v, q), q };
      case 'hid': {
        if (this.isOp('/')) {
          this.i++;
          const n = this.peek();
          if (n?.t !== 'num') this.syntax();
          this.i++;
          return { pred: this.mcode(x.v, undefined, n.v, q), q };
        }
        if (this.isKw('mask')) {
          this.i++;
          const m = this.peek();
          if (m?.t !== 'hid') this.syntax();
          this.i++;
          return { pred: this.mcode(x.v, m.v, 0, q), q };
        }
        if (q.addr === 'proto') throw new PcapError("'proto' modifier applied to ip host");
        return { pred: this.ncode(x.v, 0, q), q };
      }
      case 'eid':
        return { pred: this.ecode(x.v, q), q };
      case 'id':
        return { pred: this.scode(x.v, q), q };
      default:
        this.syntax();
    }
  }

  // ---------------------------------------------------------------- primitives

  /** The link-layer type test (gen_linktype): the ethertype at 12, moved by tags found so far. */
  private linktype(type: number): Pred {
    const s = this.staticShift;
    return (p, c) => load(p, 12 + s + c.dyn, 2) === type;
  }

  /** A load relative to the link-layer payload (the network header). */
  private nl(): (p: View, c: Ctx) => number {
    const s = this.staticShift;
    return (_p, c) => 14 + s + c.dyn;
  }

  private ipProto(proto: number): Pred {
    const at = this.nl();
    return and(this.linktype(ETHERTYPE_IP), (p, c) => load(p, at(p, c) + 9, 1) === proto);
  }

  private ip6Proto(proto: number): Pred {
    const at = this.nl();
    return and(this.linktype(ETHERTYPE_IPV6), (p, c) => load(p, at(p, c) + 6, 1) === proto);
  }

  /** gen_proto_abbrev for the names alone: `ip`, `arp`, `icmp`, ... */
  private protoAbbrev(name: ProtoQ): Pred {
    switch (name) {
      case 'ip':
        return this.linktype(ETHERTYPE_IP);
      case 'arp':
        return this.linktype(ETHERTYPE_ARP);
      case 'rarp':
        return this.linktype(ETHERTYPE_REVARP);
      case 'ip6':
        return this.linktype(ETHERTYPE_IPV6);
      case 'icmp':
        return this.ipProto(1);
      case 'igmp':
        return this.ipProto(2);
      case 'tcp':
      case 'udp':
        return or(this.ipProto(TRANSPORT[name] as number), this.ip6Proto(TRANSPORT[name] as number));
      case 'link':
      case 'default':
        this.syntax();
    }
  }

  /** broadcast, multicast (with their qualifier), less, greater, vlan, inbound, outbound. */
  private other(): Pred | undefined {
    const start = this.i;
    let proto: ProtoQ = 'default';
    const x = this.peek();
    if (x?.t === 'kw' && PNAMES.has(x.v) && (this.isKw('broadcast', 1) || this.isKw('multicast', 1))) {
      proto = x.v as ProtoQ;
      this.i++;
    }
    if (this.isKw('broadcast')) {
      this.i++;
      if (proto === 'default' || proto === 'link') return (p) => load(p, 0, 4) === 0xffffffff && load(p, 4, 2) === 0xffff;
      if (proto === 'ip') throw new Unsupported("'ip broadcast' depends on the capture device's netmask, which is not simulated");
      throw new PcapError('only link-layer/IP broadcast filters supported');
    }
    if (this.isKw('multicast')) {
      this.i++;
      if (proto === 'default' || proto === 'link') return (p) => (load(p, 0, 1) & 1) === 1;
      if (proto === 'ip') {
        const at = this.nl();
        return and(this.linktype(ETHERTYPE_IP), (p, c) => load(p, at(p, c) + 16, 1) >= 224);
      }
      throw new Unsupported(`'${proto} multicast' is not simulated`);
    }
    this.i = start;
    if (this.isKw('less') || this.isKw('greater')) {
      const less = this.isKw('less');
      this.i++;
      const n = this.peek();
      if (n?.t !== 'num') this.syntax();
      this.i++;
      this.constants.numbers.add(n.v);
      this.constants.usesLength = true;
      return less ? (p) => !(p.d.length > n.v) : (p) => p.d.length >= n.v;
    }
    if (this.isKw('inbound') || this.isKw('outbound')) {
      // Measured: a live capture loses the first packets that match. libpcap filters the packets of its
      // first ring block in userland, whose BPF cannot read SKF_AD_PKTTYPE, and rejects them; how many
      // there are depends on timing. (-Q in|out filters by direction in userland and loses nothing.)
      throw new Unsupported(`the filter primitive '${(this.peek() as { v: string }).v}' is not simulated: libpcap drops the first matching packets of a live capture, as many as timing puts in its first ring block (use -Q in|out)`);
    }
    if (this.isKw('vlan')) {
      this.i++;
      let vid: number | undefined;
      const n = this.pnum();
      if (n !== undefined) {
        if (n > 4095) throw new PcapError(`VLAN tag ${n} greater than maximum 4095`);
        vid = n;
        this.constants.vids.add(n);
      }
      return this.vlan(vid);
    }
    return undefined;
  }

  /** pnum: NUM | '(' pnum ')'; undefined (nothing consumed) if no number is here. */
  private pnum(): number | undefined {
    let k = 0;
    while (this.isOp('(', k)) k++;
    const x = this.peek(k);
    if (x?.t !== 'num') return undefined;
    for (let j = 0; j < k; j++) if (!this.isOp(')', k + 1 + j)) return undefined;
    this.i += 2 * k + 1;
    return x.v;
  }

  /**
   * gen_vlan: the first `vlan` of a live capture tests the tag beside the data when there is one
   * (no shift), or else one in the data — and from there on every test looks 4 bytes further.
   * Later ones, and all of a file's, test the data and shift at compile time.
   */
  private vlan(vid: number | undefined): Pred {
    this.constants.vlans++;
    const s = this.staticShift;
    const inData: Pred = (p, c) => {
      const at = 12 + s + c.dyn;
      return VLAN_TPIDS.includes(load(p, at, 2)) && (vid === undefined || (load(p, at + 2, 2) & 0x0fff) === vid);
    };
    if (this.live && this.vlans++ === 0) {
      return (p, c) => {
        if (p.vlanTci !== undefined) return vid === undefined || (p.vlanTci & 0x0fff) === vid;
        // The offset update runs before the test, whatever the test finds.
        const before = c.dyn;
        c.dyn += 4;
        const r = { ...c, dyn: before };
        return inData(p, r);
      };
    }
    this.vlans++;
    this.staticShift += 4;
    return inData;
  }

  /** gen_host: an IPv4 address (with mask) in the IP, ARP or RARP header, or any of them by default. */
  private host(addr: number, mask: number, proto: ProtoQ, dir: DirQ, type: 'host' | 'net'): Pred {
    this.constants.addrs.add(addr);
    switch (proto) {
      case 'default':
        return or(or(this.host(addr, mask, 'ip', dir, type), this.host(addr, mask, 'arp', dir, type)), this.host(addr, mask, 'rarp', dir, type));
      case 'link':
        throw new PcapError(`link-layer modifier applied to ${type}`);
      case 'ip':
        return this.hostop(addr, mask, dir, ETHERTYPE_IP, 12, 16);
      case 'arp':
        return this.hostop(addr, mask, dir, ETHERTYPE_ARP, 14, 24);
      case 'rarp':
        return this.hostop(addr, mask, dir, ETHERTYPE_REVARP, 14, 24);
      case 'ip6':
        throw new PcapError("'ip6' modifier applied to ip host");
      default:
        throw new PcapError(`'${proto}' modifier applied to ${type}`);
    }
  }

  private hostop(addr: number, mask: number, dir: DirQ, ethertype: number, srcOff: number, dstOff: number): Pred {
    if (dir === 'and') return and(this.hostop(addr, mask, 'src', ethertype, srcOff, dstOff), this.hostop(addr, mask, 'dst', ethertype, srcOff, dstOff));
    if (dir === 'or' || dir === 'default') return or(this.hostop(addr, mask, 'src', ethertype, srcOff, dstOff), this.hostop(addr, mask, 'dst', ethertype, srcOff, dstOff));
    const off = dir === 'src' ? srcOff : dstOff;
    const at = this.nl();
    return and(this.linktype(ethertype), (p, c) => ((load(p, at(p, c) + off, 4) & mask) >>> 0) === ((addr & mask) >>> 0));
  }

  /** gen_ncode: a number or dotted address, as a host, net or protocol. */
  private ncode(s: string | undefined, v: number, q: Qual): Pred {
    let vlen = 32;
    if (s !== undefined) {
      const a = atoin(s);
      if (a === undefined) throw new PcapError(`invalid IPv4 address '${s}'`);
      v = a.addr;
      vlen = a.len;
    }
    if (q.addr === 'proto') return this.protoNumber(v, q.proto);
    if (q.proto === 'link') throw new PcapError('illegal link layer address');
    let mask = 0xffffffff;
    if (s === undefined && q.addr === 'net') {
      // Promote a short net number (net 10 is 10.0.0.0/8).
      while (v !== 0 && (v & 0xff000000) === 0) {
        v = (v << 8) >>> 0;
        mask = (mask << 8) >>> 0;
      }
    } else if (vlen < 32) {
      v = (v << (32 - vlen)) >>> 0;
      mask = (mask << (32 - vlen)) >>> 0;
    }
    return this.host(v >>> 0, mask >>> 0, q.proto, q.dir, q.addr === 'net' ? 'net' : 'host');
  }

  /** gen_mcode: A/N or A mask M (nets only). */
  private mcode(s1: string, s2: string | undefined, masklen: number, q: Qual): Pred {
    const a = atoin(s1);
    if (a === undefined) throw new PcapError(`invalid IPv4 address '${s1}'`);
    const n = (a.addr << (32 - a.len)) >>> 0;
    let m: number;
    if (s2 !== undefined) {
      const b = atoin(s2);
      if (b === undefined) throw new PcapError(`invalid IPv4 address '${s2}'`);
      m = (b.addr << (32 - b.len)) >>> 0;
      if ((n & ~m) >>> 0 !== 0) throw new PcapError(`non-network bits set in "${s1} mask ${s2}"`);
    } else {
      if (masklen > 32) throw new PcapError('mask length must be <= 32');
      m = masklen === 0 ? 0 : (0xffffffff << (32 - masklen)) >>> 0;
      if ((n & ~m) >>> 0 !== 0) throw new PcapError(`non-network bits set in "${s1}/${masklen}"`);
    }
    if (q.addr !== 'net') throw new PcapError('Mask syntax for networks only');
    return this.host(n, m, q.proto, q.dir, 'net');
  }

  /** gen_ecode: a MAC address, for `ether [src|dst] [host]` only. */
  private ecode(text: string, q: Qual): Pred {
    if (!((q.addr === 'host' || q.addr === 'default') && q.proto === 'link')) throw new PcapError('ethernet address used in non-ether expression');
    const mac = etherAton(text);
    this.constants.macs.add(mac.map((b) => b.toString(16).padStart(2, '0')).join(':'));
    const at = (off: number): Pred => (p) => mac.every((b, i) => load(p, off + i, 1) === b);
    switch (q.dir) {
      case 'src':
        return at(6);
      case 'dst':
        return at(0);
      case 'and':
        return and(at(6), at(0));
      default:
        return or(at(6), at(0));
    }
  }

  /** gen_scode: a name — a protocol after `proto`; host and network names would need lookups. */
  private scode(name: string, q: Qual): Pred {
    if (q.addr === 'proto') {
      const table = q.proto === 'link' ? ETHER_PROTO_NAMES : IP_PROTO_NAMES;
      const v = table[name];
      if (v === undefined) throw new Unsupported(`the protocol name '${name}' in a filter is not simulated (give its number)`);
      return this.protoNumber(v, q.proto);
    }
    throw new Unsupported(`'${name}' in a filter would be looked up as a ${q.proto === 'link' ? 'MAC' : 'host or network'} name, which is not simulated: give the address`);
  }

  /** gen_proto: `ether proto N`, `ip proto N`, `proto N`. */
  private protoNumber(v: number, proto: ProtoQ): Pred {
    switch (proto) {
      case 'link':
        if (v <= 1500) throw new Unsupported(`'ether proto ${v}' (an 802.3 length, LLC) is not simulated`);
        return this.linktype(v);
      case 'ip':
        return this.ipProto(v);
      case 'ip6':
        return this.ip6Proto(v);
      case 'default':
        return or(this.ipProto(v), this.ip6Proto(v));
      default:
        throw new Unsupported(`'${proto} proto' is not simulated`);
    }
  }

  // ---------------------------------------------------------------- relations

  /** arth relop arth: both sides' protocol checks first, then the comparison (unsigned). */
  private relation(): Pred {
    const a = this.arith();
    const x = this.peek();
    if (x?.t !== 'op' || !['>', '<', '>=', '<=', '=', '!='].includes(x.v)) this.syntax();
    this.i++;
    const b = this.arith();
    const cmp: (l: number, r: number) => boolean =
      x.v === '>' ? (l, r) => l > r : x.v === '>=' ? (l, r) => l >= r : x.v === '=' ? (l, r) => l === r : x.v === '<=' ? (l, r) => !(l > r) : x.v === '<' ? (l, r) => !(l >= r) : (l, r) => l !== r;
    const rel: Pred = (p, c) => cmp(a.value(p, c) >>> 0, b.value(p, c) >>> 0);
    const checks = a.check && b.check ? and(a.check, b.check) : (a.check ?? b.check);
    return checks ? and(checks, rel) : rel;
  }

  private static readonly BINARY: ReadonlyArray<readonly string[]> = [['|', '^'], ['&'], ['<<', '>>'], ['+', '-'], ['*', '/', '%']];

  private arith(level = 0): Arith {
    if (level === Parser.BINARY.length) return this.unary();
    let left = this.arith(level + 1);
    for (;;) {
      const x = this.peek();
      if (x?.t !== 'op' || !(Parser.BINARY[level] as readonly string[]).includes(x.v)) return left;
      this.i++;
      const right = this.arith(level + 1);
      left = binary(x.v, left, right);
    }
  }

  private unary(): Arith {
    if (this.isOp('-')) {
      this.i++;
      const a = this.unary();
      return { value: (p, c) => -a.value(p, c) >>> 0, check: a.check };
    }
    if (this.isOp('(')) {
      this.i++;
      const a = this.arith();
      this.expectOp(')');
      return a;
    }
    const x = this.peek();
    if (x === undefined) this.syntax();
    if (x.t === 'num') {
      this.i++;
      this.constants.numbers.add(x.v);
      return { value: () => x.v, check: undefined, constant: x.v };
    }
    if (x.t === 'kw' && x.v === 'len') {
      this.i++;
      this.constants.usesLength = true;
      return { value: (p) => p.d.length, check: undefined };
    }
    if (x.t === 'kw' && PNAMES.has(x.v)) {
      this.i++;
      this.expectOp('[');
      const index = this.arith();
      let size = 1;
      if (this.isOp(':')) {
        this.i++;
        const n = this.peek();
        if (n?.t !== 'num') this.syntax();
        this.i++;
        size = n.v;
      }
      this.expectOp(']');
      if (size !== 1 && size !== 2 && size !== 4) throw new PcapError('data size must be 1, 2, or 4');
      return this.load(x.v as ProtoQ, index, size);
    }
    this.syntax();
  }

  /** gen_load: ether[] from the frame's start, ip[]/arp[] from the network header, icmp[] & co. from the transport header. */
  private load(proto: ProtoQ, index: Arith, size: number): Arith {
    if (index.constant !== undefined) this.constants.probes.push({ proto, off: index.constant, size });
    const s = this.staticShift;
    const at = this.nl();
    const join = (a: Pred | undefined, b: Pred): Pred => (a ? and(a, b) : b);
    switch (proto) {
      case 'link':
        return { value: (p, c) => load(p, s + c.dyn + index.value(p, c), size), check: index.check };
      case 'ip':
      case 'arp':
      case 'rarp':
      case 'ip6':
        return { value: (p, c) => load(p, at(p, c) + index.value(p, c), size), check: join(index.check, this.protoAbbrev(proto)) };
      default: {
        // A transport header exists only in a first fragment (gen_ipfrag); it starts after the IHL.
        const first: Pred = (p, c) => (load(p, at(p, c) + 6, 2) & 0x1fff) === 0;
        const check = join(index.check, and(this.protoAbbrev(proto), first));
        const value = (p: View, c: Ctx): number => {
          const ihl = (load(p, at(p, c), 1) & 0x0f) * 4;
          return load(p, at(p, c) + ihl + index.value(p, c), size);
        };
        if (proto === 'tcp' || proto === 'udp') {
          // Over IPv4 only: libpcap has no IPv6 transport loads.
          return { value, check: join(index.check, and(this.ipProto(TRANSPORT[proto] as number), first)) };
        }
        return { value, check };
      }
    }
  }
}

function binary(op: string, a: Arith, b: Arith): Arith {
  // gen_arth refuses a constant that makes the operation meaningless.
  if (op === '/' && b.constant === 0) throw new PcapError('division by zero');
  if (op === '%' && b.constant === 0) throw new PcapError('modulus by zero');
  if ((op === '<<' || op === '>>') && b.constant !== undefined && b.constant > 31) throw new PcapError('shift by more than 31 bits');
  const f: (l: number, r: number) => number = (() => {
    switch (op) {
      case '+':
        return (l: number, r: number) => (l + r) >>> 0;
      case '-':
        return (l: number, r: number) => (l - r) >>> 0;
      case '*':
        return (l: number, r: number) => Math.imul(l, r) >>> 0;
      case '/':
        return (l: number, r: number) => {
          if (r === 0) throw new Reject();
          return Math.floor(l / r) >>> 0;
        };
      case '%':
        return (l: number, r: number) => {
          if (r === 0) throw new Reject();
          return l % r >>> 0;
        };
      case '&':
        return (l: number, r: number) => (l & r) >>> 0;
      case '|':
        return (l: number, r: number) => (l | r) >>> 0;
      case '^':
        return (l: number, r: number) => (l ^ r) >>> 0;
      case '<<':
        return (l: number, r: number) => (r >= 32 ? 0 : (l << r) >>> 0);
      default:
        return (l: number, r: number) => (r >= 32 ? 0 : l >>> r);
    }
  })();
  const check = a.check && b.check ? and(a.check, b.check) : (a.check ?? b.check);
  return { value: (p, c) => f(a.value(p, c) >>> 0, b.value(p, c) >>> 0), check };
}

/** __pcap_atoin: up to four dotted decimal parts; the bits given, left to right. */
function atoin(s: string): { addr: number; len: number } | undefined {
  let addr = 0;
  let len = 0;
  for (const part of s.split('.')) {
    if (!/^[0-9]+$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    addr = ((addr << 8) | n) >>> 0;
    len += 8;
  }
  return { addr, len };
}

/** pcap_ether_aton: hex octets split by ':', '-' or '.', or in groups of four. */
function etherAton(text: string): number[] {
  const hex = text.includes(':') || text.includes('-') || (text.split('.').length === 6) ? text.split(/[:.-]/) : (text.replace(/\./g, '').match(/../g) ?? []);
  return hex.map((h) => parseInt(h, 16));
}

/** The packet as the kernel's BPF program sees it for a capture in direction `dir`. */
function bpfView(frame: Uint8Array, dir: CaptureDirection, live: boolean): View {
  if (live && dir === 'in' && frame.length >= 18) {
    const tpid = (frame[12]! << 8) | frame[13]!;
    // skb_vlan_untag: the outer 802.1Q or 802.1ad tag leaves the data.
    if (tpid === 0x8100 || tpid === 0x88a8) {
      const d = new Uint8Array(frame.length - 4);
      d.set(frame.subarray(0, 12), 0);
      d.set(frame.subarray(16), 12);
      return { d, vlanTci: (frame[14]! << 8) | frame[15]!, outgoing: false };
    }
  }
  return { d: frame, vlanTci: undefined, outgoing: dir === 'out' };
}

export function compileFilter(words: readonly string[], opts: FilterOptions = {}): FilterCompile {
  const live = opts.live ?? true;
  // tcpdump joins its arguments with spaces and hands libpcap one string.
  const text = words.join(' ');
  let parser: Parser;
  let pred: Pred;
  try {
    parser = new Parser(lex(text), live);
    pred = parser.parse();
  } catch (e) {
    if (e instanceof PcapError) return { ok: false, kind: 'error', message: e.message };
    if (e instanceof Unsupported) return { ok: false, kind: 'unsupported', reason: e.message };
    throw e;
  }
  if (words.length === 0) return { ok: true, filter: EVERY_FRAME };
  const filter: FrameFilter = (frame, dir) => {
    try {
      return pred(bpfView(frame, dir, live), { dyn: 0 });
    } catch (e) {
      if (e instanceof Reject) return false;
      throw e;
    }
  };
  if (words.length > 0 && findWitness(filter, parser.constants) === undefined) {
    return {
      ok: false,
      kind: 'unsupported',
      reason:
        "no packet the simulator could send passes this filter; whether tcpdump refuses it ('expression rejects all packets') " +
        'depends on what libpcap\'s optimizer proves, which is not simulated',
    };
  }
  return { ok: true, filter };
}

// ------------------------------------------------------------------ witnesses

/**
 * A frame the filter passes, if one is found among frames built from the filter's own addresses,
 * MACs, VLAN ids and numbers: ARP and RARP, IPv4 with ICMP (echo, errors), IGMP, UDP, TCP and other
 * protocols, IPv6, an unknown ethertype — untagged and tagged, sent and received, of the lengths
 * the filter names. libpcap says "expression rejects all packets" only when no packet passes, so
 * a witness proves tcpdump accepts the filter. The search gives up after WITNESS_BUDGET frames.
 */
function findWitness(filter: FrameFilter, k: FilterConstants): Uint8Array | undefined {
  const addrs = [...new Set([...k.addrs, 0x0a010102, 0xc0000263, 0xe0000016])];
  const macPairs: Array<[string, string]> = [
    ['ff:ff:ff:ff:ff:ff', '52:54:00:00:01:02'],
    ['52:54:00:00:01:03', '52:54:00:00:01:02'],
    ['01:00:5e:00:00:01', '52:54:00:00:01:02'],
  ];
  for (const m of k.macs) for (const o of [...k.macs, '52:54:00:00:01:02', 'ff:ff:ff:ff:ff:ff']) macPairs.push([m, o], [o, m]);
  const nums = [...k.numbers].filter((n) => n <= 0xffff).slice(0, 8);
  const lengths = k.usesLength ? [...new Set(nums.flatMap((n) => [n - 1, n, n + 1]).filter((n) => n >= 42 && n <= 1518))] : [];
  const macBytes = (m: string): number[] => m.split(':').map((h) => parseInt(h, 16));
  const u32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
  const ipv4 = (proto: number, l4: number[], ttl = 64) => (src: number, dst: number): number[] => {
    const total = 20 + l4.length;
    return [0x45, 0, total >> 8, total & 0xff, 0, 1, 0x40, 0, ttl, proto, 0, 0, ...u32(src), ...u32(dst), ...l4];
  };
  const small = nums.filter((n) => n < 256);
  const payloads: Array<{ type: number; body: (src: number, dst: number) => number[] }> = [];
  for (const type of new Set([8, 0, 3, 11, ...small])) {
    for (const code of new Set([0, 1, 3, ...small.filter((n) => n < 16)])) {
      payloads.push({ type: ETHERTYPE_IP, body: ipv4(1, [type, code, 0, 0, 0, 1, 0, 1, ...new Array(56).fill(0)]) });
    }
  }
  for (const [type, op] of [[ETHERTYPE_ARP, 1], [ETHERTYPE_ARP, 2], [ETHERTYPE_REVARP, 3]] as const) {
    payloads.push({ type, body: (src, dst) => [0, 1, 8, 0, 6, 4, 0, op, 0x52, 0x54, 0, 0, 1, 2, ...u32(src), 0, 0, 0, 0, 0, 0, ...u32(dst)] });
  }
  payloads.push({ type: ETHERTYPE_IP, body: ipv4(2, [0x22, 0, 0, 0, 0, 0, 0, 1, 4, 0, 0, 0, 224, 0, 0, 106]) });
  for (const proto of new Set([6, 17, 47, ...small])) {
    payloads.push({ type: ETHERTYPE_IP, body: ipv4(proto, [0x9c, 0x40, 0x0f, 0xa0, 0, 20, 0, 0, 0, 0, 0, 0, 0x50, 0x02, 0, 0, 0, 0, 0, 0]) });
  }
  for (const ttl of small) payloads.push({ type: ETHERTYPE_IP, body: ipv4(1, [8, 0, 0, 0, 0, 1, 0, 1], ttl) });
  // A later fragment: no transport header.
  payloads.push({ type: ETHERTYPE_IP, body: (src, dst) => [0x45, 0, 0, 28, 0, 1, 0x00, 0xb9, 64, 1, 0, 0, ...u32(src), ...u32(dst), ...new Array(8).fill(0)] });
  payloads.push({ type: ETHERTYPE_IPV6, body: () => [0x60, 0, 0, 0, 0, 8, 17, 64, ...new Array(32).fill(0), 0, 1, 0, 2, 0, 8, 0, 0] });
  for (const type of new Set([0x88b5, ...nums.filter((n) => n > 1500)])) payloads.push({ type, body: () => new Array(46).fill(0) });
  // Each field read at a fixed place, set to each number the filter names (and to all ones).
  const values = [...new Set([...k.numbers, 0xffffffff])];
  const variants = (frame: number[], tags: number): number[][] => {
    const out = [frame];
    for (const pr of k.probes) {
      const base = pr.proto === 'link' ? 0 : 14 + 4 * tags + (PNAMES.has(pr.proto) && TRANSPORT[pr.proto] !== undefined ? 20 : 0);
      const at = base + pr.off;
      if (at + pr.size > 1518) continue;
      for (const v of values) {
        const f = frame.length >= at + pr.size ? [...frame] : [...frame, ...new Array(at + pr.size - frame.length).fill(0)];
        for (let b = 0; b < pr.size; b++) f[at + b] = (v >>> (8 * (pr.size - 1 - b))) & 0xff;
        out.push(f);
      }
    }
    return out;
  };
  const vids = [...new Set([1, ...k.vids])];
  const tagSets: number[][] = [[], ...vids.map((v) => [v]), ...(k.vlans > 1 ? vids.flatMap((a) => vids.map((b) => [a, b])) : [])];
  let budget = WITNESS_BUDGET;
  for (const pl of payloads) {
    for (const src of addrs) {
      for (const dst of addrs) {
        const body = pl.body(src, dst);
        for (const tags of tagSets) {
          for (const [dmac, smac] of macPairs) {
            const frame = [...macBytes(dmac), ...macBytes(smac)];
            for (const vid of tags) frame.push(0x81, 0x00, (vid >> 8) & 0x0f, vid & 0xff);
            frame.push(pl.type >> 8, pl.type & 0xff, ...body);
            for (const v of variants(frame, tags.length)) {
              for (const len of [v.length, ...lengths]) {
                if (len < v.length) continue;
                if (--budget < 0) return undefined;
                const f = Uint8Array.from([...v, ...new Array(len - v.length).fill(0)]);
                if (filter(f, 'out') || filter(f, 'in')) return f;
              }
            }
          }
        }
      }
    }
  }
  return undefined;
}

/** Frames tried before a filter is declared one no packet passes. */
const WITNESS_BUDGET = 200_000;
