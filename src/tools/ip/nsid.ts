/**
 * Peer network namespace ids (net/core/net_namespace.c, peernet2id_alloc): each namespace numbers the
 * others it has had to name in a netlink message — a veth whose peer lives there, a device moved there
 * — from 0 up, in that order. `ip link` shows "link-netnsid N" (or "link-netns NAME" when the peer
 * namespace has a name) and `ip netns list` shows "(id: N)". The ids only ever appear in messages, so
 * they are kept here, beside the world, rather than in the namespaces' state.
 */
import type { Namespace, World } from '../../sim/world.js';

const ids = new WeakMap<Namespace, Map<Namespace, number>>();

function live(w: World, ns: Namespace): boolean {
  return w.namespaces.get(ns.name) === ns;
}

function table(w: World, ns: Namespace): Map<Namespace, number> {
  let t = ids.get(ns);
  if (!t) {
    t = new Map();
    ids.set(ns, t);
  }
  // A namespace that was destroyed loses its id everywhere (peernet2id entries go with it).
  for (const other of [...t.keys()]) if (!live(w, other)) t.delete(other);
  return t;
}

/** peernet2id: the id `peer` has in `ns`, if it has one. */
export function peernet2id(w: World, ns: Namespace, peer: Namespace): number | undefined {
  return table(w, ns).get(peer);
}

/** peernet2id_alloc: the id `peer` has in `ns`, given the lowest free one if it had none. */
export function peernet2idAlloc(w: World, ns: Namespace, peer: Namespace): number {
  if (peer === ns) return -1;
  const t = table(w, ns);
  const have = t.get(peer);
  if (have !== undefined) return have;
  const used = new Set(t.values());
  let id = 0;
  while (used.has(id)) id++;
  t.set(peer, id);
  return id;
}

/** The ids `ns` has given other namespaces, lowest first (the order RTM_GETNSID dumps them in). */
export function peernet2idList(w: World, ns: Namespace): [Namespace, number][] {
  return [...table(w, ns).entries()].sort((a, b) => a[1] - b[1]);
}

/**
 * rtnl_net_newid: `ns` names `peer` with `id` (or the lowest free id for "auto", -1). The kernel's
 * refusals: the peer already has an id here, or the id names another namespace.
 */
export function peernet2idSet(w: World, ns: Namespace, peer: Namespace, id: number): 'has-id' | 'id-used' | undefined {
  const t = table(w, ns);
  if (t.has(peer)) return 'has-id';
  if (id < 0) {
    peernet2idAlloc(w, ns, peer);
    return undefined;
  }
  if ([...t.values()].includes(id)) return 'id-used';
  t.set(peer, id);
  return undefined;
}
