/**
 * Just enough VP8 RTP parsing to supervise a decoder: where a frame starts, whether it is a
 * keyframe, and the keyframe's picture size. The decoding itself is ffmpeg's.
 */

/** What the start of a VP8 RTP payload tells about its frame. */
export interface Vp8PayloadInfo {
  /** The packet carries the first bytes of a frame (S = 1 and partition index 0). */
  frameStart: boolean;
  /** The frame is a keyframe (only meaningful when `frameStart`). */
  keyframe: boolean;
  /** Picture size from the keyframe header (only on keyframe starts). */
  width?: number;
  height?: number;
}

/**
 * Parses the VP8 payload descriptor (RFC 7741 §4.2) and, at the start of a frame, the VP8 frame
 * tag and keyframe header (RFC 6386 §9.1: 3-byte tag whose bit 0 is 0 for keyframes, then the
 * start code 9d 01 2a and two little-endian 16-bit fields whose low 14 bits are width and height).
 * @returns null when the payload is too short or malformed.
 */
export function parseVp8Payload(payload: Uint8Array): Vp8PayloadInfo | null {
  if (payload.length < 1) return null;
  let i = 0;
  const b0 = payload[i++]!;
  const x = (b0 & 0x80) !== 0;
  const s = (b0 & 0x10) !== 0;
  const pid = b0 & 0x07;
  if (x) {
    if (i >= payload.length) return null;
    const b1 = payload[i++]!;
    const hasI = (b1 & 0x80) !== 0;
    const hasL = (b1 & 0x40) !== 0;
    const hasT = (b1 & 0x20) !== 0;
    const hasK = (b1 & 0x10) !== 0;
    if (hasI) {
      if (i >= payload.length) return null;
      i += (payload[i]! & 0x80) !== 0 ? 2 : 1; // 15-bit picture id when M is set
    }
    if (hasL) i += 1;
    if (hasT || hasK) i += 1;
  }
  if (i > payload.length) return null;
  const frameStart = s && pid === 0;
  if (!frameStart) return { frameStart: false, keyframe: false };
  if (i + 3 > payload.length) return null;
  const keyframe = (payload[i]! & 0x01) === 0;
  if (!keyframe) return { frameStart: true, keyframe: false };
  const h = i + 3;
  if (h + 7 > payload.length || payload[h] !== 0x9d || payload[h + 1] !== 0x01 || payload[h + 2] !== 0x2a)
    return { frameStart: true, keyframe: true };
  const width = (payload[h + 3]! | (payload[h + 4]! << 8)) & 0x3fff;
  const height = (payload[h + 5]! | (payload[h + 6]! << 8)) & 0x3fff;
  return { frameStart: true, keyframe: true, width, height };
}
