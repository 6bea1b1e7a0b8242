// RFC 1071 Internet checksum: the 16-bit ones'-complement of the
// ones'-complement sum of the data taken as big-endian 16-bit words.

/**
 * Ones'-complement sum of `data` (odd length padded with a zero byte),
 * folded to 16 bits. `initial` lets callers chain several buffers, e.g. a
 * pseudo-header and a payload, without copying them together.
 */
export function onesComplementSum(data: Uint8Array, initial = 0): number {
  let sum = initial;
  const even = data.length & ~1;
  for (let i = 0; i < even; i += 2) {
    sum += (data[i]! << 8) | data[i + 1]!;
  }
  if (data.length & 1) {
    sum += data[data.length - 1]! << 8;
  }
  // Folding once per add is unnecessary: a JS number holds 2^53, far more
  // than any 64 KiB packet can sum to, so fold at the end.
  while (sum > 0xffff) {
    sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  }
  return sum;
}

/** The checksum field value to store for `data` (its checksum field zeroed). */
export function internetChecksum(data: Uint8Array, initial = 0): number {
  return ~onesComplementSum(data, initial) & 0xffff;
}

/**
 * True when `data`, checksum field included, sums to 0xffff: the receiver's
 * check from RFC 1071, which needs no knowledge of where the field is.
 */
export function checksumIsValid(data: Uint8Array, initial = 0): boolean {
  return onesComplementSum(data, initial) === 0xffff;
}

/**
 * The Internet checksum of data[start, end) — for the per-packet path, where making a subarray view
 * costs more than summing the bytes.
 */
export function internetChecksumRange(data: Uint8Array, start: number, end: number): number {
  let sum = 0;
  const even = start + ((end - start) & ~1);
  for (let i = start; i < even; i += 2) sum += (data[i]! << 8) | data[i + 1]!;
  if (even < end) sum += data[even]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}
