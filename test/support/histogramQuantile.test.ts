import { describe, expect, it } from 'vitest';
import { bucketDelta, histogramBuckets, histogramQuantile, metricValue, parsePrometheus } from './histogramQuantile.ts';

const SCRAPE = `# HELP lectern_voice_frame_latency_seconds Voice frame emit time minus window close.
# TYPE lectern_voice_frame_latency_seconds histogram
lectern_voice_frame_latency_seconds_bucket{le="0.005",worker="a"} 10
lectern_voice_frame_latency_seconds_bucket{le="0.01",worker="a"} 30
lectern_voice_frame_latency_seconds_bucket{le="0.05",worker="a"} 40
lectern_voice_frame_latency_seconds_bucket{le="+Inf",worker="a"} 40
lectern_voice_frame_latency_seconds_bucket{le="0.005",worker="b"} 0
lectern_voice_frame_latency_seconds_bucket{le="0.01",worker="b"} 50
lectern_voice_frame_latency_seconds_bucket{le="0.05",worker="b"} 58
lectern_voice_frame_latency_seconds_bucket{le="+Inf",worker="b"} 60
lectern_voice_frame_latency_seconds_sum{worker="a"} 0.3
lectern_voice_frame_latency_seconds_count{worker="a"} 40
# TYPE lectern_node_load gauge
lectern_node_load 0.42 1700000000000
odd_label{path="a \\"quoted\\" \\\\ path"} 1
`;

describe('parsePrometheus', () => {
  it('reads samples, labels (unescaped), +Inf and timestamps', () => {
    const s = parsePrometheus(SCRAPE);
    expect(s).toHaveLength(12);
    expect(s[3]).toEqual({ name: 'lectern_voice_frame_latency_seconds_bucket', labels: { le: '+Inf', worker: 'a' }, value: 40 });
    expect(metricValue(s, 'lectern_node_load')).toBe(0.42);
    expect(metricValue(s, 'absent')).toBeNull();
    expect(s.at(-1)!.labels.path).toBe('a "quoted" \\ path');
  });

  it('adds the buckets of every label set, by le', () => {
    expect(histogramBuckets(parsePrometheus(SCRAPE), 'lectern_voice_frame_latency_seconds')).toEqual([
      { le: 0.005, count: 10 },
      { le: 0.01, count: 80 },
      { le: 0.05, count: 98 },
      { le: Infinity, count: 100 },
    ]);
    expect(histogramBuckets([], 'lectern_voice_frame_latency_seconds')).toBeNull();
  });
});

describe('histogramQuantile (PromQL histogram_quantile)', () => {
  const b = [
    { le: 0.005, count: 10 },
    { le: 0.01, count: 80 },
    { le: 0.05, count: 98 },
    { le: Infinity, count: 100 },
  ];

  it('interpolates linearly within the bucket the rank falls in', () => {
    // rank 50: bucket (0.005, 0.01] holds ranks 10–80 → 0.005 + 0.005 × 40/70
    expect(histogramQuantile(0.5, b)).toBeCloseTo(0.005 + 0.005 * (40 / 70), 12);
    // rank 95: bucket (0.01, 0.05] holds 80–98 → 0.01 + 0.04 × 15/18
    expect(histogramQuantile(0.95, b)).toBeCloseTo(0.01 + 0.04 * (15 / 18), 12);
  });

  it('starts the first bucket at 0', () => {
    expect(histogramQuantile(0.05, b)).toBeCloseTo(0.0025, 12);
  });

  it('returns the highest finite bound when the rank is in +Inf', () => {
    expect(histogramQuantile(0.99, b)).toBe(0.05);
    expect(histogramQuantile(1, b)).toBe(0.05);
  });

  it('matches Prometheus on a bucket with no observations above the rank', () => {
    // ranks up to 10 in the first bucket; q = 0.1 → rank 10 → its upper bound exactly
    expect(histogramQuantile(0.1, b)).toBeCloseTo(0.005, 12);
  });

  it('is null without observations, without +Inf, or for q outside [0, 1]', () => {
    expect(histogramQuantile(0.5, b.map((x) => ({ ...x, count: 0 })))).toBeNull();
    expect(histogramQuantile(0.5, b.slice(0, 3))).toBeNull();
    expect(histogramQuantile(1.5, b)).toBeNull();
    expect(histogramQuantile(0.5, null)).toBeNull();
  });

  it('takes the delta of two scrapes', () => {
    const before = [
      { le: 0.005, count: 5 },
      { le: 0.01, count: 50 },
      { le: 0.05, count: 60 },
      { le: Infinity, count: 60 },
    ];
    const d = bucketDelta(before, b)!;
    expect(d).toEqual([
      { le: 0.005, count: 5 },
      { le: 0.01, count: 30 },
      { le: 0.05, count: 38 },
      { le: Infinity, count: 40 },
    ]);
    // rank 20 of 40: bucket (0.005, 0.01] holds 5–30 → 0.005 + 0.005 × 15/25
    expect(histogramQuantile(0.5, d)).toBeCloseTo(0.008, 12);
    expect(bucketDelta(b, before)).toBeNull(); // counters went down: a restart
    expect(bucketDelta(null, b)).toEqual(b);
  });
});
