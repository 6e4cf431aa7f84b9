/** Options of {@link vp8Sdp}. */
export interface Vp8SdpOptions {
  /** UDP port on 127.0.0.1 where the decoder receives RTP (RTCP is muxed on it). */
  port: number;
  /** RTP payload type of VP8 (0–127). */
  payloadType: number;
}

/**
 * A minimal SDP (RFC 8866) describing one receive-only VP8 RTP stream (RFC 7741) on 127.0.0.1,
 * for `ffmpeg -f sdp -i pipe:0`. RTCP is muxed on the RTP port (RFC 5761), as the SFU's
 * PlainTransport sends it.
 * @throws RangeError for a port outside 1–65535 or a payload type outside 0–127.
 */
export function vp8Sdp({ port, payloadType }: Vp8SdpOptions): string {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`bad port ${port}`);
  if (!Number.isInteger(payloadType) || payloadType < 0 || payloadType > 127) throw new RangeError(`bad payload type ${payloadType}`);
  return [
    'v=0',
    'o=- 0 0 IN IP4 127.0.0.1',
    's=lectern video tap',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=video ${port} RTP/AVP ${payloadType}`,
    `a=rtpmap:${payloadType} VP8/90000`,
    'a=rtcp-mux',
    'a=recvonly',
    '',
  ].join('\r\n');
}
