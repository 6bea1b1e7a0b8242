/**
 * The shell pieces scripts use: `echo V > /proc/sys/...` (and plain echo), `cat /proc/sys/...` and
 * `cat /proc/net/{dev,arp,route}`, `cat /sys/class/net/DEV/ATTR`, `sleep`.
 * Messages are bash's and coreutils' as kernel mode runs them (`bash -c`, hence "bash: line 1:").
 */
import { NS_PER_SEC } from '../sim/event-loop.js';
import { sysctlFile, sysctlRead, sysctlLoadCheck, sysctlWrite } from '../stack/sysctl.js';
import { CONF_KEYS } from '../stack/devinet.js';
import type { Namespace } from '../sim/world.js';
import { out, type Tool } from './tool.js';
import { procNetFile, procNetRead } from './proc-net.js';
import { sysClassNetFile, sysClassNetRead } from './sys-class-net.js';

/** `echo WORDS` or `echo WORDS > FILE`; argv has the redirection as its last two items: '>' FILE. */
export const echo: Tool = {
  check(argv) {
    const gt = argv.indexOf('>');
    if (gt >= 0 && gt !== argv.length - 2) return `only 'echo VALUE > FILE' is simulated`;
    if (gt >= 0 && !(argv[gt + 1] ?? '').startsWith('/proc/sys/')) return `echo can only write to /proc/sys in the simulator, not ${argv[gt + 1]}`;
    if (argv.slice(1).some((a) => a.startsWith('-') && a !== '-')) return 'echo options are not simulated';
    return gt >= 0 ? sysctlLoadCheck(argv[gt + 1] as string, argv.slice(1, gt).join(' ')) : undefined;
  },
  run(ctx, argv) {
    const gt = argv.indexOf('>');
    const text = argv.slice(1, gt >= 0 ? gt : undefined).join(' ');
    if (gt < 0) return out(`${text}\n`);
    const path = argv[gt + 1] as string;
    const f = sysctlFile(ctx.ns, path);
    if (!f) return out('', `bash: line 1: ${path}: No such file or directory\n`, 1);
    if (sysctlWrite(ctx.ns, f, text)) return out('', 'bash: line 1: echo: write error: Invalid argument\n', 1);
    return out('');
  },
};

const GLOB = /[*?[]/;
/** The one glob simulated: the device part of /proc/sys/net/ipv4/conf/DEV/KEY, whose entries are known. */
const CONF_GLOB = /^\/proc\/sys\/net\/ipv4\/conf\/([^/]+)\/([^/]+)$/;

/** A glob pattern of one path component as bash matches it: * and ? within the name, [...] and [!...] sets. */
function globRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let set = pattern.slice(i + 1, end);
        if (set.startsWith('!')) set = `^${set.slice(1)}`;
        re += `[${set.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * bash's expansion of an unquoted glob (a quoted one is taken as a glob too: the script's words no
 * longer say which were quoted): the matching paths in byte order, or the word itself when none match.
 */
function expandConfGlob(ns: Namespace, path: string): string[] {
  const m = CONF_GLOB.exec(path);
  if (!m) return [path];
  const dirs = ['all', 'default', ...Object.values(ns.state.devices).map((d) => d.name)];
  const re = globRegex(m[1] as string);
  const hits = dirs.filter((d) => re.test(d) && !d.startsWith('.')).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return hits.length > 0 ? hits.map((d) => `/proc/sys/net/ipv4/conf/${d}/${m[2]}`) : [path];
}

/**
 * coreutils' quotef (shell-escape quoting): a name with a character a shell would take specially is
 * shown in single quotes.
 */
function quotef(name: string): string {
  if (/^[A-Za-z0-9_\-./:+,%@=^]*$/.test(name) && name !== '') return name;
  return `'${name.replace(/'/g, "'\\''")}'`;
}

export const cat: Tool = {
  check(argv) {
    if (argv.length < 2) return 'cat without a file reads its input, which a script does not have';
    for (const a of argv.slice(1)) {
      if (GLOB.test(a)) {
        const m = CONF_GLOB.exec(a);
        if (!m || GLOB.test(m[2] as string) || !CONF_KEYS.includes(m[2] as string)) {
          return `a glob is simulated only for the device in /proc/sys/net/ipv4/conf/*/KEY (a KEY the simulator has), not ${a}`;
        }
        continue;
      }
      const sys = sysClassNetFile(a);
      if (sys !== undefined && 'refuse' in sys) return sys.refuse;
      if (sys !== undefined) continue;
      const net = procNetFile(a);
      if (net !== undefined && typeof net === 'object') return net.refuse;
      if (net === undefined && !a.startsWith('/proc/sys/')) return `cat can only read /proc/sys, /proc/net/{dev,arp,route} and /sys/class/net/DEV/ATTR in the simulator, not ${a}`;
      if (net === undefined) {
        const why = sysctlLoadCheck(a);
        if (why) return why;
      }
    }
    return undefined;
  },
  run(ctx, argv) {
    let stdout = '';
    let stderr = '';
    let exit = 0;
    for (const path of argv.slice(1).flatMap((a) => (GLOB.test(a) ? expandConfGlob(ctx.ns, a) : [a]))) {
      const sys = sysClassNetFile(path);
      if (sys !== undefined && !('refuse' in sys)) {
        const r = sysClassNetRead(ctx.world, ctx.ns, sys);
        if ('text' in r) stdout += r.text;
        else {
          stderr += `cat: ${quotef(path)}: ${r.errno === 'ENOENT' ? 'No such file or directory' : 'Invalid argument'}\n`;
          exit = 1;
        }
        continue;
      }
      const net = procNetFile(path);
      if (typeof net === 'string') {
        stdout += procNetRead(ctx.world, ctx.ns, net);
        continue;
      }
      const f = sysctlFile(ctx.ns, path);
      if (!f) {
        stderr += `cat: ${quotef(path)}: No such file or directory\n`;
        exit = 1;
      } else stdout += `${sysctlRead(ctx.ns, f)}\n`;
    }
    return out(stdout, stderr, exit);
  },
};

/** Seconds as sleep(1) reads them: a decimal number with an optional s/m/h/d suffix. */
export function sleepSeconds(arg: string): number | undefined {
  const m = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(arg);
  if (!m) return undefined;
  const mult = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * mult;
}

export const sleep: Tool = {
  check(argv) {
    if (argv.length < 2) return undefined;
    const bad = argv.slice(1).find((a) => sleepSeconds(a) === undefined);
    return bad ? `sleep: invalid time interval '${bad}'` : undefined;
  },
  run(ctx, argv) {
    if (argv.length < 2) return out('', "sleep: missing operand\nTry 'sleep --help' for more information.\n", 1);
    const secs = argv.slice(1).reduce((s, a) => s + (sleepSeconds(a) ?? 0), 0);
    return { async: (done) => void ctx.world.loop.after(Math.round(secs * NS_PER_SEC), () => done(out(''))) };
  },
};
