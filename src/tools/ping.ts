/**
 * iputils ping (20221126) over a raw ICMP socket, as root runs it: its options, its output, its exit
 * status, and its timing rules — a probe every interval, an end when every probe is answered, else a
 * wait after the last one (2·max rtt or the interval once something came back; -W linger, 10 s, if
 * nothing did), errors through IP_RECVERR's queue, ENOBUFS retried every min(interval/2, 500 ms).
 */
import { IP_PROTO_ICMP, parseIpv4 } from '../wire/ipv4.js';
import { internetChecksum } from '../wire/checksum.js';
import { NS_PER_MS, NS_PER_SEC, type Timer } from '../sim/event-loop.js';
import { rawSockets, type RawSocket } from '../stack/netns_ipv4.js';
import { alloc_skb } from '../core/skbuff.js';
import { findByName } from '../sim/world.js';
import { ip_route_output, ip_route_output_cached, fmt } from '../stack/route.js';
import { buildDatagram, ip_output, nextIpId } from '../stack/ipv4-output.js';
import { ipv4Dst, ipv4Src } from '../wire/ipv4.js';
import { isLocalAddress } from '../stack/fib.js';
import { out, type AsyncRun, type Tool, type ToolContext, type ToolOutput } from './tool.js';

interface PingOptions {
  readonly dest: string;
  readonly count: number | undefined;
  readonly deadline: number | undefined;
  readonly interval: number;
  readonly linger: number;
  readonly iface: string | undefined;
  readonly size: number;
  readonly quiet: boolean;
  readonly broadcast: boolean;
  /** -M; without it the socket starts as ip_no_pmtu_disc says (inet_create). */
  readonly pmtu: 'do' | 'want' | 'dont' | undefined;
  readonly ttl: number | undefined;
  /** -m: SO_MARK on the sockets (0: none). */
  readonly mark: number;
  /** -Q: IP_TOS on the sockets, the datagrams' TOS byte. */
  readonly tos: number;
}

const WITH_VALUE = new Set(['c', 'I', 'W', 'w', 'i', 's', 'M', 't', 'm', 'Q']);
// -4: IPv4 only, which numeric IPv4 destinations are anyway.
const FLAGS = new Set(['q', 'b', 'n', '4']);

type Parsed = { readonly opts: PingOptions } | { readonly error: string; readonly exit: number } | { readonly unsupported: string };

function number(v: string): number | undefined {
  return /^\d+(\.\d+)?$/.test(v) ? Number(v) : undefined;
}

