/** procps `sysctl`: `sysctl [-n] [-q] NAME...`, `sysctl [-q] -w NAME=VALUE...`, dots or slashes. */
import { sysctlFile, sysctlRead, sysctlLoadCheck, sysctlWrite } from '../stack/sysctl.js';
import { out, type Tool } from './tool.js';

function parse(argv: readonly string[]): { flags: Set<string>; names: string[] } | { error: string } {
  const flags = new Set<string>();
  const names: string[] = [];
  for (const a of argv.slice(1)) {
    if (a.startsWith('-') && names.length === 0) {
      for (const f of a.slice(1)) {
        if (!'wnqe'.includes(f)) return { error: `sysctl option -${f} is not simulated` };
        flags.add(f);
      }
    } else names.push(a);
  }
  return { flags, names };
}

/** sysctl shows names with dots; a name given with slashes is shown with dots too. */
function dotted(name: string): string {
  return name.includes('/') ? name.replace(/\//g, '.') : name;
}

function path(name: string): string {
  return `/proc/sys/${name.includes('/') ? name : name.replace(/\./g, '/')}`;
}

export const sysctl: Tool = {
  check(argv) {
    const p = parse(argv);
    if ('error' in p) return p.error;
    if (p.names.length === 0) return 'sysctl without names lists everything, which is not simulated';
    for (const item of p.names) {
      const write = p.flags.has('w') || item.includes('=');
      const [name, value] = write ? (item.split(/=(.*)/s, 2) as [string, string | undefined]) : [item, undefined];
      const why = sysctlLoadCheck(path(name), value);
      if (why) return why;
    }
    return undefined;
  },
  run(ctx, argv) {
    const p = parse(argv);
    if ('error' in p) return out('', `${p.error}\n`, 255);
    let stdout = '';
    let stderr = '';
    let exit = 0;
    for (const item of p.names) {
      const write = p.flags.has('w') || item.includes('=');
      const [name, value] = write ? (item.split(/=(.*)/s, 2) as [string, string | undefined]) : [item, undefined];
      const f = sysctlFile(ctx.ns, path(name));
      if (!f) {
        // -e: unknown keys ignored, silently and without failing (measured: exit 0; else 1).
        if (!p.flags.has('e')) {
          stderr += `sysctl: cannot stat ${path(name)}: No such file or directory\n`;
          exit = 1;
        }
        continue;
      }
      if (write) {
        if (value === undefined || sysctlWrite(ctx.ns, f, value)) {
          stderr += `sysctl: setting key "${dotted(name)}": Invalid argument\n`;
          exit = 1;
          continue;
        }
      }
      if (p.flags.has('q') && write) continue;
      // procps echoes what it wrote, not what the kernel kept (icmp_ratelimit=1001 reads back 1004).
      const v = write ? (value as string) : sysctlRead(ctx.ns, f);
      stdout += p.flags.has('n') ? `${v}\n` : `${dotted(name)} = ${v}\n`;
    }
    return out(stdout, stderr, exit);
  },
};
