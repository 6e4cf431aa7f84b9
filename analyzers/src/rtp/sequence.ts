/**
 * Serial-number arithmetic for 16-bit RTP sequence numbers (RFC 3550 §A.1, RFC 1982).
 */

/**
 * Signed distance from `b` to `a` modulo 2¹⁶: positive when `a` is after `b`.
 * @param a sequence number 0–65535.
 * @param b sequence number 0–65535.
 * @returns an integer in [-32768, 32767]; e.g. `seqDelta(2, 65535) === 3`.
 */
export function seqDelta(a: number, b: number): number {
  return ((((a - b) & 0xffff) + 0x8000) & 0xffff) - 0x8000;
}

/**
 * Adds `n` to a 16-bit sequence number with wrap-around.
 * @param seq sequence number 0–65535.
 * @param n any integer.
 * @returns sequence number 0–65535.
 */
export function seqAdd(seq: number, n: number): number {
  return (seq + n) & 0xffff;
}
