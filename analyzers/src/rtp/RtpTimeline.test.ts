import { describe, expect, it } from 'vitest';
import { RtpTimeline } from './RtpTimeline.ts';

describe('RtpTimeline', () => {
  it('maps 48 kHz RTP timestamps to 16 kHz positions from the first packet', () => {
    const t = new RtpTimeline(48000, 16000);
    expect(t.toSamplePosition(5000)).toBe(0);
    expect(t.toSamplePosition(5960)).toBe(320);
    expect(t.toSamplePosition(5000 + 48000)).toBe(16000);
  });

  it('unwraps the 32-bit timestamp, also for packets reordered across the wrap', () => {
    const t = new RtpTimeline(48000, 16000);
    const first = 0xffffffff - 959; // wraps after one frame
    expect(t.toSamplePosition(first)).toBe(0);
    expect(t.toSamplePosition((first + 1920) >>> 0)).toBe(640); // after the wrap
    expect(t.toSamplePosition((first + 960) >>> 0)).toBe(320); // reordered, before the wrap
    expect(t.toSamplePosition((first + 2880) >>> 0)).toBe(960);
  });

  it('gives negative positions for packets older than the first', () => {
    const t = new RtpTimeline(48000, 16000);
    t.toSamplePosition(96000);
    expect(t.toSamplePosition(95040)).toBe(-320);
  });
});
