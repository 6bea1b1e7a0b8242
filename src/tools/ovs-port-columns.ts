/**
 * The Port table's VLAN columns as ovs-vsctl reads and prints them. In ovsdb every column is a set of
 * atoms: `tag` holds at most one integer 0..4095, `trunks` any number of them (ranges such as 5-7
 * allowed, kept sorted, no value twice), `vlan_mode` at most one of five strings; the empty set `[]` is "not set".
 * Error messages are ovs-vsctl's (measured on Open vSwitch 3.1).
 */
import type { VlanMode } from '../devices/ovs.js';

export type VlanColumn = 'tag' | 'trunks' | 'vlan_mode';

export interface PortColumns {
  readonly tag: number | undefined;
  readonly trunks: readonly number[];
  readonly vlanMode: VlanMode | undefined;
}

/** A column's value as ovsdb holds it: a set of atoms. */
export type Atoms = readonly (number | string)[];

/** Every column of the Port table (vswitch.ovsschema), for ovs-vsctl's column name matching. */
export const PORT_COLUMNS: readonly string[] = [
  'bond_active_slave', 'bond_downdelay', 'bond_fake_iface', 'bond_mode', 'bond_updelay', 'cvlans', 'external_ids', 'fake_bridge',
  'interfaces', 'lacp', 'mac', 'name', 'other_config', 'protected', 'qos', 'rstp_statistics', 'rstp_status', 'statistics', 'status',
  'tag', 'trunks', 'vlan_mode',
];

const VLAN_MODES: readonly string[] = ['access', 'dot1q-tunnel', 'native-tagged', 'native-untagged', 'trunk'];
const MAX_VID = 4095;

/** ovsdb_datum_from_string for an integer set: optional brackets, atoms split by commas or spaces. */
function parseIntegers(text: string, ranges: boolean): number[] | string {
  const inner = /^\[.*\]$/s.test(text) ? text.slice(1, -1) : text;
  const out: number[] = [];
  for (const tok of inner.split(/[\s,]+/).filter(Boolean)) {
    const range = ranges ? /^(\d+)-(\d+)$/.exec(tok) : null;
    if (range) {
      for (let n = Number(range[1]); n <= Number(range[2]); n++) out.push(n);
      continue;
    }
    if (!/^-?\d+$/.test(tok)) return `"${tok}" is not a valid integer or range`;
    out.push(Number(tok));
  }
  const bad = out.find((n) => n < 0 || n > MAX_VID);
  if (bad !== undefined) return `constraint violation: ${bad} is not in the valid range 0 to ${MAX_VID} (inclusive)`;
  if (new Set(out).size !== out.length) return `${text}: set contains duplicate value`;
  return out.sort((x, y) => x - y);
}

/** The atoms `COLUMN=TEXT` sets, or ovs-vsctl's complaint (without its "ovs-vsctl: " prefix). */
export function parseVlanColumn(column: VlanColumn, text: string): Atoms | string {
  if (column === 'vlan_mode') {
    if (!VLAN_MODES.includes(text)) return `constraint violation: ${text} is not one of the allowed values ([${VLAN_MODES.join(', ')}])`;
    return [text];
  }
  return parseIntegers(text, column === 'trunks');
}

export function vlanColumnOf(p: PortColumns, column: VlanColumn): Atoms {
  switch (column) {
    case 'tag':
      return p.tag === undefined ? [] : [p.tag];
    case 'trunks':
      return p.trunks;
    case 'vlan_mode':
      return p.vlanMode === undefined ? [] : [p.vlanMode];
  }
}

/** The record fields a column's new value (undefined: cleared) sets. */
export function withVlanColumn(column: VlanColumn, atoms: Atoms | undefined): Partial<PortColumns> {
  const a = atoms ?? [];
  switch (column) {
    case 'tag':
      return { tag: a[0] as number | undefined };
    case 'trunks':
      return { trunks: a as readonly number[] };
    case 'vlan_mode':
      return { vlanMode: a[0] as VlanMode | undefined };
  }
}

/** As `ovs-vsctl get` prints it: a single-valued column bare (`10`), a set in brackets (`[10, 20]`), empty as `[]`. */
export function formatVlanColumn(column: VlanColumn, atoms: Atoms): string {
  if (column === 'trunks' || atoms.length === 0) return `[${atoms.join(', ')}]`;
  return String(atoms[0]);
}
