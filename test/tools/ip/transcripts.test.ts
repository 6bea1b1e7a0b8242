/**
 * Whole `ip` sessions replayed against the kernel's answers. Each kernel/ip-probe-*.json was recorded in
 * kernel mode from the scenario of the same name (a list of ip lines, each wrapped to keep its stdout,
 * stderr and exit status apart; Linux 6.18.44, iproute2 6.1.0). Every line must print exactly what the
 * kernel's did — trailing spaces included, MACs aside — except the few listed with the reason.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { macs, session, timers } from './helpers.js';

interface Transcript {
  readonly scenario: string;
  readonly lines: readonly { readonly cmd: string; readonly stdout: string; readonly stderr: string; readonly status: number }[];
}

function load(name: string): Transcript {
  return JSON.parse(readFileSync(new URL(`./kernel/${name}.json`, import.meta.url), 'utf8')) as Transcript;
}

/**
 * Lines check() refuses (what they do is not modelled), lines refused when they run (`runtime`: what
 * they would print depends on the world, as a bridge's counters), lines whose output they changed, and lines
 * (0-based) compared with their timer values masked: the kernel's depend on the wall-clock time between
 * the commands, the simulator's on virtual time (test/tools/ip/link-details.test.ts checks those).
 */
const EXCEPTIONS: Readonly<Record<string, { readonly refused: readonly string[]; readonly runtime?: readonly number[]; readonly diverged: readonly number[]; readonly timers?: readonly number[] }>> = {
  'ip-probe-c1': { refused: [], diverged: [] },
  'ip-probe-c2': { refused: [], diverged: [] },
  'ip-probe-c3': { refused: [], diverged: [] },
  'ip-probe-c4': { refused: [], diverged: [] },
  'ip-probe-c5': { refused: [], diverged: [] },
  // A namespace added from inside another (ip netns exec ns2 ip netns add ns9) makes the kernel's list
  // print "Peer netns reference is invalid" errors the simulator does not.
  'ip-probe-c7': { refused: ['ip netns pids ns2'], diverged: [45] },
  'ip-probe-c8': { refused: [], diverged: [69, 75, 77] },
  'ip-probe-c9': { refused: [], diverged: [] },
  'ip-probe-c10': { refused: [], diverged: [] },
  'ip-probe-c11': { refused: [], diverged: [] },
  'ip-probe-c12': { refused: [], diverged: [] },
  // A veth created up has an operstate that settles later (timing): refused, and its listing differs.
  'ip-probe-c13': { refused: ['ip link add vethP up type veth peer name vethQ'], diverged: [4, 6] },
  'ip-probe-c14': { refused: ['ip m', 'ip t', 'ip x', 'ip link set veth0 netns 12345', 'ip link set veth0 netns ""'], diverged: [] },
  // The kernel lists neighbours in its hash table's order, random per boot.
  'ip-probe-c15': { refused: [], diverged: [16] },
  // ip -details of bridges and their ports (recorded by kernel/record.ts from ip-probe-c16.txt). Masked:
  // br1's gc_timer just after ageing_time was set (30) and while it runs every 10 ms (44), p1's
  // forward_delay_timer just after the port was enabled (36).
  'ip-probe-c16': { refused: [], diverged: [], timers: [30, 36, 44] },
  // Output forms: -brief, -json, -pretty, -oneline, -details with them, families (ip-probe-c17.txt..c20.txt).
  'ip-probe-c17': { refused: [], diverged: [] },
  // -s and -color. A bridge's counters, its ports' and their peers' are refused when shown (the model
  // sends no IGMP reports and does not count what a bridge device sends). Diverged: veth0 after its
  // peer, up, moved to ns1 — the kernel says DOWN, the model LOWERLAYERDOWN (an operstate the model
  // does not follow yet; it is no output form's).
  'ip-probe-c18': { refused: ['ip -b link'], runtime: [22, 29, 31, 33, 34, 35, 37, 39, 40], diverged: [42, 48, 49, 51, 56, 60, 61, 66, 76, 77] },
  // neigh get, fibmatch, rule and route JSON, -s flushes. Diverged: the kernel's neighbour hash order
  // (49-55), and an entry a failed `ip neigh add` left behind in NUD_NONE (33), which the model does
  // not create.
  'ip-probe-c19': { refused: ['ip -B neigh', 'ip -s neigh get 10.1.1.7 dev veth0', 'ip -s -s neigh flush dev veth0'], diverged: [33, 49, 50, 51, 52, 53, 54, 55] },
  // Families, colours, route get JSON. Diverged: br0 a moment after it came up, before the kernel's
  // link watcher ran (24: timing), and the IPv6 rules after the refused `ip -6 rule flush` (65, 66);
  // br0's gc_timer masked (43: wall-clock time since it came up).
  'ip-probe-c20': { refused: ['ip -6 rule flush'], diverged: [24, 65, 66], timers: [43] },
  // Empty JSON objects for what print_linkinfo and print_addrinfo filter themselves, fibmatch without a
  // FIB entry, JSON of other families, flushes with -s -s.
  'ip-probe-c21': { refused: [], diverged: [] },
  // ip's usage text: no object, `ip help`, -help.
  'ip-probe-c22': { refused: [], diverged: [] },
  // -details with a family and -oneline, -s with -0 and -4, empty pretty JSON.
  'ip-probe-c23': { refused: [], diverged: [] },
};

describe('ip sessions replayed against kernel-mode recordings', () => {
  for (const [name, ex] of Object.entries(EXCEPTIONS)) {
    it(name, () => {
      const t = load(name);
      const s = session();
      t.lines.forEach((k, i) => {
        const r = s.run(k.cmd);
        if (ex.refused.includes(k.cmd)) {
          expect(r.exit, `${k.cmd} should be refused by check()`).toBe(-1);
          return;
        }
        if (ex.runtime?.includes(i)) {
          expect({ exit: r.exit, refused: /not simulated\n$/.test(r.stderr) }, `${k.cmd} should be refused when it runs`).toEqual({ exit: -2, refused: true });
          return;
        }
        if (ex.diverged.includes(i)) return;
        const where = `${name} line ${i + 1}: ${k.cmd}`;
        const norm = ex.timers?.includes(i) ? (t: string) => timers(macs(t)) : macs;
        expect({ status: r.exit, stdout: norm(r.stdout), stderr: r.stderr }, where).toEqual({ status: k.status, stdout: norm(k.stdout), stderr: k.stderr });
      });
    });
  }
});
