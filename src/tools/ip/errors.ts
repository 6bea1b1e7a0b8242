/**
 * How iproute2 ends a command early. Its helpers print to stderr and either exit(-1) (usage errors:
 * status 255), exit(1) (a bad address), or return -1 / -2 up to main, which negates it (status 1, or 2
 * after the kernel refused a request). Here every such end is an IpExit thrown to the command's top.
 */
import { STRERROR, type Errno } from '../../core/errno.js';

export class IpExit extends Error {
  constructor(
    readonly code: number,
    readonly text: string,
  ) {
    super(text);
  }
}

/** Something real iproute2 accepts but the simulator does not model: check() names it before a run. */
export class Unsupported extends Error {}

export function unsupported(what: string): never {
  throw new Unsupported(what);
}

export function fail(code: number, text: string): never {
  throw new IpExit(code, text);
}

/** invarg(): the message may carry its own "\n", which iproute2 prints as an empty line. */
export function invarg(msg: string, arg: string): never {
  return fail(255, `Error: argument "${arg}" is wrong: ${msg}\n`);
}

export function duparg(key: string, arg: string): never {
  return fail(255, `Error: duplicate "${key}": "${arg}" is the second value.\n`);
}

export function duparg2(key: string, arg: string): never {
  return fail(255, `Error: either "${key}" is duplicate, or "${arg}" is a garbage.\n`);
}

export function incompleteCommand(): never {
  return fail(255, 'Command line is not complete. Try option "help"\n');
}

/** nodev(): returned as -1, so the status is 1. */
export function nodev(dev: string): never {
  return fail(1, `Cannot find device "${dev}"\n`);
}

export function strerror(errno: string): string {
  return (STRERROR as Readonly<Record<string, string>>)[errno] ?? errno;
}

/**
 * What rtnl_talk prints when the kernel refuses: its extended ack as "Error: MSG." (a final '.' added
 * if missing), else "RTNETLINK answers: " and strerror.
 */
export function rtnlMessage(r: { readonly errno: Errno | string; readonly extack?: string }): string {
  if (r.extack !== undefined && r.extack !== '') return `Error: ${r.extack}${r.extack.endsWith('.') ? '' : '.'}\n`;
  return `RTNETLINK answers: ${strerror(r.errno)}\n`;
}

/** A refused request: the message, and the status -2 from iproute2's do_ functions. */
export function rtnlFail(r: { readonly errno: Errno | string; readonly extack?: string }): never {
  return fail(2, rtnlMessage(r));
}
