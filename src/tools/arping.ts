/**
 * iputils arping (20221126) as root runs it: ARP requests (or, with -U/-A, gratuitous ARP) sent through
 * a packet socket bound to one device, and every ARP frame that device receives read back from it.
 * The kernel's own ARP sees the same frames on the other side — and answers them — but nothing arping
 * sends goes through the sender's neighbour table.
 *
 * Its rules, measured on the kernel (6.18) with Debian's iputils-arping:
 * - The device: -I, else the one `ip route get DEST` names ("NETLINK_ROUTE unexpected iov element",
 *   exit 1, when there is none). It must exist ("Device X not available.", 2), be up ('Interface "X" is
 *   down', on stdout, 2) and ARP (IFF_NOARP or IFF_LOOPBACK: 'Interface "lo" is not ARPable', 2, or 0 with -D).
 * - The source: -s; with -U/-A the destination; with -D 0.0.0.0; otherwise what a UDP socket bound to
 *   the device with SO_DONTROUTE gets from connect() to the destination. A source the host does not
 *   own fails the probe socket's bind ("bind: Cannot assign requested address", 2).
 * - Timing: a probe at once, then one every -i seconds (default 1; 0 disarms the timer). It stops when
 *   the interval timer fires for the (-c + 1)th time — so `-c 1` takes a second even when answered at
 *   once — at the -w deadline (after a probe due at the same instant), at the first reply with -f or
 *   -D, or at the -c-th reply with -w. Probes are broadcast until a reply comes, then unicast to the
 *   replier (not with -b).
 * - Exit status: -U/-A 0; -D 1 if anyone answered; -w without -c 0 if anyone answered; otherwise 0 only
 *   if exactly as many replies as probes came back.
 */
import { ARP_OP_REPLY, ARP_OP_REQUEST, emitArp, parseArp } from '../wire/arp.js';
import { BROADCAST_MAC, ETHERTYPE_ARP } from '../wire/ethernet.js';
import { inetAton, ipv4ToString, isMulticastIpv4, type Ipv4Address } from '../wire/ipv4.js';
import { NS_PER_SEC, type Timer } from '../sim/event-loop.js';
import { findByName } from '../sim/world.js';
import { RT_TABLE_LOCAL, type NsState } from '../sim/state.js';
import { isLoopback } from '../core/netdevice.js';
import { STRERROR } from '../core/errno.js';
import { packet_bind, packet_create, packet_release, packet_snd, type SockaddrLl } from '../core/af_packet.js';
import { ip_route_output } from '../stack/route.js';
import { fibTableLookup, SCOPE_VALUE } from '../stack/fib.js';
import { arpingArgs, type ArpingOptions } from '../scenario/arping-args.js';
import { out, type AsyncRun, type Tool, type ToolContext, type ToolOutput } from './tool.js';

/** recv_pack's verdict on a frame: not ours, counted, or the one that ends the run (FINAL_PACKS). */
type Received = 'ignored' | 'counted' | 'final';

/**
 * inet_bind's address check (inet_addr_valid_or_nonlocal): any, or what the local table calls local or
 * broadcast; zeronet, 255.255.255.255 and multicast count as broadcast and multicast there.
 */
function bindable(st: NsState, addr: Ipv4Address): boolean {
  if (addr >>> 24 === 0 || addr === 0xffffffff || isMulticastIpv4(addr)) return true;
  const r = fibTableLookup(st, RT_TABLE_LOCAL, { daddr: addr, saddr: 0, oif: 0, iif: 0 });
  return r !== undefined && (r.type === 'local' || r.type === 'broadcast');
}

/** print_hex: a MAC in capitals. */
function hex(mac: string): string {
  return mac.toUpperCase();
}

/**
 * The time since the last probe as recv_pack prints it: whole microseconds from CLOCK_MONOTONIC's
 * seconds and nanoseconds, then split so that it shows half a millisecond more than it measured.
 */
function elapsed(now: number, last: number): string {
  const sec = (t: number) => Math.floor(t / NS_PER_SEC);
  const nsec = (t: number) => t % NS_PER_SEC;
  let usecs = (sec(now) - sec(last)) * 1_000_000 + Math.trunc((nsec(now) - nsec(last) + 500) / 1000);
  const msecs = Math.trunc((usecs + 500) / 1000);
  usecs -= msecs * 1000 - 500;
  return `${msecs}.${String(usecs).padStart(3, '0')}ms`;
}

