/**
 * iproute2's value parsers (lib/utils.c, lib/ll_addr.c): C's strtoul/strtol with base 0, dotted IPv4
 * addresses whose parts may be hex or octal ("10.1.1" is 10.1.1.0), prefixes with a length or a
 * netmask, and link-layer addresses. Each reports failure the way its caller in iproute2 does.
 */
import { fail, unsupported } from './errors.js';

const UINT_MAX = 0xffffffff;
const INT_MAX = 0x7fffffff;
const INT_MIN = -0x80000000;

interface Strto {
  /** The magnitude read (digits only), and whether a '-' preceded it. */
  readonly value: number;
  readonly negative: boolean;
  /** Characters consumed; 0 when there were no digits (strtoul leaves endptr at the start). */
  readonly used: number;
}

/** The digits strtoul/strtol read with base 0 (or a fixed base). */
function strto(s: string, base = 0): Strto {
  let i = 0;
  while (i < s.length && /\s/.test(s[i] as string)) i++;
  let negative = false;
  if (s[i] === '+' || s[i] === '-') {
    negative = s[i] === '-';
    i++;
  }
  let b = base;
  if ((b === 0 || b === 16) && s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && /[0-9a-fA-F]/.test(s[i + 2] ?? '')) {
    i += 2;
    b = 16;
  } else if (b === 0) b = s[i] === '0' ? 8 : 10;
  const start = i;
  let value = 0;
  for (; i < s.length; i++) {
    const d = parseInt(s[i] as string, 36);
    if (Number.isNaN(d) || d >= b) break;
    value = value * b + d;
  }
  if (i === start) return { value: 0, negative: false, used: 0 };
  return { value, negative, used: i };
}

/** get_unsigned / get_u32 (base 0): the whole word, at most UINT_MAX. */
export function getUnsigned(arg: string): number | undefined {
  if (arg === '') return undefined;
  const r = strto(arg);
  if (r.used === 0 || r.used !== arg.length) return undefined;
  // strtoul negates in unsigned long arithmetic: "-1" is ULONG_MAX, out of range.
  if (r.negative && r.value !== 0) return undefined;
  return r.value > UINT_MAX ? undefined : r.value;
}

/** get_integer (base 0): the whole word, within int. */
export function getInteger(arg: string): number | undefined {
  if (arg === '') return undefined;
  const r = strto(arg);
  if (r.used === 0 || r.used !== arg.length) return undefined;
  const v = r.negative ? -r.value : r.value;
  return v > INT_MAX || v < INT_MIN ? undefined : v;
}

/** An inet_prefix as iproute2 fills it. bitlen -2 marks "default"/"all"/"any", -1 an address without length. */
export interface InetPrefix {
  /** inet6 only for "default", "all" and "any" under -6: IPv6 addresses are not modelled. */
  readonly family: 'inet' | 'inet6' | 'unspec';
  readonly addr: number;
  readonly bitlen: number;
  /** 4, or 0 for "all"/"any". */
  readonly bytelen: number;
  readonly prefixSpecified: boolean;
}

/**
 * preferred_family as ip's options set it (read_family: inet, inet6, link, mpls, bridge). Only IPv4 is
 * modelled; IPv6 is off in every namespace, so what -6 lists is empty, and an IPv4 address where an
 * IPv6 one is expected gets iproute2's error.
 */
export type Family = 'inet' | 'inet6' | 'link' | 'mpls' | 'bridge' | 'unspec';

const FAMILY_OPTION: Readonly<Record<Family, string>> = { inet: '-4', inet6: '-6', link: '-0', mpls: '-M', bridge: '-B', unspec: '' };

/** A request of another family than IPv4 reaching the kernel: refused. */
export function familyUnsupported(family: Family, what: string): never {
  return unsupported(`ip ${FAMILY_OPTION[family]} ${what} (only IPv4 is modelled${family === 'inet6' ? '; IPv6 is off in every namespace' : ''})`);
}

/** get_addr_ipv4: up to four parts, each strtoul base 0 and at most 255; missing parts are 0. */
export function parseInetAddr(s: string): number | undefined {
  const parts = [0, 0, 0, 0];
  let rest = s;
  for (let i = 0; i < 4; i++) {
    const r = strto(rest);
    if (r.used === 0) return undefined;
    const n = r.negative && r.value !== 0 ? Infinity : r.value;
    if (n > 255) return undefined;
    parts[i] = n;
    const after = rest.slice(r.used);
    if (after === '') break;
    if (i === 3 || after[0] !== '.') return undefined;
    rest = after.slice(1);
  }
  return (((parts[0] as number) << 24) | ((parts[1] as number) << 16) | ((parts[2] as number) << 8) | (parts[3] as number)) >>> 0;
}

