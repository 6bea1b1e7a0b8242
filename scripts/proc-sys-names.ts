/**
 * `npx tsx scripts/proc-sys-names.ts` (root): lists the files this kernel has under /proc/sys/net in a
 * fresh network namespace and writes them to src/stack/proc-sys-names.ts. The simulator uses the list
 * to tell a file it does not model ("not simulated", at load) from one the kernel has not got either
 * ("cannot stat", as sysctl says it).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

const listing = (dir: string) => `find /proc/sys/net/${dir} -maxdepth 1 -type f -printf '%f\\n' | sort`;
const dirs = { ipv4: 'ipv4', conf: 'ipv4/conf/lo', neigh: 'ipv4/neigh/lo', route: 'ipv4/route', ipv6: 'ipv6', ipv6Conf: 'ipv6/conf/lo', core: 'core' };
const script = Object.entries(dirs).map(([k, d]) => `echo "#${k}"; ${listing(d)}`).join('; ');
const r = spawnSync('unshare', ['--net', 'bash', '-c', script], { encoding: 'utf8' });
if (r.status !== 0) {
  process.stderr.write(`proc-sys-names: ${r.stderr || r.error?.message}\n`);
  process.exit(1);
}
const lists: Record<string, string[]> = {};
let cur = '';
for (const line of r.stdout.split('\n').filter(Boolean)) {
  if (line.startsWith('#')) lists[(cur = line.slice(1))] = [];
  else lists[cur]?.push(line);
}
const uname = spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim();
const body = Object.entries(lists)
  .map(([k, v]) => `  ${k}: [\n${v.map((n) => `    '${n}',`).join('\n')}\n  ],`)
  .join('\n');
writeFileSync(
  'src/stack/proc-sys-names.ts',
  `/**\n * The files /proc/sys/net holds in a new network namespace on Linux ${uname}, per directory (conf,\n * neigh and ipv6Conf: the files of one device's directory). Written by scripts/proc-sys-names.ts.\n */\nexport const PROC_SYS_NET: Readonly<Record<string, readonly string[]>> = {\n${body}\n};\n`,
);
process.stdout.write(`proc-sys-names: ${Object.values(lists).reduce((n, v) => n + v.length, 0)} names from Linux ${uname}\n`);
