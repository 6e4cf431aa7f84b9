import { describe, expect, it } from 'vitest';
import { ConsumeRequestSchema, ProduceRequestSchema } from './signaling.ts';
import { validate } from './validate.ts';

describe('mediasoup objects in signaling requests', () => {
  it('pass any JSON object through for mediasoup to validate', () => {
    const rtpParameters = { codecs: [{ mimeType: 'audio/opus' }], x: 1 };
    const r = ProduceRequestSchema.safeParse({ transportId: 't', kind: 'audio', rtpParameters });
    expect(r.success && r.data.rtpParameters).toEqual(rtpParameters);
  });

  it('reject a non-object with the same issue as an object schema', () => {
    for (const rtpCapabilities of [null, [1], 'caps', undefined]) {
      const v = validate(ConsumeRequestSchema, { transportId: 't', producerId: 'p', rtpCapabilities });
      const kind = rtpCapabilities === null ? 'null' : Array.isArray(rtpCapabilities) ? 'array' : typeof rtpCapabilities;
      expect(v.ok).toBe(false);
      if (!v.ok) expect(v.error.details).toEqual([{ path: 'rtpCapabilities', message: `Invalid input: expected object, received ${kind}` }]);
    }
  });
});