function start(ctx: ToolContext, o: ArpingOptions): ToolOutput | AsyncRun {
  const w = ctx.world;
  const ns = ctx.ns;
  const st = ns.state;
  const prog = o.prog;
  const gdst = inetAton(o.target) as Ipv4Address;
  const error = (message: string, exit: number, stdout = '') => out(stdout, `${prog}: ${message}\n`, exit);

  let name = o.device === '' ? undefined : o.device;
  if (name === undefined) {
    // guess_device: RTM_GETROUTE for the destination; an error answer ends arping.
    const r = ip_route_output(st, { daddr: gdst, saddr: 0, oif: 0 });
    if (!r.ok) return error('NETLINK_ROUTE unexpected iov element', 1);
    name = r.dev.name;
  }
  // check_device, from getifaddrs' AF_PACKET entries.
  const dev = findByName(st, name);
  if (!dev) return error(`Device ${name} not available.`, 2);
  if (!dev.up) return out(o.quiet ? '' : `Interface "${name}" is down\n`, '', 2);
  if (isLoopback(dev) || dev.noarp) return out(o.quiet ? '' : `Interface "${name}" is not ARPable\n`, '', o.dad ? 0 : 2);

  let gsrc = 0;
  if (o.source !== undefined) {
    const s = inetAton(o.source);
    if (s === null) return error(`invalid source ${o.source}`, 2);
    gsrc = s;
  }
  if (!o.dad && o.unsolicited && o.source === undefined) gsrc = gdst;
  if (!o.dad || o.source !== undefined) {
    // The probe socket: UDP, SO_BINDTODEVICE to the device; bound to the source, or connected to find one.
    if (o.source !== undefined || gsrc !== 0) {
      if (!bindable(st, gsrc)) return error(`bind: ${STRERROR.EADDRNOTAVAIL}`, 2);
    } else if (!o.dad && !o.unsolicited) {
      const r = ip_route_output(st, { daddr: gdst, saddr: 0, oif: dev.ifindex, scope: SCOPE_VALUE.link });
      if (!r.ok) return error(`connect: ${STRERROR[r.error]}`, 2);
      // A UDP socket without SO_BROADCAST may not connect to a broadcast address.
      if (r.type === 'broadcast') return error(`connect: ${STRERROR.EACCES}`, 2);
      gsrc = r.saddr;
    }
  }

  const me = dev.mac;
  let he = BROADCAST_MAC;
  let stdout = o.quiet ? '' : `ARPING ${ipv4ToString(gdst)} from ${ipv4ToString(gsrc)} ${name}\n`;
  if (o.source === undefined && gsrc === 0 && !o.dad) return error('no source address in not-DAD mode', 2, stdout);

  return {
    async: (done) => {
      let sent = 0;
      let brdSent = 0;
      let received = 0;
      let brdRecv = 0;
      let reqRecv = 0;
      let unicasting = false;
      let last: number | undefined;
      let finished = false;
      let tickTimer: Timer | undefined;
      let deadlineTimer: Timer | undefined;
      const t0 = w.loop.now;
      /** The interval timer's expirations so far, counting the first probe (total_expires). */
      let expires = 1;

      const finish = () => {
        if (finished) return;
        finished = true;
        packet_release(w, sk);
        w.loop.cancel(tickTimer);
        w.loop.cancel(deadlineTimer);
        if (!o.quiet) {
          stdout += `Sent ${sent} probes (${brdSent} broadcast(s))\nReceived ${received} response(s)`;
          if (brdRecv || reqRecv) stdout += ` (${reqRecv ? `${reqRecv} request(s)` : ''}${brdRecv ? `${reqRecv ? ', ' : ''}${brdRecv} broadcast(s)` : ''})`;
          stdout += '\n';
        }
        // finish()'s verdict, then event_loop's own on top of it.
        let rc = o.dad ? (received ? 1 : 0) : o.unsolicited ? 0 : received ? 0 : 1;
        if (!o.unsolicited) {
          if (o.dad && o.quitOnReply) rc |= brdSent === received ? 1 : 0;
          else if (o.timeout && !(o.count > 0)) rc |= received > 0 ? 0 : 1;
          else rc |= sent !== received ? 1 : 0;
        }
        done(out(stdout, '', rc));
      };

      const sendPack = () => {
        const arp = emitArp({ operation: o.advert ? ARP_OP_REPLY : ARP_OP_REQUEST, senderMac: me, senderIp: gsrc, targetMac: o.advert ? me : he, targetIp: gdst });
        if (!packet_snd(w, sk, he, arp).ok) return;
        last = w.loop.now;
        sent++;
        if (!unicasting) brdSent++;
      };

      const recvPack = (payload: Uint8Array, from: SockaddrLl): Received => {
        if (from.pktType === 'otherhost') return 'ignored';
        const r = parseArp(payload);
        if (!r.ok) return 'ignored';
        const a = r.value;
        if (a.operation !== ARP_OP_REQUEST && a.operation !== ARP_OP_REPLY) return 'ignored';
        if (!o.dad) {
          if (a.senderIp !== gdst || a.targetIp !== gsrc || a.targetMac !== me) return 'ignored';
        } else {
          // A DAD probe fails on any packet from the tested address by another MAC (and, when arping
          // had a source, aimed at it).
          if (a.senderIp !== gdst || a.senderMac === me) return 'ignored';
          if (gsrc !== 0 && a.targetIp !== gsrc) return 'ignored';
        }
        if (!o.quiet) {
          let line = `${from.pktType === 'host' ? 'Unicast' : 'Broadcast'} ${a.operation === ARP_OP_REPLY ? 'reply' : 'request'} from ${ipv4ToString(a.senderIp)} [${hex(a.senderMac)}] `;
          const forIp = a.targetIp !== gsrc;
          if (forIp) line += `for ${ipv4ToString(a.targetIp)} `;
          if (a.targetMac !== me) line += `${forIp ? '' : 'for '}[${hex(a.targetMac)}]`;
          line += last === undefined ? ' UNSOLICITED?\n' : ` ${elapsed(w.loop.now, last)}\n`;
          stdout += line;
        }
        received++;
        if (o.timeout && received === o.count) return 'final';
        if (from.pktType !== 'host') brdRecv++;
        if (a.operation === ARP_OP_REQUEST) reqRecv++;
        if (o.quitOnReply) return 'final';
        if (!o.broadcastOnly) {
          he = a.senderMac;
          unicasting = true;
        }
        return 'counted';
      };

      const sk = packet_create(ns, ETHERTYPE_ARP, "arping's packet socket", (payload, from) => {
        if (!finished && recvPack(payload, from) === 'final') finish();
      });
      packet_bind(w, sk, dev);

      const tick = () => {
        tickTimer = undefined;
        expires++;
        if (o.count > 0 && o.count < expires) return finish();
        sendPack();
        tickTimer = w.loop.at(t0 + expires * o.interval * NS_PER_SEC, tick);
      };
      if (o.interval > 0) tickTimer = w.loop.at(t0 + o.interval * NS_PER_SEC, tick);
      if (o.timeout > 0) {
        deadlineTimer = w.loop.at(t0 + o.timeout * NS_PER_SEC, () => {
          deadlineTimer = undefined;
          // poll() reports both timers; the interval timer's probe goes out first.
          if (tickTimer && tickTimer.at === w.loop.now) {
            w.loop.cancel(tickTimer);
            tick();
          }
          finish();
        });
      }
      sendPack();
    },
  };
}

export const arping: Tool = {
  check(argv) {
    const a = arpingArgs(argv);
    if (a.kind === 'run' && inetAton(a.opts.target) === null) return `arping: only numeric IPv4 destinations are simulated (no name resolution), not '${a.opts.target}'`;
    return undefined;
  },
  run(ctx, argv) {
    const a = arpingArgs(argv);
    if (a.kind === 'exit') return out(a.stdout, a.stderr, a.exit);
    if (inetAton(a.opts.target) === null) return out('', `${arping.check(argv)}\n`, 2);
    return start(ctx, a.opts);
  },
};