function parse(argv: readonly string[]): Parsed {
  const o: { -readonly [K in keyof PingOptions]?: PingOptions[K] } = { interval: 1, linger: 10, size: 56, quiet: false, broadcast: false, pmtu: undefined, mark: 0, tos: 0 };
  const positional: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('-') || a === '-') {
      positional.push(a);
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const f = a[j] as string;
      if (FLAGS.has(f)) {
        if (f === 'q') o.quiet = true;
        if (f === 'b') o.broadcast = true;
        continue;
      }
      if (!WITH_VALUE.has(f)) return { unsupported: `ping option -${f} is not simulated` };
      let v = a.slice(j + 1);
      if (v === '') v = argv[++i] ?? '';
      if (v === '') return { error: `ping: option requires an argument -- '${f}'`, exit: 2 };
      const n = number(v);
      const bad = { error: `ping: invalid argument: '${v}'`, exit: 1 };
      switch (f) {
        case 'c':
          if (n === undefined || !Number.isInteger(n) || n < 1) return bad;
          o.count = n;
          break;
        case 'w':
          if (n === undefined) return bad;
          o.deadline = n;
          break;
        case 'W':
          if (n === undefined) return bad;
          o.linger = n;
          break;
        case 'i':
          if (n === undefined) return bad;
          if (n < 0.002) return { unsupported: 'ping intervals under 2 ms (flood) are not simulated' };
          o.interval = n;
          break;
        case 's':
          if (n === undefined || !Number.isInteger(n)) return bad;
          o.size = n;
          break;
        case 't':
          if (n === undefined || !Number.isInteger(n) || n < 1 || n > 255) return bad;
          o.ttl = n;
          break;
        case 'I':
          o.iface = v;
          break;
        case 'm': {
          // strtoul_or_err, base 10.
          if (!/^-?\d+$/.test(v)) return bad;
          const m = Number(v);
          if (m < 0 || m > 0xffffffff) return { error: `ping: invalid argument: '${v}': out of range: 0 <= value <= 4294967295`, exit: 1 };
          o.mark = m;
          break;
        }
        case 'Q': {
          // parsetos: hexadecimal after 0x, else decimal.
          const hex = /^0[xX]/.test(v);
          if (!(hex ? /^0[xX][0-9a-fA-F]+$/ : /^-?\d+$/).test(v)) return { error: `ping: bad TOS value: ${v}`, exit: 2 };
          const t = hex ? parseInt(v.slice(2), 16) : Number(v);
          if (t < 0) return { unsupported: 'ping -Q with a negative TOS is not simulated' };
          if (t > 255) return { error: `ping: the decimal value of TOS bits must be in range 0-255: ${t}`, exit: 2 };
          o.tos = t;
          break;
        }
        case 'M':
          if (v !== 'do' && v !== 'want' && v !== 'dont') return { error: `ping: invalid -M argument: ${v}`, exit: 2 };
          o.pmtu = v;
          break;
      }
      break;
    }
  }
  if (positional.length !== 1) return positional.length === 0 ? { error: 'ping: usage error: Destination address required', exit: 1 } : { unsupported: 'ping with more than one destination is not simulated' };
  const dest = positional[0] as string;
  if (parseIpv4(dest) === null) return { unsupported: `ping: only numeric IPv4 destinations are simulated (no name resolution), not '${dest}'` };
  return { opts: { ...(o as PingOptions), dest, count: o.count, deadline: o.deadline, iface: o.iface, ttl: o.ttl } };
}

const IPPROTO_UDP = 17;

/** iputils' %g for the loss percentage. */
function percent(x: number): string {
  return Number(x.toPrecision(6)).toString();
}

function us3(us: number): string {
  return `${Math.floor(us / 1000)}.${String(us % 1000).padStart(3, '0')}`;
}

/** ICMP echo sequence numbers are 16 bits: iputils sends ntransmitted + 1, truncated. */
const SEQ_SPACE = 0x10000;

/** Reply time as iputils prints it: fewer decimals as it grows. */
function triptime(ns: number): string {
  const us = Math.round(ns / 1000);
  if (us >= 100000 - 50) return `${Math.floor((us + 500) / 1000)}`;
  if (us >= 10000 - 5) return `${Math.floor((us + 50) / 1000)}.${Math.floor(((us + 50) % 1000) / 100)}`;
  if (us >= 1000) return `${Math.floor((us + 5) / 1000)}.${String(Math.floor(((us + 5) % 1000) / 10)).padStart(2, '0')}`;
  return `${Math.floor(us / 1000)}.${String(us % 1000).padStart(3, '0')}`;
}

const UNREACH_TEXT: Readonly<Record<number, string>> = {
  0: 'Destination Net Unreachable',
  1: 'Destination Host Unreachable',
  2: 'Destination Protocol Unreachable',
  3: 'Destination Port Unreachable',
  5: 'Source Route Failed',
  6: 'Destination Net Unknown',
  7: 'Destination Host Unknown',
  9: 'Destination Net Prohibited',
  10: 'Destination Host Prohibited',
  13: 'Packet filtered',
};

const REDIRECT_TEXT: Readonly<Record<number, string>> = {
  0: 'Redirect Network',
  1: 'Redirect Host',
  2: 'Redirect Type of Service and Network',
  3: 'Redirect Type of Service and Host',
};

function errorText(type: number, code: number, rest: number): string {
  if (type === 3 && code === 4) return `Frag needed and DF set (mtu = ${rest & 0xffff})`;
  if (type === 3) return UNREACH_TEXT[code] ?? `Dest Unreachable, Bad Code: ${code}`;
  if (type === 11) return code === 0 ? 'Time to live exceeded' : 'Frag reassembly time exceeded';
  return `Bad ICMP type: ${type}`;
}

