/**
 * What a port's VLAN columns mean to the NORMAL action (ofproto/ofproto-dpif-xlate.c, with the
 * defaults bridge.c and ofproto-dpif.c's bundle_set fill in). Inside the switch a packet belongs to
 * one VLAN: an access port puts what it receives into its tag's VLAN and sends only that VLAN,
 * untagged; a trunk port carries the VLANs its trunks column lists (all when empty), each with its
 * 802.1Q tag — VLAN 0 meaning untagged; the native modes are a trunk whose tag VLAN travels
 * untagged on input (native-untagged: on output too). MACs are learned per VLAN, and a frame is
 * flooded only to ports that carry its VLAN.
 */
/** A Port row's vlan_mode column; dot1q-tunnel is not simulated. */
export type VlanMode = 'access' | 'trunk' | 'native-tagged' | 'native-untagged';

/** The VLAN columns of a Port row (ovs.ts's OvsPort has them). */
export interface VlanColumns {
  readonly tag: number | undefined;
  readonly trunks: readonly number[];
  readonly vlanMode: VlanMode | undefined;
}

/** VLAN ids run 0..4095; 0 is "no VLAN" (an untagged or priority-tagged frame on a trunk). */
export const VLAN_N_IDS = 4096;

/** A port's VLAN configuration as the switch applies it. */
export interface PortVlan {
  readonly mode: VlanMode;
  /** The access or native VLAN; -1 for a trunk port. */
  readonly vlan: number;
  /** Does the port trunk this VLAN? (xbundle_trunks_vlan) */
  readonly trunks: (vid: number) => boolean;
}

const NONE = (): boolean => false;
const ALL = (): boolean => true;

/** Port records are immutable (a change makes a new one), so each is worked out once. */
const applied = new WeakMap<VlanColumns, PortVlan>();

/**
 * bridge.c's port_configure and bundle_set: with no vlan_mode, a tag makes an access port (trunks
 * ignored) and no tag a trunk port. A native port always trunks its own VLAN and never VLAN 0.
 */
export function portVlan(p: VlanColumns): PortVlan {
  let pv = applied.get(p);
  if (!pv) applied.set(p, (pv = bundle_set(p)));
  return pv;
}

function bundle_set(p: VlanColumns): PortVlan {
  const mode: VlanMode = p.vlanMode ?? (p.tag !== undefined ? 'access' : 'trunk');
  const listed = p.trunks.length === 0 ? undefined : new Set(p.trunks);
  switch (mode) {
    case 'access':
      return { mode, vlan: p.tag ?? 0, trunks: NONE };
    case 'trunk':
      return { mode, vlan: -1, trunks: listed ? (v) => listed.has(v) : ALL };
    case 'native-tagged':
    case 'native-untagged': {
      const vlan = p.tag ?? 0;
      if (vlan !== 0 && (!listed || !listed.has(vlan) || listed.has(0))) {
        return { mode, vlan, trunks: (v) => v !== 0 && (v === vlan || !listed || listed.has(v)) };
      }
      return { mode, vlan, trunks: listed ? (v) => listed.has(v) : ALL };
    }
  }
}

/**
 * input_vid_is_valid: may a frame with this VID (0 when untagged) come in on the port? Undefined if
 * so, else the switch's reason for dropping it, in its own words.
 */
export function input_vid_is_valid(pv: PortVlan, vid: number, portName: string): string | undefined {
  if (pv.mode === 'access') {
    return vid === 0 ? undefined : `dropping VLAN ${vid} tagged packet received on port ${portName} configured as VLAN ${pv.vlan} access port`;
  }
  // A native port always takes untagged frames (into its own VLAN); tagged ones as a trunk does.
  if (pv.mode !== 'trunk' && vid === 0) return undefined;
  return pv.trunks(vid) ? undefined : `dropping VLAN ${vid} packet received on port ${portName} not configured for trunking VLAN ${vid}`;
}

/** xvlan_input_translate: the VLAN a frame with this VID (0 when untagged) belongs to inside the switch. */
export function xvlan_input_translate(pv: PortVlan, vid: number): number {
  switch (pv.mode) {
    case 'access':
      return pv.vlan;
    case 'trunk':
      return vid;
    case 'native-tagged':
    case 'native-untagged':
      return vid === 0 ? pv.vlan : vid;
  }
}

/** xbundle_includes_vlan: does output of this VLAN to the port happen at all? */
export function xbundle_includes_vlan(pv: PortVlan, vlan: number): boolean {
  return pv.mode === 'access' ? vlan === pv.vlan : pv.trunks(vlan);
}

/**
 * xvlan_output_translate: the VID the frame leaves the port tagged with, or 0 for untagged. (With a
 * priority from the input tag, a VLAN 0 frame still gets a tag: xvlan_put tags whenever vid|pcp is
 * not 0 — see `tagOnOutput`.)
 */
export function xvlan_output_translate(pv: PortVlan, vlan: number): number {
  switch (pv.mode) {
    case 'access':
      return 0;
    case 'trunk':
    case 'native-tagged':
      return vlan;
    case 'native-untagged':
      return vlan === pv.vlan ? 0 : vlan;
  }
}

/** xvlan_put: a tag is written when the VID or the priority is not zero. */
export function tagOnOutput(pv: PortVlan, vlan: number, pcp: number): { vid: number; pcp: number } | undefined {
  if (pv.mode === 'access') return undefined;
  const vid = xvlan_output_translate(pv, vlan);
  if (pv.mode === 'native-untagged' && vid === 0) return undefined;
  return vid !== 0 || pcp !== 0 ? { vid, pcp } : undefined;
}
