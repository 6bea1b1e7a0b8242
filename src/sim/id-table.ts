/**
 * A table keyed by world-wide device id — small integers, handed out in order and never reused — as a
 * dense array: the per-frame lookups (a device's namespace, its counters) index it instead of hashing
 * into a Map. The part of Map's interface the world uses.
 */
export class IdTable<V> {
  private readonly slots: (V | undefined)[] = [];

  get(id: number): V | undefined {
    return this.slots[id];
  }

  has(id: number): boolean {
    return this.slots[id] !== undefined;
  }

  set(id: number, v: V): this {
    const s = this.slots;
    // Filled up to `id` first, so the array stays packed (holes make every read slower).
    while (s.length < id) s.push(undefined);
    s[id] = v;
    return this;
  }

  delete(id: number): boolean {
    if (this.slots[id] === undefined) return false;
    this.slots[id] = undefined;
    return true;
  }

  /** Every entry, in id order. */
  forEach(fn: (v: V, id: number) => void): void {
    const s = this.slots;
    for (let id = 0; id < s.length; id++) {
      const v = s[id];
      if (v !== undefined) fn(v, id);
    }
  }
}
