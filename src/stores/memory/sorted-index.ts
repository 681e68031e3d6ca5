/**
 * Callers pass limits already normalised by `rowLimit`.
 *
 * Ids ordered by a numeric key (a time in ms), so range questions ("expired before T", "due at T",
 * "created since T") cost the size of the answer plus a binary search, not a pass over every row.
 * Equal keys keep insertion order. Inserts and removals shift a flat array (a native memmove),
 * which stays far cheaper than a tree for the row counts an in-process store holds.
 */
export class SortedIndex {
  private readonly keys: number[] = [];
  private readonly ids: string[] = [];

  get size(): number {
    return this.keys.length;
  }

  add(key: number, id: string): void {
    const at = this.upperBound(key);
    this.keys.splice(at, 0, key);
    this.ids.splice(at, 0, id);
  }

  /** Removes the entry (key, id); the key must be the one it was added with. */
  remove(key: number, id: string): boolean {
    for (let i = this.lowerBound(key); i < this.keys.length && this.keys[i] === key; i++) {
      if (this.ids[i] === id) {
        this.keys.splice(i, 1);
        this.ids.splice(i, 1);
        return true;
      }
    }
    return false;
  }

  /** Ids with key < `endKey` (or <= when `inclusive`), smallest key first, at most `limit`. */
  ascendingBelow(endKey: number, limit: number, inclusive = false): string[] {
    const end = inclusive ? this.upperBound(endKey) : this.lowerBound(endKey);
    return this.ids.slice(0, Math.min(end, limit));
  }

  /** Ids with key >= `startKey`, largest key (then latest added) first, at most `limit`. */
  descendingFrom(startKey: number, limit: number): string[] {
    const start = this.lowerBound(startKey);
    const out: string[] = [];
    for (let i = this.ids.length - 1; i >= start && out.length < limit; i--) out.push(this.ids[i] as string);
    return out;
  }

  /** First position whose key is >= `key`. */
  private lowerBound(key: number): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.keys[mid] as number) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First position whose key is > `key`. */
  private upperBound(key: number): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.keys[mid] as number) <= key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
