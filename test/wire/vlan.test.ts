import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { popVlanTag, pushVlanTag } from '../../src/wire/vlan.js';
import type { VlanTag } from '../../src/wire/ethernet.js';
import { ARP_REQUEST_FRAME, VLAN_ARP_FRAME, VLAN_ECHO_REPLY_FRAME, hex } from './helpers.js';

const tagArb: fc.Arbitrary<VlanTag> = fc.record({
  pcp: fc.integer({ min: 0, max: 7 }),
  dei: fc.boolean(),
  vid: fc.integer({ min: 0, max: 4095 }),
});

// vlan.pcap #0 is arp-icmp.pcap #0 with "8100 000a" between the addresses and the ethertype.
describe('802.1Q tag push and pop', () => {
  it('deconstruct: pops the tag of a tagged ARP request, leaving the untagged frame', () => {
    const r = popVlanTag(VLAN_ARP_FRAME);
    expect(r).toEqual({ ok: true, value: { tag: { pcp: 0, dei: false, vid: 10 }, frame: ARP_REQUEST_FRAME } });
  });

  it('construct: pushing vlan 10, p 0 onto the ARP request gives the tagged bytes', () => {
    expect(pushVlanTag(ARP_REQUEST_FRAME, { pcp: 0, dei: false, vid: 10 })).toEqual(VLAN_ARP_FRAME);
  });

  it('reads PCP and DEI as well as the VID', () => {
    const r = popVlanTag(VLAN_ECHO_REPLY_FRAME);
    expect(r.ok && r.value.tag).toEqual({ pcp: 7, dei: true, vid: 4094 });
    expect(r.ok && r.value.frame.length).toBe(VLAN_ECHO_REPLY_FRAME.length - 4);
  });

  it('an untagged frame has no tag to pop', () => {
    expect(popVlanTag(ARP_REQUEST_FRAME)).toEqual({ ok: false, error: { kind: 'unsupported', layer: 'ethernet', field: 'tpid', value: 0x0806 } });
  });

  it.each([
    ['shorter than an Ethernet header', hex('ffffffffffff525400000102'), 14],
    ['a tag without its inner ethertype', VLAN_ARP_FRAME.subarray(0, 16), 18],
  ])('truncated: %s', (_name, bytes, need) => {
    expect(popVlanTag(bytes)).toMatchObject({ ok: false, error: { kind: 'truncated', need } });
  });

  it('does not touch its input', () => {
    const before = Uint8Array.from(VLAN_ARP_FRAME);
    popVlanTag(VLAN_ARP_FRAME);
    pushVlanTag(ARP_REQUEST_FRAME, { pcp: 3, dei: false, vid: 7 });
    expect(VLAN_ARP_FRAME).toEqual(before);
  });

  it('pop(push(f, t)) gives back t and f', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 14, maxLength: 80 }), tagArb, (frame, tag) => {
        const r = popVlanTag(pushVlanTag(frame, tag));
        expect(r).toEqual({ ok: true, value: { tag, frame } });
      }),
    );
  });
});
