import { describe, expect, it } from 'vitest';
import { ReportClipsSchema } from '@lectern/contract';
import type { ClipRow } from './ClipRepository.ts';
import { clipsDto, PENDING_STALE_SEC } from './clipsDto.ts';

const NOW = Date.parse('2026-12-04T12:00:00Z');
const row = (o: Partial<ClipRow>): ClipRow => ({
  id: '6f1c1c38-5d0e-4c7e-9d6e-1b9f7a3e2a10', sessionId: 's', ordinal: 0, kind: 'fastest-pace', tone: 'weak', startSec: 10, endSec: 30,
  title: 'Rushed 20 s', why: '186 WPM', value: 186, unit: 'words/min', state: 'ready', error: null, captions: [{ startSec: 0, endSec: 1, text: 'so' }],
  createdAt: new Date(NOW - 1000), mediaObjectId: 'm', s3Key: 'orgs/o/sessions/s/clips/x.webm', contentType: 'video/webm', durationSec: 20, ...o,
});

describe('clipsDto', () => {
  it('cutting while any clip is pending; a stale pending clip counts as interrupted', async () => {
    const cutting = await clipsDto([row({}), row({ state: 'pending', s3Key: null, mediaObjectId: null })], null, { enabled: true, nowMs: NOW });
    expect(ReportClipsSchema.parse(cutting).state).toBe('cutting');
    const stale = await clipsDto([row({ state: 'pending', s3Key: null, createdAt: new Date(NOW - (PENDING_STALE_SEC + 1) * 1000) })], null, { enabled: true, nowMs: NOW });
    expect(stale.state).toBe('ready');
    expect(stale.items[0]!.state).toBe('failed');
    expect(stale.items[0]!.error).toMatch(/interrupted/);
  });

  it('no URL without an object store; a ready clip whose object is gone is failed', async () => {
    const d = await clipsDto([row({}), row({ s3Key: null })], null, { enabled: true, nowMs: NOW });
    expect(d.items[0]!.url).toBeNull();
    expect(d.items[1]).toMatchObject({ state: 'failed', error: 'the clip video was deleted' });
  });

  it('no clips: off when the server cuts none, else ready with the reason', async () => {
    expect(await clipsDto([], null, { enabled: false })).toMatchObject({ state: 'off', items: [] });
    const none = await clipsDto([], null, { enabled: true });
    expect(none.state).toBe('ready');
    expect(none.note).toMatch(/shorter than 20 s/);
  });
});
