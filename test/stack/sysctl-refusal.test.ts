/**
 * A /proc/sys file the kernel has but the simulator does not model is refused when the scenario loads;
 * one neither has runs (and fails there as on the kernel); values the simulator cannot act on are refused.
 */
import { describe, expect, it } from 'vitest';
import { PROC_SYS_NET } from '../../src/stack/proc-sys-names.js';
import { CONF_KEYS } from '../../src/stack/devinet.js';
import { sysctlRefusal } from '../../src/stack/sysctl.js';

const conf = (dev: string, key: string) => `/proc/sys/net/ipv4/conf/${dev}/${key}`;

describe('sysctlRefusal', () => {
  it('accepts every conf key the simulator models, for any device', () => {
    for (const k of CONF_KEYS) for (const d of ['all', 'default', 'veth0']) expect(sysctlRefusal(conf(d, k), '1'), k).toBeUndefined();
  });

  it('refuses the kernel conf keys the simulator does not model, and only those', () => {
    const missing = (PROC_SYS_NET.conf ?? []).filter((k) => !CONF_KEYS.includes(k));
    expect(missing.length).toBeGreaterThan(0);
    for (const k of missing) expect(sysctlRefusal(conf('veth0', k))).toBe(`sysctl net.ipv4.conf.veth0.${k} is not simulated`);
  });

  it('leaves a name the kernel lacks too to fail at run time, as sysctl does', () => {
    expect(sysctlRefusal(conf('veth0', 'no_such_key'), '1')).toBeUndefined();
    expect(sysctlRefusal('/proc/sys/net/ipv4/neigh/default/proxy_delay')).toBeUndefined();
    expect(sysctlRefusal('/proc/sys/net/ipv4/no_such_file')).toBeUndefined();
  });

  it('refuses files of other directories the kernel has', () => {
    expect(sysctlRefusal('/proc/sys/net/ipv4/tcp_syncookies')).toBe('sysctl net.ipv4.tcp_syncookies is not simulated');
    expect(sysctlRefusal('/proc/sys/net/ipv4/route/mtu_expires')).toBe('sysctl net.ipv4.route.mtu_expires is not simulated');
    expect(sysctlRefusal('/proc/sys/net/core/somaxconn')).toBe('sysctl net.core.somaxconn is not simulated');
  });

  it('refuses enabling IPv6, accepts disabling it', () => {
    expect(sysctlRefusal('/proc/sys/net/ipv6/conf/all/disable_ipv6', '0')).toMatch(/not simulated/);
    expect(sysctlRefusal('/proc/sys/net/ipv6/conf/all/disable_ipv6', '1')).toBeUndefined();
    expect(sysctlRefusal('/proc/sys/net/ipv6/conf/all/disable_ipv6')).toBeUndefined();
  });
});
