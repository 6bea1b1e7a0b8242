/**
 * Routing decisions: the local table first (rule 0), connected routes in main, source selection,
 * a bound device narrowing the lookup, and fib_validate_source under rp_filter and accept_local.
 */
import { describe, expect, it } from 'vitest';
import { fibLookup, fibValidateSource, inetSelectAddr, SCOPE_VALUE } from '../../src/stack/fib.js';
import { ip_route_input, ip_route_output } from '../../src/stack/route.js';
import { devinet_conf_set } from '../../src/stack/devinet.js';
import { fib_nl_newrule } from '../../src/stack/fib_rules.js';
import { inet_rtm_newroute } from '../../src/stack/fib_semantics.js';
import { parseIpv4 } from '../../src/wire/ipv4.js';
import { RT_TABLE_LOCAL, RT_TABLE_MAIN } from '../../src/sim/state.js';
import { addr, dev, move, up, veth, vethPairInOneNamespace, world } from '../sim/helpers.js';

const A = (s: string) => parseIpv4(s) as number;

const samePair = vethPairInOneNamespace;

describe('fibLookup', () => {
  it('finds a local address in the local table at rule 0, before main', () => {
    const { host } = samePair();
    const r = fibLookup(host.state, { daddr: A('10.1.1.3'), saddr: 0, oif: 0, iif: 0 });
    expect(r).toMatchObject({ type: 'local', table: RT_TABLE_LOCAL, rule: { priority: 0 } });
  });

  it('with a bound device, skips routes through other devices: ping -I veth0 10.1.1.3 goes out veth0', () => {
    const { host } = samePair();
    const r = fibLookup(host.state, { daddr: A('10.1.1.3'), saddr: 0, oif: dev(host, 'veth0').ifindex, iif: 0 });
    expect(r).toMatchObject({ type: 'unicast', table: RT_TABLE_MAIN });
  });

  it('answers ENETUNREACH with no route', () => {
    const { host } = samePair();
    expect(fibLookup(host.state, { daddr: A('192.0.2.1'), saddr: 0, oif: 0, iif: 0 })).toEqual({ error: 'ENETUNREACH' });
  });

  it('follows a custom rule to its table', () => {
    const { host } = samePair();
    const r0 = inet_rtm_newroute(host, { table: 100, type: 'unicast', dst: A('10.9.9.0'), dstLen: 24, dev: dev(host, 'veth1').ifindex, gateway: undefined, proto: 'boot', scope: 'link', prefsrc: undefined, metric: undefined }, false);
    expect(r0.ok).toBe(true);
    fib_nl_newrule(host, { priority: 100, table: 100, to: { addr: A('10.9.9.9'), len: 32 }, action: 'lookup' });
    expect(fibLookup(host.state, { daddr: A('10.9.9.9'), saddr: 0, oif: 0, iif: 0 })).toMatchObject({ table: 100, rule: { priority: 100 } });
    expect(fibLookup(host.state, { daddr: A('10.9.9.8'), saddr: 0, oif: 0, iif: 0 })).toEqual({ error: 'ENETUNREACH' });
  });
});

describe('ip_route_output', () => {
  it('sends to a local address through lo, from that address', () => {
    const { host } = samePair();
    const r = ip_route_output(host.state, { daddr: A('10.1.1.2'), saddr: 0, oif: 0 });
    expect(r).toMatchObject({ ok: true, type: 'local', saddr: A('10.1.1.2') });
    expect(r.ok && r.dev.name).toBe('lo');
  });

  it('chooses the connected route and its src for a neighbour', () => {
    const { host } = samePair();
    const r = ip_route_output(host.state, { daddr: A('10.1.1.9'), saddr: 0, oif: dev(host, 'veth1').ifindex });
    expect(r).toMatchObject({ ok: true, type: 'unicast', saddr: A('10.1.1.3'), nexthop: A('10.1.1.9') });
  });

  it('picks a source in the destination subnet on a device with several addresses', () => {
    const { host } = samePair();
    addr(host, 'veth0', '10.7.7.2/24');
    expect(inetSelectAddr(host.state, dev(host, 'veth0').ifindex, A('10.7.7.9'), SCOPE_VALUE.link)).toBe(A('10.7.7.2'));
    expect(inetSelectAddr(host.state, dev(host, 'veth0').ifindex, A('10.8.8.8'), SCOPE_VALUE.link)).toBe(A('10.1.1.2'));
  });
});

