/**
 * Bundled scenarios the simulator does not reproduce yet, and why. Each is run as an expected
 * failure; when one passes, remove it from here.
 */
export const KNOWN_GAPS: Readonly<Record<string, string>> = {
  'bridge-vlan-refused':
    'this kernel has no 802.1Q (CONFIG_VLAN_8021Q off) and refuses vlan_filtering; the simulator refuses VLAN commands as not simulated rather than imitate a kernel built without them',
};