/** get_addr_1: undefined when the word is no address of the family. */
export function getAddr1(name: string, family: Family): InetPrefix | undefined {
  if (family === 'link' || family === 'mpls' || family === 'bridge') return familyUnsupported(family, 'with an address');
  const ipv6 = family === 'inet6';
  if (name === 'default') return { family, addr: 0, bitlen: -2, bytelen: family === 'inet' ? 4 : ipv6 ? 16 : 0, prefixSpecified: true };
  if (name === 'all' || name === 'any') return { family, addr: 0, bitlen: -2, bytelen: 0, prefixSpecified: false };
  if (name.includes(':')) {
    // An IPv6 address where IPv4 is asked for is an error; otherwise IPv6 itself is not modelled.
    if (family === 'inet') return undefined;
    return unsupported('IPv6 addresses (only IPv4 is modelled)');
  }
  const addr = parseInetAddr(name);
  // get_addr_1 with AF_INET6 takes no IPv4 address: the caller reports it.
  if (addr === undefined || ipv6) return undefined;
  return { family: 'inet', addr, bitlen: -1, bytelen: 4, prefixSpecified: false };
}

/** mask2bits: a contiguous netmask's length, else -1. */
function maskBits(mask: number): number {
  const host = ~mask >>> 0;
  if ((host & (host + 1)) >>> 0 !== 0) return -1;
  let bits = 0;
  for (let m = mask >>> 0; m !== 0; m = (m << 1) >>> 0) bits++;
  return bits;
}

/** get_prefix_1: ADDR[/LEN or /NETMASK]. */
export function getPrefix1(arg: string, family: Family): InetPrefix | undefined {
  const slash = arg.indexOf('/');
  const a = getAddr1(slash >= 0 ? arg.slice(0, slash) : arg, family);
  if (!a) return undefined;
  if (slash < 0) return { ...a, bitlen: a.bitlen === -2 ? 0 : 32 };
  if (a.bitlen === -2) return undefined;
  const m = arg.slice(slash + 1);
  let plen = getUnsigned(m);
  if (plen === undefined) {
    const mask = getAddr1(m, 'inet');
    const b = mask && mask.bitlen === -1 ? maskBits(mask.addr) : -1;
    if (b < 0) return undefined;
    plen = b;
  }
  if (plen > 32) return undefined;
  return { ...a, bitlen: plen, prefixSpecified: true };
}

/** family_name, as get_prefix and get_addr name what they expected ("any valid" for AF_UNSPEC). */
function familyName(family: Family): string {
  return family === 'unspec' ? 'any valid' : family;
}

/** get_prefix: a bad prefix ends the command (exit 1). */
export function getPrefix(arg: string, family: Family): InetPrefix {
  return getPrefix1(arg, family) ?? fail(1, `Error: ${familyName(family)} prefix is expected rather than "${arg}".\n`);
}

/** get_addr: a bad address ends the command (exit 1). */
export function getAddr(arg: string, family: Family): InetPrefix {
  return getAddr1(arg, family) ?? fail(1, `Error: ${familyName(family)} address is expected rather than "${arg}".\n`);
}

/**
 * ll_addr_a2n: colon-separated hex bytes (or a dotted IPv4 address). A bad byte is reported with the
 * text from it to its colon; the caller then returns -1 (status 1).
 */
export function llAddrA2n(arg: string, maxLen: number): number[] {
  if (arg.includes('.')) {
    const a = parseInetAddr(arg);
    if (a === undefined) return fail(1, `"${arg}" is invalid lladdr.\n`);
    return [a >>> 24, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff];
  }
  const out: number[] = [];
  let rest = arg;
  for (let i = 0; i < maxLen; i++) {
    const colon = rest.indexOf(':');
    const part = colon >= 0 ? rest.slice(0, colon) : rest;
    const r = strto(part, 16);
    // sscanf("%x") reads a leading hex number and ignores what follows it.
    if (r.used === 0 || r.negative || r.value > 255) return fail(1, `"${part}" is invalid lladdr.\n`);
    out.push(r.value);
    if (colon < 0) break;
    rest = rest.slice(colon + 1);
  }
  return out;
}

export function macToString(bytes: readonly number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

export function ipString(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}
