/**
 * Worlds for the switching tests, built as a scenario would build them (parseScenario + runSim), then
 * driven frame by frame: `send` hands a frame to a host's device (dev_queue_xmit, as its stack would)
 * and runs the world until it is quiet; taps on every host device say who received what.
 *
 * The hosts have no addresses, so their stacks answer nothing: every frame a test sees is one it sent.
 * Frames carry the local experimental ethertype 0x88b5, which no stack handles.
 */
import { expect } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import { runSim, type SimRun } from '../../src/runner/simulate.js';
import { CaptureTap, findByName, type Namespace, type World } from '../../src/sim/world.js';
import type { DeviceState } from '../../src/sim/state.js';
import { dev_queue_xmit } from '../../src/core/dev.js';
import { alloc_skb, eth_header } from '../../src/core/skbuff.js';
import { macAt } from '../../src/wire/ethernet.js';
import { NS_PER_SEC } from '../../src/sim/event-loop.js';
import { TOOLS } from '../../src/tools/index.js';
import type { ToolOutput } from '../../src/tools/tool.js';
import { splitScript } from '../../src/scenario/script.js';
import { invocation } from '../../src/scenario/command.js';

export const ETHERTYPE_TEST = 0x88b5;
export const BROADCAST = 'ff:ff:ff:ff:ff:ff';

/** Runs a script in the simulator; the world stays for the test to drive. */
export function simulate(script: string, seed = 1): SimRun {
  const text = `name: t\ntitle: t\nscript: |\n${script.trim().replace(/^\s*/gm, '  ')}\n`;
  return runSim(parseScenario(text, 'test.yaml'), { seed });
}

export function nsOf(w: World, name: string): Namespace {
  return w.namespaces.get(name) ?? expect.fail(`no namespace "${name}"`);
}

export function devOf(w: World, ns: string, name: string): DeviceState {
  return findByName(nsOf(w, ns).state, name) ?? expect.fail(`no device ${ns}/${name}`);
}

/** A host device's transmission: a 60-byte test frame goes out of `dev` in `ns`; the world runs until quiet. */
export function send(w: World, ns: string, dev: string, dst: string, src: string): void {
  sendFrame(w, ns, dev, eth_header(dst, src, ETHERTYPE_TEST, new Uint8Array(46)));
}

export function sendFrame(w: World, ns: string, dev: string, frame: Uint8Array): void {
  dev_queue_xmit(w, alloc_skb(w, nsOf(w, ns), devOf(w, ns, dev), frame));
  quiet(w);
}

export function quiet(w: World): void {
  while (w.loop.busy && w.loop.step());
}

/** Lets `seconds` of virtual time pass. */
export function sleep(w: World, seconds: number): void {
  w.loop.runUntil(w.loop.now + seconds * NS_PER_SEC);
}

/** A tap on a device: which test frames it received (by source MAC), in order. */
export function listen(w: World, ns: string, dev: string): { received(): string[]; sent(): string[] } {
  const tap = new CaptureTap(devOf(w, ns, dev).id);
  w.taps.push(tap);
  // Test frames, and the IPv4 and ARP frames OVS tests build (their hosts have no address to answer with).
  const test = (f: CaptureTap['frames'][number]) => [ETHERTYPE_TEST, 0x0800, 0x0806].includes(((f.data[12] as number) << 8) | (f.data[13] as number));
  return {
    received: () => tap.frames.filter((f) => f.dir === 'in' && test(f)).map((f) => `${macAt(f.data, 6)}>${macAt(f.data, 0)}`),
    sent: () => tap.frames.filter((f) => f.dir === 'out' && test(f)).map((f) => `${macAt(f.data, 6)}>${macAt(f.data, 0)}`),
  };
}

/**
 * Host hN (namespace nsN) is vethN, plugged into br0 through br-vethN; everything up, no addresses.
 * `extra` lines run after the topology is built.
 */
export function linuxBridge(hosts: number, extra = ''): SimRun {
  let s = 'ip link add br0 type bridge\nip link set br0 up\n';
  for (let i = 1; i <= hosts; i++) {
    s += `ip netns add ns${i}\nip link add veth${i} type veth peer name br-veth${i}\nip link set veth${i} netns ns${i}\n`;
    s += `ip link set br-veth${i} master br0\nip link set br-veth${i} up\nip netns exec ns${i} ip link set veth${i} up\n`;
  }
  return simulate(s + extra);
}

/** The same with an Open vSwitch bridge ovs-br: port ovs-vethN is OpenFlow port N. */
export function ovsBridge(hosts: number, extra = ''): SimRun {
  let s = 'ovs-vsctl add-br ovs-br\n';
  for (let i = 1; i <= hosts; i++) {
    s += `ip netns add ns${i}\nip link add veth${i} type veth peer name ovs-veth${i}\nip link set veth${i} netns ns${i}\n`;
    s += `ovs-vsctl add-port ovs-br ovs-veth${i}\nip link set ovs-veth${i} up\nip netns exec ns${i} ip link set veth${i} up\n`;
  }
  return simulate(s + extra);
}

/** Host N's MAC as a test writes it: 02:00:00:00:00:0N. */
export function mac(n: number): string {
  return `02:00:00:00:00:${n.toString(16).padStart(2, '0')}`;
}

/** Runs one tool line (`bridge fdb show`, `ovs-ofctl dump-flows ovs-br`, ...) in the world, as the runner does. */
export function tool(w: World, line: string): ToolOutput {
  const [l] = splitScript(line, 'test', 1);
  if (!l) throw new Error(`empty line: ${line}`);
  const inv = invocation(l.words);
  const argv = inv.argv as string[];
  const t = TOOLS[argv[0] as string] ?? expect.fail(`no tool ${argv[0]}`);
  const why = t.check(argv);
  if (why !== undefined) expect.fail(why);
  const r = t.run({ world: w, ns: nsOf(w, inv.netns ?? '') }, argv);
  if ('async' in r) throw new Error(`${line} is asynchronous`);
  return r;
}
