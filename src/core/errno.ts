/**
 * The errnos the simulated kernel answers with, and their strerror text (glibc's wording, which
 * iproute2, iputils and the other tools print): one table for every tool.
 */
export type Errno =
  | 'EPERM'
  | 'ENOENT'
  | 'ENXIO'
  | 'ESRCH'
  | 'ENOBUFS'
  | 'EEXIST'
  | 'ENODEV'
  | 'EINVAL'
  | 'ERANGE'
  | 'EBUSY'
  | 'EACCES'
  | 'EADDRNOTAVAIL'
  | 'EADDRINUSE'
  | 'ENETDOWN'
  | 'ENETUNREACH'
  | 'EHOSTUNREACH'
  | 'EOPNOTSUPP'
  | 'ELOOP'
  | 'ENOTCONN'
  | 'EMSGSIZE';

export const STRERROR: Readonly<Record<Errno, string>> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  ENXIO: 'No such device or address',
  ESRCH: 'No such process',
  ENOBUFS: 'No buffer space available',
  EEXIST: 'File exists',
  ENODEV: 'No such device',
  EINVAL: 'Invalid argument',
  ERANGE: 'Numerical result out of range',
  EBUSY: 'Device or resource busy',
  EACCES: 'Permission denied',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EADDRINUSE: 'Address already in use',
  ENETDOWN: 'Network is down',
  ENETUNREACH: 'Network is unreachable',
  EHOSTUNREACH: 'No route to host',
  EOPNOTSUPP: 'Operation not supported',
  ELOOP: 'Too many levels of symbolic links',
  ENOTCONN: 'Transport endpoint is not connected',
  EMSGSIZE: 'Message too long',
};

export function strerror(errno: Errno): string {
  return STRERROR[errno];
}

/** What a control operation answers: done, or the errno (and the extended ack iproute2 prints, if any). */
export type Result = { readonly ok: true } | { readonly ok: false; readonly errno: Errno; readonly extack?: string };

export const OK: Result = { ok: true };

export function fail(errno: Errno, extack?: string): Result {
  return extack === undefined ? { ok: false, errno } : { ok: false, errno, extack };
}
