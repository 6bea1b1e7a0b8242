/**
 * `ip link add NAME type vxlan ...` (ip/iplink_vxlan.c, iproute2 6.1): vxlan_parse_opt's keywords in
 * its order of abbreviation, its messages and statuses (invarg: 255; its own "vxlan: ..." messages:
 * 1), and the kernel's defaults for what is left out (dstport 8472 with iproute2's warning).
 */
import { matches } from './args.js';
import type { IpCtx } from './context.js';
import { duparg2, fail, invarg, unsupported } from './errors.js';
import { getAddr1, getUnsigned, type InetPrefix } from './parse.js';
import { VXLAN_LINUX_DEFAULT_PORT, VXLAN_N_VID } from '../../wire/vxlan.js';
import type { VxlanConfig } from '../../devices/vxlan.js';

export const VXLAN_USAGE = `Usage: ... vxlan id VNI
\t\t[ { group | remote } IP_ADDRESS ]
\t\t[ local ADDR ]
\t\t[ ttl TTL ]
\t\t[ tos TOS ]
\t\t[ df DF ]
\t\t[ flowlabel LABEL ]
\t\t[ dev PHYS_DEV ]
\t\t[ dstport PORT ]
\t\t[ srcport MIN MAX ]
\t\t[ [no]learning ]
\t\t[ [no]proxy ]
\t\t[ [no]rsc ]
\t\t[ [no]l2miss ]
\t\t[ [no]l3miss ]
\t\t[ ageing SECONDS ]
\t\t[ maxaddress NUMBER ]
\t\t[ [no]udpcsum ]
\t\t[ [no]udp6zerocsumtx ]
\t\t[ [no]udp6zerocsumrx ]
\t\t[ [no]remcsumtx ] [ [no]remcsumrx ]
\t\t[ [no]external ] [ gbp ] [ gpe ]
\t\t[ [no]vnifilter ]

Where:\tVNI\t:= 0-16777215
\tADDR\t:= { IP_ADDRESS | any }
\tTOS\t:= { NUMBER | inherit }
\tTTL\t:= { 1..255 | auto | inherit }
\tDF\t:= { unset | set | inherit }
\tLABEL := 0-1048575
`;

/** Keywords iproute2 takes that the simulator does not model, with what they are. */
const UNMODELLED: readonly [string, string][] = [
  ['group', 'multicast groups'],
  ['flowlabel', 'IPv6 flow labels'],
  ['label', 'IPv6 flow labels'],
  ['maxaddress', 'fdb size limits'],
  ['noproxy', 'ARP proxying'],
  ['proxy', 'ARP proxying'],
  ['norsc', 'route short-circuiting'],
  ['rsc', 'route short-circuiting'],
  ['nol2miss', 'netlink miss notifications'],
  ['l2miss', 'netlink miss notifications'],
  ['nol3miss', 'netlink miss notifications'],
  ['l3miss', 'netlink miss notifications'],
  ['udp6zerocsumtx', 'IPv6'],
  ['noudp6zerocsumtx', 'IPv6'],
  ['udp6zerocsumrx', 'IPv6'],
  ['noudp6zerocsumrx', 'IPv6'],
  ['remcsumtx', 'remote checksum offload'],
  ['noremcsumtx', 'remote checksum offload'],
  ['remcsumrx', 'remote checksum offload'],
  ['noremcsumrx', 'remote checksum offload'],
  ['external', 'collect_metadata (external) mode'],
  ['noexternal', 'collect_metadata (external) mode'],
  ['gbp', 'group based policy'],
  ['gpe', 'generic protocol extension'],
  ['vnifilter', 'VNI filtering'],
  ['novnifilter', 'VNI filtering'],
  ['df', 'the DF setting'],
];

/** What vxlan_parse_opt gathered: the config, and the lower device by name (looked up where the command runs). */
export interface VxlanRequest {
  readonly cfg: Omit<VxlanConfig, 'link'>;
  readonly link: number;
}

/** get_be16 / get_u16 (base 0). */
function getU16(v: string): number | undefined {
  const n = getUnsigned(v);
  return n === undefined || n > 0xffff ? undefined : n;
}

/** get_addr: a word that is no address at all ends the command (exit 1) before vxlan's own checks. */
function addrOrExit(v: string): InetPrefix {
  return getAddr1(v, 'unspec') ?? fail(1, `Error: any valid address is expected rather than "${v}".\n`);
}

