/**
 * RTP packet parsing (RFC 3550 §5.1, header extensions §5.3.1) and RTP/RTCP demultiplexing
 * (RFC 5761 §4). Parsing never copies the payload: {@link RtpPacket.payload} is a view into the
 * datagram's Buffer, valid as long as that Buffer is not reused (Node's `dgram` allocates a fresh
 * Buffer per message, so holding it in a jitter buffer is safe).
 */

/** Fixed RTP header length in bytes (RFC 3550 §5.1). */
export const RTP_FIXED_HEADER_BYTES = 12;

/**
 * True when the datagram is RTCP rather than RTP under RTP/RTCP multiplexing: byte 1 (the RTCP
 * packet type, or RTP's marker bit + payload type) is in 200–206 (SR, RR, SDES, BYE, APP, RTPFB,
 * PSFB). RFC 5761 §4 reserves RTP payload types 64–95 so that the two never collide.
 * @param buf one UDP datagram, any length (too-short input returns false).
 */
export function isRtcp(buf: Uint8Array): boolean {
  if (buf.length < 2) return false;
  const pt = buf[1]!;
  return pt >= 200 && pt <= 206;
}

/** One parsed RTP packet. Header fields are plain numbers; `payload` is a zero-copy view. */
export class RtpPacket {
  /**
   * @param payloadType 7-bit payload type (0–127).
   * @param marker marker bit (for Opus: first packet after DTX silence, RFC 7587 §4.2).
   * @param sequenceNumber 16-bit sequence number (0–65535), wraps.
   * @param timestamp 32-bit RTP timestamp (0–2³²−1) in the payload's clock rate (48 kHz for Opus).
   * @param ssrc 32-bit synchronisation source as an unsigned number.
   * @param csrcs contributing sources (0–15 entries), usually empty.
   * @param extensionProfile the 16-bit "defined by profile" word of the header extension
   *   (0xBEDE one-byte / 0x100x two-byte, RFC 8285), or null when the X bit is clear.
   * @param extension the header extension's data words (view, no copy), or null.
   * @param payload the payload without padding (view into the datagram, no copy).
   */
  constructor(
    readonly payloadType: number,
    readonly marker: boolean,
    readonly sequenceNumber: number,
    readonly timestamp: number,
    readonly ssrc: number,
    readonly csrcs: readonly number[],
    readonly extensionProfile: number | null,
    readonly extension: Buffer | null,
    readonly payload: Buffer,
  ) {}

  /**
   * Parses one datagram as RTP (RFC 3550 §5.1): version must be 2; the CSRC list (CC × 4 bytes),
   * the header extension (X bit: 4-byte header + length × 4 bytes, §5.3.1) and the padding
   * (P bit: the last byte counts padding bytes including itself, §5.1) must fit the datagram.
   * @param buf one UDP datagram.
   * @returns the packet, or null when the datagram is not well-formed RTP (wrong version,
   *   truncated header/CSRC/extension, padding count 0 or larger than the payload area). Never
   *   throws; callers count nulls as malformed.
   */
  static parse(buf: Buffer): RtpPacket | null {
    if (buf.length < RTP_FIXED_HEADER_BYTES) return null;
    const b0 = buf[0]!;
    if (b0 >> 6 !== 2) return null;
    const hasPadding = (b0 & 0x20) !== 0;
    const hasExtension = (b0 & 0x10) !== 0;
    const csrcCount = b0 & 0x0f;
    const b1 = buf[1]!;
    let offset = RTP_FIXED_HEADER_BYTES + csrcCount * 4;
    if (offset > buf.length) return null;
    const csrcs: number[] = [];
    for (let i = 0; i < csrcCount; i++) csrcs.push(buf.readUInt32BE(RTP_FIXED_HEADER_BYTES + i * 4));

    let extensionProfile: number | null = null;
    let extension: Buffer | null = null;
    if (hasExtension) {
      if (offset + 4 > buf.length) return null;
      extensionProfile = buf.readUInt16BE(offset);
      const extBytes = buf.readUInt16BE(offset + 2) * 4;
      if (offset + 4 + extBytes > buf.length) return null;
      extension = buf.subarray(offset + 4, offset + 4 + extBytes);
      offset += 4 + extBytes;
    }

    let end = buf.length;
    if (hasPadding) {
      const padding = buf[buf.length - 1]!;
      if (padding === 0 || offset + padding > buf.length) return null;
      end -= padding;
    }

    return new RtpPacket(
      b1 & 0x7f,
      (b1 & 0x80) !== 0,
      buf.readUInt16BE(2),
      buf.readUInt32BE(4),
      buf.readUInt32BE(8),
      csrcs,
      extensionProfile,
      extension,
      buf.subarray(offset, end),
    );
  }
}
