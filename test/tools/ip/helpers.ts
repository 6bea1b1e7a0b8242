/**
 * Running `ip` command lines against a simulated world, the way the script runner does: the line is
 * split into words as a shell would, `ip netns exec NS` is unwrapped into "run in NS".
 */
import { World } from '../../../src/sim/world.js';
import { ip } from '../../../src/tools/ip/index.js';
import type { ToolOutput } from '../../../src/tools/tool.js';
import { splitScript } from '../../../src/scenario/script.js';
import { invocation } from '../../../src/scenario/command.js';

export interface Session {
  readonly world: World;
  /** Runs one line; a line check() refuses comes back with status -1 and the reason as stderr. */
  run(line: string): ToolOutput;
}

export function session(seed = 1): Session {
  const world = new World({ seed, detailedTrace: false });
  world.createNamespace('', true);
  return {
    world,
    run(line: string): ToolOutput {
      const [l] = splitScript(line, 'test', 1);
      if (!l) throw new Error(`empty line: ${line}`);
      const inv = invocation(l.words);
      const argv = inv.argv as string[];
      if (argv[0] !== 'ip') throw new Error(`not an ip line: ${line}`);
      const ns = world.namespaces.get(inv.netns ?? '');
      if (!ns) return { stdout: '', stderr: `Cannot open network namespace "${inv.netns}": No such file or directory\n`, exit: 255 };
      const why = ip.check(argv);
      if (why !== undefined) return { stdout: '', stderr: why, exit: -1 };
      const r = ip.run({ world, ns }, argv);
      if ('async' in r) throw new Error('ip is never asynchronous');
      return r;
    },
  };
}

/** MACs renamed by first appearance (the simulator's are random per seed, as the kernel's are). */
export function macs(text: string): string {
  const seen = new Map<string, string>();
  return text.replace(/\b[0-9a-f]{2}(:[0-9a-f]{2}){5}\b/g, (m) => {
    if (m === 'ff:ff:ff:ff:ff:ff' || m === '00:00:00:00:00:00') return m;
    if (!seen.has(m)) seen.set(m, `<mac${seen.size + 1}>`);
    return seen.get(m) as string;
  });
}