export function vxlanParseOpt(ctx: IpCtx, words: readonly string[]): VxlanRequest {
  let vni: number | undefined;
  let remote = 0;
  let local = 0;
  let link = 0;
  let ttl = 0;
  let tos = 0;
  let ageing = 300;
  let portLow = 0;
  let portHigh = 0;
  let dstPort: number | undefined;
  let learning = true;
  let udpCsum = true;
  const seen = new Set<string>();
  const once = (key: string, arg: string) => {
    if (seen.has(key)) duparg2(key, arg);
    seen.add(key);
  };
  const next = (i: number): string => {
    const v = words[i + 1];
    if (v === undefined) fail(255, 'Command line is not complete. Try option "help"\n');
    return v;
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    if (matches(w, 'id') || matches(w, 'vni')) {
      const v = next(i++);
      once('id', v);
      const n = getUnsigned(v);
      if (n === undefined || n >= VXLAN_N_VID) invarg('invalid id', v);
      vni = n;
    } else if (matches(w, 'group')) {
      if (remote !== 0) fail(1, 'vxlan: both group and remote cannot be specified\n');
      const v = next(i++);
      const a = addrOrExit(v);
      if (a.bytelen !== 4 || a.addr >>> 28 !== 0xe) invarg('invalid group address', v);
      if (!words.includes('dev')) fail(1, "vxlan: 'group' requires 'dev' to be specified\n");
      unsupported('ip link add ... type vxlan group (multicast groups are not simulated; use remote or bridge fdb append)');
    } else if (matches(w, 'remote')) {
      const v = next(i++);
      once('remote', v);
      const a = addrOrExit(v);
      if (a.bytelen !== 4 || a.addr >>> 28 === 0xe) invarg('invalid remote address', v);
      remote = a.addr;
      // `group` after `remote` is refused by name, as iproute2 does.
      if (words.slice(i + 1).some((x) => matches(x, 'group'))) fail(1, 'vxlan: both group and remote cannot be specified\n');
    } else if (matches(w, 'local')) {
      const v = next(i++);
      once('local', v);
      const a = addrOrExit(v);
      if ((a.bytelen !== 4 && a.bitlen !== -2) || a.addr >>> 28 === 0xe) invarg('invalid local address', v);
      local = a.addr;
    } else if (matches(w, 'dev')) {
      const v = next(i++);
      once('dev', v);
      link = ctx.ifindex(v);
      if (!link) fail(255, `Cannot find device "${v}"\n`);
    } else if (matches(w, 'ttl') || matches(w, 'hoplimit')) {
      const v = next(i++);
      once('ttl', v);
      if (v === 'inherit') unsupported('ip link add ... type vxlan ttl inherit');
      if (v !== 'auto') {
        const n = getUnsigned(v);
        if (n === undefined) invarg('invalid TTL', v);
        if (n > 255) invarg('TTL must be <= 255', v);
        ttl = n;
      }
    } else if (matches(w, 'tos') || matches(w, 'dsfield')) {
      const v = next(i++);
      once('tos', v);
      if (v === 'inherit') tos = 1;
      else {
        const n = getUnsigned(v);
        if (n === undefined || n > 255) invarg('bad TOS value', v);
        tos = n;
      }
    } else if (matches(w, 'ageing')) {
      const v = next(i++);
      once('ageing', v);
      if (v === 'none') ageing = 0;
      else {
        const n = getUnsigned(v);
        if (n === undefined) invarg('ageing timer', v);
        ageing = n;
      }
    } else if (matches(w, 'port') || matches(w, 'srcport')) {
      const lo = next(i++);
      once('srcport', lo);
      const l = getU16(lo);
      if (l === undefined) invarg('min port', lo);
      const hi = next(i++);
      const h = getU16(hi);
      if (h === undefined) invarg('max port', hi);
      portLow = l;
      portHigh = h;
    } else if (matches(w, 'dstport')) {
      const v = next(i++);
      once('dstport', v);
      const n = getU16(v);
      if (n === undefined) invarg('dst port', v);
      dstPort = n;
    } else if (matches(w, 'nolearning')) {
      once('learning', w);
      learning = false;
    } else if (matches(w, 'learning')) {
      once('learning', w);
      learning = true;
    } else if (matches(w, 'udpcsum')) {
      once('udpcsum', w);
      udpCsum = true;
    } else if (matches(w, 'noudpcsum')) {
      once('udpcsum', w);
      udpCsum = false;
    } else if (matches(w, 'help')) {
      fail(1, VXLAN_USAGE);
    } else {
      const un = UNMODELLED.find(([k]) => matches(w, k));
      if (un) unsupported(`ip link add ... type vxlan ${w} (${un[1]}: not simulated)`);
      fail(1, `vxlan: unknown command "${w}"?\n${VXLAN_USAGE}`);
    }
  }
  if (vni === undefined) fail(1, 'vxlan: missing virtual network identifier\n');
  if (dstPort === undefined) {
    ctx.warn("vxlan: destination port not specified\nWill use Linux kernel default (non-standard value)\nUse 'dstport 4789' to get the IANA assigned value\nUse 'dstport 0' to get default and quiet this message\n");
  }
  // dstport 0 is sent as no attribute: the kernel's default.
  const port = dstPort === undefined || dstPort === 0 ? VXLAN_LINUX_DEFAULT_PORT : dstPort;
  return { cfg: { vni, remote, local, dstPort: port, portLow, portHigh, ttl, tos, learning, ageing, udpCsum }, link };
}

