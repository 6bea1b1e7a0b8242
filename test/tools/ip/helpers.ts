/**
 * Running `ip` command lines against a simulated world, the way the script runner does: the line is
 * split into words as a shell would, `ip netns exec NS` is unwrapped into "run in NS".
 */
import type { World } from '../../../src/sim/world.js';
import { createWorld } from '../../../src/init/index.js';
import { ip } from '../../../src/tools/ip/index.js';
import { ping } from '../../../src/tools/ping.js';
import { NotSimulated, type ToolOutput } from '../../../src/tools/tool.js';
import { splitScript } from '../../../src/scenario/script.js';
import { invocation } from '../../../src/scenario/command.js';
import { NS_PER_SEC } from '../../../src/sim/event-loop.js';

export interface Session {
  readonly world: World;
  /** Runs one line; a line check() refuses comes back with status -1 and the reason as stderr. */
  run(line: string): ToolOutput;
}

export function session(seed = 1): Session {
  const world = createWorld({ seed, detailedTrace: false });
  world.createNamespace('', true);
  return {
    world,
    run(line: string): ToolOutput {
      const [l] = splitScript(line, 'test', 1);
      if (!l) throw new Error(`empty line: ${line}`);
      const inv = invocation(l.words);
      const argv = inv.argv as string[];
      // `sleep N` lets virtual time pass, as the script runner does (kernel timers show it).
      if (argv[0] === 'sleep' && argv.length === 2 && inv.netns === undefined) {
        world.loop.runUntil(world.loop.now + Number(argv[1]) * NS_PER_SEC);
        return { stdout: '', stderr: '', exit: 0 };
      }
      const ns = world.namespaces.get(inv.netns ?? '');
      if (!ns) return { stdout: '', stderr: `Cannot open network namespace "${inv.netns}": No such file or directory\n`, exit: 255 };
      // A ping runs to its end in virtual time (the traffic the counters tests read).
      if (argv[0] === 'ping') {
        const r = ping.run({ world, ns }, argv);
        if (!('async' in r)) return r;
        let done: ToolOutput | undefined;
        r.async((o) => (done = o));
        while (done === undefined && world.loop.step());
        if (!done) throw new Error(`ping never ended: ${line}`);
        return done;
      }
      if (argv[0] !== 'ip') throw new Error(`not an ip or ping line: ${line}`);
      const why = ip.check(argv);
      if (why !== undefined) return { stdout: '', stderr: why, exit: -1 };
      try {
        const r = ip.run({ world, ns }, argv);
        if ('async' in r) throw new Error('ip is never asynchronous');
        return r;
      } catch (e) {
        // Refused when it runs (the script runner stops there, naming the line): status -2.
        if (e instanceof NotSimulated) return { stdout: '', stderr: `${e.message}\n`, exit: -2 };
        throw e;
      }
    },
  };
}

/**
 * MACs renamed by first appearance (the simulator's are random per seed, as the kernel's are). A
 * bridge id (`ip -d`: 8000.36:a:11:82:5c:77, its address bytes unpadded) is first written with the
 * padded address, so it is renamed along with the device's own.
 */
export function macs(text: string): string {
  const seen = new Map<string, string>();
  const padded = text.replace(/\b([0-9a-f]{4})\.([0-9a-f]{1,2}(?::[0-9a-f]{1,2}){5})\b/g, (_m, prio: string, mac: string) => `${prio}.${mac.split(':').map((b) => b.padStart(2, '0')).join(':')}`);
  // Not \b: a coloured MAC (-color) follows the 'm' of its escape sequence.
  return padded.replace(/(?<![0-9a-f:])[0-9a-f]{2}(:[0-9a-f]{2}){5}(?![0-9a-f:])/g, (m) => {
    if (m === 'ff:ff:ff:ff:ff:ff' || m === '00:00:00:00:00:00') return m;
    if (!seen.has(m)) seen.set(m, `<mac${seen.size + 1}>`);
    return seen.get(m) as string;
  });
}

/** `ip -d`'s timer values (hello_timer    0.00, gc_timer    9.95, ...) replaced by <timer>: for kernel lines where they depend on the wall-clock time between commands. */
export function timers(text: string): string {
  return text.replace(/\b(hello_timer|tcn_timer|topology_change_timer|gc_timer|hold_timer|message_age_timer|forward_delay_timer) +\d+\.\d\d\b/g, '$1 <timer>');
}
