/**
 * inet_aton as glibc reads addresses (arping's destination and -s): the table is what glibc 2.36's
 * inet_aton returned for each input on this machine (through Python's socket.inet_aton, which calls it).
 */
import { describe, expect, it } from 'vitest';
import { inetAton } from '../../src/wire/ipv4.js';

describe('inetAton reads what glibc inet_aton reads', () => {
  it.each([
    ['10.0.0.1', 0x0a000001],
    ['10.2', 0x0a000002],
    ['1.16777215', 0x01ffffff],
    ['1.2.65535', 0x0102ffff],
    ['0x0a000002', 0x0a000002],
    ['0X1.2', 0x01000002],
    ['012.0.0.1', 0x0a000001],
    ['4294967295', 0xffffffff],
    ['0xffffffff', 0xffffffff],
    ['00000000000000000000000000001.2.3.4', 0x01020304],
    ['10.0.0.1 foo', 0x0a000001],
    ['10.0.0.1\tx', 0x0a000001],
    ['10.0.0.1\n', 0x0a000001],
    ['10.0.0.1 ', 0x0a000001],
  ])('%j is %i', (text, addr) => {
    expect(inetAton(text)).toBe(addr);
  });

  it.each(['', ' 10.0.0.1', '10.0.0.256', '1.2.3.4.5', '0x', '0x.1', '08.1.1.1', '09.1', '4294967296', '1.16777216', '1.2.65536', '10..1', '10.', '1.2.3.0x', '1e3', '18446744073709551617', 'router'])(
    '%j is no address',
    (text) => {
      expect(inetAton(text)).toBeNull();
    },
  );
});
