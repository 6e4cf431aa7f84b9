import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    const c = loadConfig({}, {});
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      rtcMinPort: 40000,
      rtcMaxPort: 49999,
      sfuWorkers: os.availableParallelism(),
      analyzerProcesses: 1,
      poseProcesses: 1,
      logLevel: 'info',
      persistence: true,
      recording: true,
      s3: { bucket: 'lectern', region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true },
      reports: { work: true, retryLimit: 3, retryDelaySec: 10, poseFps: 2, clips: { enabled: true } },
    });
    expect(c.databaseUrl).toBeUndefined();
    expect(c.analyzerEnv?.LECTERN_POSE_BUDGET_MS).toBe(55);
  });

  it('parses values and lets overrides win', () => {
    const c = loadConfig({ port: 0 }, { PORT: '9000', LECTERN_PERSISTENCE: 'off', S3_FORCE_PATH_STYLE: 'false', LECTERN_SFU_WORKERS: '2', LOG_LEVEL: 'debug', DATABASE_URL: '' });
    expect([c.port, c.persistence, c.s3.forcePathStyle, c.sfuWorkers, c.logLevel, c.databaseUrl]).toEqual([0, false, false, 2, 'debug', undefined]);
    expect(loadConfig({}, { LECTERN_CLIPS: 'off' }).reports.clips).toEqual({ enabled: false });
  });

  it('fails on bad values with the variable, the value and what is allowed — gateway and analyzer variables alike', () => {
    expect(() => loadConfig({}, { PORT: 'http', LECTERN_POSE_BUDGET_MS: '-1' })).toThrow(
      /PORT="http": expected an integer in 0–65535[\s\S]*LECTERN_POSE_BUDGET_MS="-1": expected a number ≥ 0/,
    );
    expect(() => loadConfig({}, { LECTERN_PERSISTENCE: 'maybe' })).toThrow('LECTERN_PERSISTENCE="maybe": expected on/off');
    expect(() => loadConfig({}, { LECTERN_SFU_WORKERS: '0' })).toThrow('LECTERN_SFU_WORKERS="0": expected an integer ≥ 1');
    expect(() => loadConfig({}, { LECTERN_SHARE_SECRET: 'short' })).toThrow('LECTERN_SHARE_SECRET="short": expected at least 16 characters');
    expect(() => loadConfig({}, { LECTERN_RTC_MIN_PORT: '5000', LECTERN_RTC_MAX_PORT: '4000' })).toThrow('LECTERN_RTC_MIN_PORT="5000": expected a port ≤ LECTERN_RTC_MAX_PORT (4000)');
    expect(() => loadConfig({}, { LOG_LEVEL: 'verbose' })).toThrow('LOG_LEVEL="verbose": expected one of fatal, error, warn, info, debug, trace, silent');
  });
});
