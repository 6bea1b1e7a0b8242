/**
 * How net-tools reads an IPv4 address (lib/inet.c INET_resolve): "default" is 0.0.0.0 and a network;
 * anything inet_aton reads is a host address; anything else is a name, looked up in /etc/hosts,
 * /etc/networks and DNS — which the simulator has none of, so a name is refused before the run.
 */

/** glibc's inet_aton: one to four parts (decimal, 0-led octal, 0x hex), the last filling what is left. */
export function inetAton(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length > 4 || parts.some((p) => p === '')) return undefined;
  const nums: number[] = [];
  for (const p of parts) {
    let v: number;
    if (/^0[xX][0-9a-fA-F]*$/.test(p)) v = p.length > 2 ? parseInt(p.slice(2), 16) : 0;
    else if (/^0[0-7]*$/.test(p)) v = parseInt(p, 8);
    else if (/^[1-9][0-9]*$/.test(p)) v = Number(p);
    else return undefined;
    nums.push(v);
  }
  const last = nums[nums.length - 1] as number;
  const head = nums.slice(0, -1);
  if (head.some((n) => n > 255)) return undefined;
  const room = 8 * (4 - head.length);
  if (room < 32 && last >= 2 ** room) return undefined;
  if (last > 0xffffffff) return undefined;
  let v = 0;
  for (const n of head) v = v * 256 + n;
  return (v * 2 ** room + last) >>> 0;
}

export type Resolved = { readonly addr: number; readonly isnet: boolean };

/** INET_resolve without the name services: undefined for a name. */
export function inetResolve(name: string): Resolved | undefined {
  if (name === 'default') return { addr: 0, isnet: true };
  const a = inetAton(name);
  return a === undefined ? undefined : { addr: a, isnet: false };
}

/** A word that only a name lookup could turn into an address. */
export function needsLookup(name: string): boolean {
  return inetResolve(name) === undefined;
}

export function ipv4String(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}

/** INET_getnetmask: "A/N" splits into A and the mask of N (strtoul base 0); -1 when N is not a number. */
export function inetGetNetmask(adr: string): { addr: string; mask: number; prefix: number } | 'none' | 'bad' {
  const slash = adr.indexOf('/');
  if (slash < 0) return 'none';
  const rest = adr.slice(slash + 1);
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(rest);
  if (!m) return 'bad';
  const prefix = /^0[xX]/.test(rest) ? parseInt(rest.slice(2), 16) : rest.startsWith('0') ? parseInt(rest, 8) : Number(rest);
  // htonl(~(0xffffffffU >> prefix)): a shift of 32 or more is taken modulo 32 on x86.
  const mask = (~(0xffffffff >>> (prefix & 31)) >>> 0) >>> 0;
  return { addr: adr.slice(0, slash), mask, prefix };
}
