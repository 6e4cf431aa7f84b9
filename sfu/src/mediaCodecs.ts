import type { types } from 'mediasoup';

/**
 * Router codecs: Opus for audio (48 kHz, as negotiated by every browser; RFC 7587) and VP8 for
 * video (RFC 7741). Simulcast is accepted on VP8. `x-google-start-bitrate` keeps the first seconds
 * of video sharp.
 */
export const mediaCodecs: types.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  {
    kind: 'video',
    mimeType: 'video/VP8',
    clockRate: 90000,
    parameters: { 'x-google-start-bitrate': 800 },
  },
];