function start(ctx: ToolContext, o: PingOptions): ToolOutput | AsyncRun {
  const w = ctx.world;
  const ns = ctx.ns;
  const st = ns.state;
  const daddr = parseIpv4(o.dest) as number;
  let boundDev = 0;
  let boundAddr = 0;
  let devName = '';
  if (o.iface !== undefined) {
    const a = parseIpv4(o.iface);
    if (a !== null) {
      if (!isLocalAddress(st, a)) return out('', 'ping: bind: Cannot assign requested address\n', 2);
      boundAddr = a;
    } else {
      const dev = findByName(st, o.iface);
      if (!dev) return out('', `ping: SO_BINDTODEVICE ${o.iface}: No such device\n`, 2);
      boundDev = dev.ifindex;
      devName = dev.name;
    }
  }
  // The probe socket's connect(): the route and the source address, before anything is sent.
  // iputils makes it only when no source address was given (-I ADDR skips it: a failing route then
  // shows only in the statistics, since sendmsg's error leaves nothing on the error queue). The probe
  // is a UDP socket connected to port 1025 with the same mark and TOS.
  const probe = ip_route_output(st, { daddr, saddr: boundAddr, oif: boundDev, keys: { mark: o.mark, tos: o.tos, proto: IPPROTO_UDP, dport: 1025 } });
  let stderr = '';
  if (!probe.ok && boundAddr === 0) {
    const text = { ENETUNREACH: 'Network is unreachable', EHOSTUNREACH: 'No route to host', EACCES: 'Permission denied', EINVAL: 'Invalid argument', ENETDOWN: 'Network is down' }[probe.error];
    // EACCES from connect() is how iputils learns of a broadcast destination (no SO_BROADCAST yet);
    // a prohibit route gives the same errno, hence the same question.
    if (probe.error === 'EACCES') {
      if (!o.broadcast) return out('', 'ping: Do you want to ping broadcast? Then -b. If not, check your local firewall rules\n', 2);
      stderr += 'WARNING: pinging broadcast address\n';
    }
    return out('', `${stderr}ping: connect: ${text}\n`, 2);
  }
  const toBroadcast = probe.ok && (probe.type === 'broadcast' || probe.type === 'multicast' || daddr === 0xffffffff);
  if (toBroadcast) {
    if (!o.broadcast) return out('', 'ping: Do you want to ping broadcast? Then -b. If not, check your local firewall rules\n', 2);
    stderr += 'WARNING: pinging broadcast address\n';
  }
  const source = boundAddr || (probe.ok ? probe.saddr : 0);
  // iputils looks the chosen source up among the bound device's own addresses (getifaddrs) and warns
  // when it is not there: the reply may then come back through another device.
  if (boundDev !== 0 && !st.addrs.some((a) => a.ifindex === boundDev && a.local === source)) {
    stderr += `ping: Warning: source address might be selected on device other than: ${devName}\n`;
  }
  let stdout = `PING ${o.dest} (${o.dest}) ${o.iface !== undefined ? `from ${fmt(source)} ${devName}: ` : ''}${o.size}(${o.size + 28}) bytes of data.\n`;
  const ident = w.rng.below(0x10000);
  const t0 = w.loop.now;

  return {
    async: (done) => {
      let ntransmitted = 0;
      let nreceived = 0;
      let nerrors = 0;
      /** What the error queue reports with the next error (sock_extended_err's ee_info), read from the error as a packet. */
      let errorInfo = 0;
      let nrepeats = 0;
      let pipesize = 1;
      let lastSend = t0;
      let oomCount = 0;
      // iputils keeps one bit per 16-bit sequence number (rcvd_tbl, MAX_DUP_CHK = 0x10000) and clears a
      // bit as its number is sent again, so a run longer than 65,536 probes still counts each reply once.
      const received = new Uint8Array(SEQ_SPACE / 8);
      const rcvdTest = (seq: number) => ((received[seq >>> 3] as number) & (1 << (seq & 7))) !== 0;
      const rcvdSet = (seq: number) => (received[seq >>> 3] = (received[seq >>> 3] as number) | (1 << (seq & 7)));
      const rcvdClear = (seq: number) => (received[seq >>> 3] = (received[seq >>> 3] as number) & ~(1 << (seq & 7)));
      // When each number was last sent, in virtual nanoseconds (finer than the timeval in the payload).
      // A map, not a table of 65,536: a ping of one probe made half a megabyte, and a chain of pings ran on GC.
      const sentAt = new Map<number, number>();
      // Running statistics in whole microseconds, as iputils' gather_statistics keeps them: O(1) per reply.
      let tmin = Infinity;
      let tmax = 0;
      let tsum = 0;
      let tsum2 = 0;
      let sendTimer: Timer | undefined;
      let exitTimer: Timer | undefined;
      let deadlineTimer: Timer | undefined;
      let finished = false;

      const acknowledge = (seq: number) => {
        const diff = (ntransmitted - seq) & 0xffff;
        if (diff <= 0x7fff && diff + 1 > pipesize) pipesize = diff + 1;
      };
      const finish = () => {
        if (finished) return;
        finished = true;
        rawSockets(ns).delete(socket);
        w.loop.cancel(sendTimer);
        w.loop.cancel(exitTimer);
        w.loop.cancel(deadlineTimer);
        const loss = ntransmitted ? ((ntransmitted - nreceived) * 100) / ntransmitted : 0;
        stdout += `\n--- ${o.dest} ping statistics ---\n`;
        stdout += `${ntransmitted} packets transmitted, ${nreceived} received${nrepeats ? `, +${nrepeats} duplicates` : ''}${nerrors ? `, +${nerrors} errors` : ''}`;
        if (ntransmitted) stdout += `, ${percent(loss)}% packet loss, time ${Math.round((lastSend - t0) / NS_PER_MS)}ms`;
        stdout += '\n';
        let line = '';
        if (nreceived) {
          // finish(): the mean and deviation over every reply, duplicates included, in integer microseconds.
          const total = nreceived + nrepeats;
          const avg = Math.floor(tsum / total);
          const [s, s2, n] = [BigInt(tsum), BigInt(tsum2), BigInt(total)];
          const variance = tsum < 0x7fffffff ? (s2 - (s * s) / n) / n : s2 / n - BigInt(avg) * BigInt(avg);
          const mdev = Math.floor(Math.sqrt(Math.max(0, Number(variance))));
          line = `rtt min/avg/max/mdev = ${us3(tmin)}/${us3(avg)}/${us3(tmax)}/${us3(mdev)} ms`;
        }
        if (pipesize > 1) line += `${line ? ', ' : ''}pipe ${pipesize}`;
        stdout += `${line}\n`;
        const failed = nreceived === 0 || (o.deadline !== undefined && o.count !== undefined && nreceived < o.count);
        done(out(stdout, stderr, failed ? 1 : 0));
      };
      const maybeDone = () => {
        if (o.count !== undefined && nreceived + nerrors >= o.count) finish();
        else if (o.deadline !== undefined && nerrors > 0) finish();
      };

      const socket: RawSocket = {
        boundDev,
        boundAddr,
        onPacket(d) {
          if (finished) return;
          const ihl = ((d[0] as number) & 0xf) * 4;
          const type = d[ihl] as number;
          const code = d[ihl + 1] as number;
          if (type === 0) {
            const id = ((d[ihl + 4] as number) << 8) | (d[ihl + 5] as number);
            if (id !== ident) return;
            const seq = ((d[ihl + 6] as number) << 8) | (d[ihl + 7] as number);
            const rtt = w.loop.now - (sentAt.get(seq) ?? 0);
            const us = Math.round(rtt / 1000);
            const dup = rcvdTest(seq);
            acknowledge(seq);
            tsum += us;
            tsum2 += us * us;
            if (us < tmin) tmin = us;
            if (us > tmax) tmax = us;
            if (dup) nrepeats++;
            else {
              rcvdSet(seq);
              nreceived++;
            }
            // Replies to a broadcast are expected in numbers: ping marks duplicates only for unicast.
            const mark = dup && !toBroadcast ? ' (DUP!)' : '';
            if (!o.quiet) stdout += `${d.length - ihl} bytes from ${fmt(ipv4Src(d))}: icmp_seq=${seq} ttl=${d[8]} time=${triptime(rtt)} ms${mark}\n`;
            maybeDone();
          } else if (type === 5 || type === 4) {
            // A redirect or source quench about one of our echoes: printed, neither an answer nor an error.
            const inner = d.subarray(ihl + 8);
            const iihl = ((inner[0] as number) & 0xf) * 4;
            if (inner.length < iihl + 8 || inner[iihl] !== 8 || ipv4Dst(inner) !== daddr) return;
            if ((((inner[iihl + 4] as number) << 8) | (inner[iihl + 5] as number)) !== ident) return;
            if (o.quiet) return;
            const seq = ((inner[iihl + 6] as number) << 8) | (inner[iihl + 7] as number);
            const gw = (((d[ihl + 4] as number) << 24) | ((d[ihl + 5] as number) << 16) | ((d[ihl + 6] as number) << 8) | (d[ihl + 7] as number)) >>> 0;
            stdout += `From ${fmt(ipv4Src(d))}: icmp_seq=${seq} ${type === 4 ? 'Source Quench' : `${REDIRECT_TEXT[code] ?? `Redirect, Bad Code: ${code}`}(New nexthop: ${fmt(gw)})`}\n`;
          } else if (type === 3 || type === 11 || type === 12) {
            // The error as a packet: only acknowledged; it is reported from the error queue.
            const inner = d.subarray(ihl + 8);
            const iihl = ((inner[0] as number) & 0xf) * 4;
            if (inner.length < iihl + 8 || inner[iihl] !== 8 || ipv4Dst(inner) !== daddr) return;
            if ((((inner[iihl + 4] as number) << 8) | (inner[iihl + 5] as number)) !== ident) return;
            acknowledge(((inner[iihl + 6] as number) << 8) | (inner[iihl + 7] as number));
            // The error queue's ee_info: the next-hop MTU of a frag-needed error (bytes 6-7).
            errorInfo = type === 3 && code === 4 ? (((d[ihl + 6] as number) << 8) | (d[ihl + 7] as number)) : 0;
          }
        },
        onError(from, type, code, offending) {
          if (finished) return;
          const iihl = ((offending[0] as number) & 0xf) * 4;
          if (offending.length < iihl + 8 || offending[iihl] !== 8) return;
          if ((((offending[iihl + 4] as number) << 8) | (offending[iihl + 5] as number)) !== ident) return;
          const seq = ((offending[iihl + 6] as number) << 8) | (offending[iihl + 7] as number);
          acknowledge(seq);
          nerrors++;
          if (!o.quiet) stdout += `From ${fmt(from)} icmp_seq=${seq} ${errorText(type, code, errorInfo)}\n`;
          maybeDone();
        },
      };
      rawSockets(ns).add(socket);

      const payload = (seq: number): Uint8Array => {
        const m = new Uint8Array(8 + o.size);
        m[0] = 8;
        m[4] = ident >>> 8;
        m[5] = ident & 0xff;
        m[6] = (seq >>> 8) & 0xff;
        m[7] = seq & 0xff;
        // iputils puts a struct timeval first, then the byte pattern 0x10, 0x11, ...
        const secs = Math.floor(w.loop.now / NS_PER_SEC);
        const usecs = Math.floor((w.loop.now % NS_PER_SEC) / 1000);
        for (let i = 0; i < 4 && 8 + i < m.length; i++) m[8 + i] = (secs >>> (8 * i)) & 0xff;
        for (let i = 0; i < 4 && 16 + i < m.length; i++) m[16 + i] = (usecs >>> (8 * i)) & 0xff;
        for (let i = 16; i < o.size; i++) m[8 + i] = i & 0xff;
        const c = internetChecksum(m);
        m[2] = c >>> 8;
        m[3] = c & 0xff;
        return m;
      };

      const scheduleExit = () => {
        if (exitTimer) return;
        const wait = nreceived ? Math.max(2 * tmax * 1000, o.interval * NS_PER_SEC) : o.linger * NS_PER_SEC;
        exitTimer = w.loop.after(Math.round(wait), finish);
      };

      // raw_sendmsg's flow: raw_probe_proto_opt puts the echo request's type and code where the destination port goes.
      // The raw socket is bound to an address only with -I ADDR: otherwise each echo's source is its own
      // route's, not the probe's (measured: rule-ping-flow-keys, an `ipproto icmp` rule moves both).
      const sendKeys = { mark: o.mark, tos: o.tos, proto: IP_PROTO_ICMP, dport: (8 << 8) | 0 };
      const pinger = () => {
        if (finished) return;
        const seq = (ntransmitted + 1) & (SEQ_SPACE - 1);
        rcvdClear(seq);
        const route = ip_route_output_cached(ns, { daddr, saddr: boundAddr, oif: boundDev, keys: sendKeys });
        let result: string;
        let mtu = 0;
        if (!route.ok) result = route.error;
        else {
          mtu = Math.min(route.dev.mtu, 65535);
          const msg = payload(seq);
          const len = 20 + msg.length;
          const pmtu = o.pmtu ?? (ns.state.sysctl.ip_no_pmtu_disc ? 'dont' : 'want');
          if (len > 65535 || (pmtu === 'do' && len > mtu)) result = 'EMSGSIZE';
          else {
            const df = pmtu === 'do' || (pmtu === 'want' && len <= mtu);
            sentAt.set(seq, w.loop.now);
            const dgram = buildDatagram({ src: route.saddr, dst: daddr, protocol: IP_PROTO_ICMP, ttl: o.ttl ?? ns.state.sysctl.ip_default_ttl ?? 64, ident: nextIpId(ns), dontFragment: df, tos: o.tos }, msg);
            result = ip_output(w, alloc_skb(w, ns, route.dev, dgram, true), route);
          }
        }
        let next = o.interval * NS_PER_SEC;
        if (result === 'ok') {
          ntransmitted++;
          lastSend = w.loop.now;
          oomCount = 0;
        } else if (result === 'ENOBUFS' && (oomCount + 1) * Math.min(o.interval * 500, 500) < o.linger * 1000) {
          oomCount++;
          next = Math.min(o.interval * 500, 500) * NS_PER_MS;
          sendTimer = w.loop.after(next, pinger);
          return;
        } else {
          // A hard local error: ping pretends it sent the probe.
          ntransmitted++;
          lastSend = w.loop.now;
          oomCount = 0;
          if (result === 'EMSGSIZE') {
            nerrors++;
            if (!o.quiet) stderr += `ping: local error: message too long, mtu=${mtu || 65535}\n`;
          } else if (result === 'ENOBUFS' && !o.quiet) {
            // Only the exhausted ENOBUFS retries are reported: for any other errno receive_error_msg
            // finds the error queue empty, counts a local error and pinger stays silent.
            stderr += 'ping: sendmsg: No buffer space available\n';
          }
        }
        maybeDone();
        if (finished) return;
        if (o.count === undefined || ntransmitted < o.count) sendTimer = w.loop.after(next, pinger);
        else scheduleExit();
      };

      if (o.deadline !== undefined) deadlineTimer = w.loop.after(Math.round(o.deadline * NS_PER_SEC), finish);
      pinger();
    },
  };
}

export const ping: Tool = {
  check(argv) {
    const p = parse(argv);
    return 'unsupported' in p ? p.unsupported : undefined;
  },
  run(ctx, argv) {
    const p = parse(argv);
    if ('unsupported' in p) return out('', `${p.unsupported}\n`, 2);
    if ('error' in p) return out('', `${p.error}\n`, p.exit);
    return start(ctx, p.opts);
  },
};
