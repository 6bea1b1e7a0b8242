// Adding and removing one IEEE 802.1Q tag on a whole Ethernet frame.
//
//  0      6      12          14                       (untagged)
//  | dst  | src  | ethertype | payload ...
//  0      6      12     14    16          18          (tagged)
//  | dst  | src  | TPID | TCI | ethertype | payload ...
//
// `pushVlanTag` is what Open vSwitch's output to a trunk port does to the packet (its push_vlan);
// `popVlanTag` is what the kernel's skb_vlan_untag does on receive, before any protocol handler
// runs: the tag leaves the frame (for skb metadata) and the handlers see the inner ethertype.
// The two are inverses: popVlanTag(pushVlanTag(f, t)) gives back t and f's bytes.

import { get16, set16 } from './bytes.js';
import { ETHERNET_HEADER_LEN, ETHERTYPE_VLAN, VLAN_TAG_LEN, decodeTci, encodeTci, type VlanTag } from './ethernet.js';
import { fail, ok, truncated, type Result } from './result.js';

/** Where the tag goes: right after the two MAC addresses. */
const TAG_AT = 12;

export interface UntaggedFrame {
  readonly tag: VlanTag;
  /** The frame without the tag: the addresses, then the inner ethertype and payload. A new copy. */
  readonly frame: Uint8Array;
}

/** The frame with an 802.1Q tag (TPID 0x8100) inserted after the addresses. A new copy. */
export function pushVlanTag(frame: Uint8Array, tag: VlanTag): Uint8Array {
  if (frame.length < ETHERNET_HEADER_LEN) throw new RangeError(`not an Ethernet frame: ${frame.length} bytes`);
  const out = new Uint8Array(frame.length + VLAN_TAG_LEN);
  out.set(frame.subarray(0, TAG_AT), 0);
  set16(out, TAG_AT, ETHERTYPE_VLAN);
  set16(out, TAG_AT + 2, encodeTci(tag));
  out.set(frame.subarray(TAG_AT), TAG_AT + VLAN_TAG_LEN);
  return out;
}

/**
 * The outer 802.1Q tag and the frame without it. A frame whose type field is not 0x8100 is
 * `unsupported` (it has no tag to pop); a tagged frame cut short before its inner ethertype is
 * `truncated`.
 */
export function popVlanTag(frame: Uint8Array): Result<UntaggedFrame> {
  if (frame.length < ETHERNET_HEADER_LEN) return truncated('ethernet', ETHERNET_HEADER_LEN, frame.length);
  const tpid = get16(frame, TAG_AT);
  if (tpid !== ETHERTYPE_VLAN) return fail({ kind: 'unsupported', layer: 'ethernet', field: 'tpid', value: tpid });
  if (frame.length < ETHERNET_HEADER_LEN + VLAN_TAG_LEN) return truncated('ethernet', ETHERNET_HEADER_LEN + VLAN_TAG_LEN, frame.length);
  const tag = decodeTci(get16(frame, TAG_AT + 2));
  const out = new Uint8Array(frame.length - VLAN_TAG_LEN);
  out.set(frame.subarray(0, TAG_AT), 0);
  out.set(frame.subarray(TAG_AT + VLAN_TAG_LEN), TAG_AT);
  return ok({ tag, frame: out });
}