describe('fibValidateSource', () => {
  it('refuses a local source unless accept_local (rp_filter 0 fast path)', () => {
    const { host } = samePair();
    const v1 = dev(host, 'veth1');
    expect(fibValidateSource(host.state, A('10.1.1.2'), A('10.1.1.3'), v1)).toMatchObject({ ok: false, reason: 'IP_LOCAL_SOURCE' });
    devinet_conf_set(host, v1.ifindex, 'accept_local', 1);
    expect(fibValidateSource(host.state, A('10.1.1.2'), A('10.1.1.3'), dev(host, 'veth1'))).toEqual({ ok: true });
  });

  it('conf/all/accept_local counts too (IN_DEV_ORCONF)', () => {
    const { host } = samePair();
    devinet_conf_set(host, 'all', 'accept_local', 1);
    expect(fibValidateSource(host.state, A('10.1.1.2'), A('10.1.1.3'), dev(host, 'veth1'))).toEqual({ ok: true });
  });

  it('with accept_local, loose rp_filter (2) passes and strict (1) fails: the way back is not through veth1', () => {
    const { host } = samePair();
    for (const d of ['veth0', 'veth1']) devinet_conf_set(host, dev(host, d).ifindex, 'accept_local', 1);
    devinet_conf_set(host, 'all', 'rp_filter', 2);
    expect(fibValidateSource(host.state, A('10.1.1.2'), A('10.1.1.3'), dev(host, 'veth1'))).toEqual({ ok: true });
    devinet_conf_set(host, 'all', 'rp_filter', 1);
    expect(fibValidateSource(host.state, A('10.1.1.2'), A('10.1.1.3'), dev(host, 'veth1'))).toMatchObject({ ok: false, reason: 'IP_RPFILTER' });
  });

  it('uses the larger of conf/all and the device (IN_DEV_MAXCONF)', () => {
    const { w, host } = world();
    const ns2 = w.createNamespace('ns2', true);
    veth(w, host, 'a0', 'a1');
    veth(w, host, 'b0', 'b1');
    move(w, host, 'a1', ns2);
    move(w, host, 'b1', ns2);
    addr(host, 'a0', '10.1.1.1/24');
    addr(host, 'b0', '10.2.2.1/24');
    addr(ns2, 'a1', '10.1.1.2/24');
    addr(ns2, 'b1', '10.2.2.2/24');
    for (const [ns, d] of [[host, 'a0'], [host, 'b0'], [ns2, 'a1'], [ns2, 'b1']] as const) up(w, ns, d);
    // 10.2.2.1 arriving on a1: the way back is through b1.
    devinet_conf_set(ns2, dev(ns2, 'a1').ifindex, 'rp_filter', 1);
    expect(fibValidateSource(ns2.state, A('10.2.2.1'), A('10.1.1.2'), dev(ns2, 'a1'))).toMatchObject({ ok: false, reason: 'IP_RPFILTER' });
    devinet_conf_set(ns2, 'all', 'rp_filter', 2);
    expect(fibValidateSource(ns2.state, A('10.2.2.1'), A('10.1.1.2'), dev(ns2, 'a1'))).toEqual({ ok: true });
  });
});

describe('ip_route_input', () => {
  it('drops what is not local when the device does not forward, and forwards when it does', () => {
    const { w, host } = samePair();
    void w;
    const v1 = dev(host, 'veth1');
    inet_rtm_newroute(host, { table: RT_TABLE_MAIN, type: 'unicast', dst: A('10.5.0.0'), dstLen: 16, dev: dev(host, 'veth0').ifindex, gateway: undefined, proto: 'boot', scope: 'link', prefsrc: undefined, metric: undefined }, false);
    expect(ip_route_input(host.state, v1, A('10.1.1.9'), A('10.5.0.1'))).toMatchObject({ kind: 'drop', reason: 'IP_INADDRERRORS' });
    devinet_conf_set(host, 'all', 'forwarding', 1);
    expect(ip_route_input(host.state, dev(host, 'veth1'), A('10.1.1.9'), A('10.5.0.1'))).toMatchObject({ kind: 'forward' });
  });

  it('calls 127/8 arriving on a device without route_localnet a martian (SKB_DROP_REASON_IP_LOCALNET since Linux 6.13)', () => {
    const { host } = samePair();
    expect(ip_route_input(host.state, dev(host, 'veth1'), A('10.1.1.9'), A('127.0.0.1'))).toMatchObject({ kind: 'drop', reason: 'IP_LOCALNET' });
    expect(ip_route_input(host.state, dev(host, 'veth1'), A('127.0.0.9'), A('10.1.1.3'))).toMatchObject({ kind: 'drop', reason: 'IP_LOCALNET' });
  });
});
