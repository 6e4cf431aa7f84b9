/**
 * `npm run bench:score -- [--minutes 10]`
 * Post-session scoring end to end on the embedded-style stack: a real-speech recording (LibriVox
 * utterances, see test/support/longSpeech.ts) is put into S3 (s3rver) as a session's
 * `recording.webm`; the session is queued exactly as at session end, and the pg-boss worker
 * downloads it, runs the full pass (in a child process: Silero VAD, YIN, best ASR engine, filled
 * pauses) and stores scores, tips and drills. Then the report is rendered (JSON through the API,
 * CSV, PDF). Database: DATABASE_URL, else TEST_DATABASE_URL, else the
 * embedded PostgreSQL (in a temp dir), each in a throw-away schema.
 * Prints one JSON object: jobWallSec (enqueue → report ready), rtf (= jobWallSec / audio), the
 * worker's own wall time and the per-stage times, and render times in ms.
 */
import { actAsOwner } from '../../gateway/src/testing/access.ts';
import { AuditLog } from '../../gateway/src/access/AuditLog.ts';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { Database } from '../../gateway/src/db/Database.ts';
import { EmbeddedPostgresServer } from '../../gateway/src/db/EmbeddedPostgresServer.ts';
import { SessionRepository } from '../../gateway/src/db/SessionRepository.ts';
import { ReportJobs } from '../../gateway/src/reports/ReportJobs.ts';
import { ReportRepository } from '../../gateway/src/reports/ReportRepository.ts';
import { ReportsApi } from '../../gateway/src/reports/ReportsApi.ts';
import { ShareLinks } from '../../gateway/src/reports/ShareLinks.ts';
import { EmbeddedS3Server } from '../../gateway/src/storage/EmbeddedS3Server.ts';
import { ObjectStore } from '../../gateway/src/storage/ObjectStore.ts';
import { tempDir, TEST_DATABASE_URL, uniqueSchema, waitUntil } from '../../gateway/src/testing/services.ts';
import { registerWebApp } from '../../gateway/src/http/routes.ts';
import { parseCliArgs, usageError } from '../../analyzers/src/util/cli.ts';
import { launchChromium } from '../support/browser.ts';
import { longSpeechWebm } from '../support/longSpeech.ts';

const USAGE = 'npm run bench:score -- [--minutes 1..120]';
const { values } = parseCliArgs({ options: { minutes: { type: 'string', default: '10' } } }, USAGE);
const minutes = Number(values.minutes);
if (!(minutes > 0 && minutes <= 120)) {
  usageError(`--minutes must be in 1..120, not ${values.minutes}`, USAGE);
}

const rec = longSpeechWebm(minutes);
const work = tempDir('bench-score');
const log = { info: () => {}, warn: (o: object, m: string) => console.error(m, o), error: (o: object, m: string) => console.error(m, o) };
let pg: EmbeddedPostgresServer | undefined;
let db: Database;
const dbUrl = process.env.DATABASE_URL || TEST_DATABASE_URL;
if (dbUrl) {
  db = await Database.connect({ url: dbUrl, schema: uniqueSchema('bench') });
} else {
  // No server given: an embedded one, as `npm start` and the tests use.
  pg = new EmbeddedPostgresServer({ dataDir: path.join(work.dir, 'pgdata') });
  await pg.start();
  db = await Database.connect({ url: pg.url });
}
const s3 = new EmbeddedS3Server({ directory: path.join(work.dir, 's3'), bucket: 'lectern' });
await s3.start();
const objects = new ObjectStore({ endpoint: s3.endpoint, bucket: 'lectern', region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true });
await objects.ensureBucket();
const sessions = new SessionRepository(db.sql);
const reports = new ReportRepository(db.sql);
const jobs = await ReportJobs.start({ database: db, sessions, reports, objects, log }, { pollingIntervalSec: 0.5 });
const app = Fastify();
actAsOwner(app);
await new ReportsApi({ db, sessions, reports, jobs, shares: new ShareLinks('bench-secret-0123456789'), audit: new AuditLog(db, console) }).register(app);
await registerWebApp(app, path.join(import.meta.dirname, '../../web/build'));
const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });

try {
  const id = randomUUID();
  await sessions.createSession({ id, roomId: 'bench-score', nodeId: 'bench' });
  const key = ObjectStore.recordingKey('local', id);
  await objects.uploadFile(key, rec.file, 'video/webm');
  await sessions.createMediaObject({ id: randomUUID(), sessionId: id, s3Key: key, contentType: 'video/webm', state: 'uploaded', hasAudio: true, hasVideo: false });
  await sessions.endSession(id, { reason: 'api', endedAt: new Date(), mediaDurationSec: rec.durationSec });

  const t0 = performance.now();
  await jobs.enqueue(id); // what SessionManager's onEnded does at session end
  const percents: number[] = [];
  await waitUntil(async () => {
    const j = await reports.getJob(id);
    if (j?.state === 'failed') throw new Error(`job failed: ${j.error}`);
    if (j?.state === 'running') percents.push(Math.round(j.percent));
    return j?.state === 'done';
  }, 30 * 60_000, 'report ready', 200);
  const jobWallSec = (performance.now() - t0) / 1000;
  const job = (await reports.getJob(id))!;
  const analysis = (await reports.getAnalysis(id))!;

  const time = async (url: string) => {
    await app.inject({ url }); // warm
    const t = performance.now();
    const r = await app.inject({ url });
    if (r.statusCode !== 200) throw new Error(`${url} → ${r.statusCode}`);
    return { ms: Math.round((performance.now() - t) * 10) / 10, bytes: r.rawPayload.length, body: r };
  };
  const json = await time(`/v1/sessions/${id}/report`);
  const csv = await time(`/v1/sessions/${id}/report.csv`);
  const pdf = await time(`/v1/sessions/${id}/report.pdf`);
  const report = json.body.json().report;

  // The report page (the same ReportView a presenter sees) through a share link, which needs no
  // sign-in (this bench runs the report stack alone, without the account routes the signed-in page
  // calls first): navigation → overall score and subscores drawn, in headless Chromium (first load
  // cold, then 3 reloads; median of those).
  const share = await app.inject({ method: 'POST', url: `/v1/sessions/${id}/share`, payload: { ttlSec: 3600 } });
  if (share.statusCode !== 200 && share.statusCode !== 201) throw new Error(`share link → ${share.statusCode} ${share.body}`);
  const sharePath = (share.json() as { path: string }).path;
  const browser = await launchChromium();
  const pageMs: number[] = [];
  try {
    const page = await browser.newPage();
    for (let i = 0; i < 4; i++) {
      const t = performance.now();
      await page.goto(`${baseUrl}${sharePath}`);
      await page.locator('[data-testid="report-overall"]').waitFor({ state: 'visible', timeout: 30_000 });
      pageMs.push(Math.round(performance.now() - t));
    }
  } finally {
    await browser.close();
  }
  const warm = pageMs.slice(1).sort((a, b) => a - b);
  const r1 = (x: number) => Math.round(x * 10) / 10;
  console.log(
    JSON.stringify(
      {
        recording: { minutes, durationSec: r1(rec.durationSec), utterances: rec.utterances, referenceWords: rec.words, source: 'pocketsphinx-testdata LibriVox utterances, Opus 32 kb/s WebM' },
        machine: { cores: os.availableParallelism(), loadavg1: r1(os.loadavg()[0]!) },
        engines: { vad: analysis.engines.vad, asr: analysis.engines.asr, pose: analysis.engines.pose },
        jobWallSec: r1(jobWallSec),
        rtf: Math.round((jobWallSec / rec.durationSec) * 1000) / 1000,
        workerWallSec: r1((job.wallMs ?? 0) / 1000),
        stageMs: analysis.stageMs,
        progressSeen: [...new Set(percents)].length,
        targetSec: 60,
        meetsTarget: jobWallSec <= 60,
        renderMs: { json: json.ms, csv: csv.ms, pdf: pdf.ms, htmlPageFirst: pageMs[0], htmlPageWarmMedian: warm[1] },
        renderNote: 'json/csv/pdf: server time per request (Fastify inject, warm); htmlPage: Chromium navigation until the overall score is visible',
        reportBytes: { json: json.bytes, csv: csv.bytes, pdf: pdf.bytes },
        scores: {
          rubricVersion: report.rubricVersion,
          overall: r1(report.overall?.score ?? NaN),
          ...Object.fromEntries(report.subscores.filter((s: { score: number | null }) => s.score !== null).map((s: { key: string; score: number; ci95: number[] }) => [s.key, `${r1(s.score)} [${r1(s.ci95[0]!)}, ${r1(s.ci95[1]!)}]`])),
        },
        wpm: analysis.summary.wpm && r1(analysis.summary.wpm),
        tips: report.tips.map((t: { title: string }) => t.title),
        drills: report.drills.map((d: { kind: string }) => d.kind),
      },
      null,
      2,
    ),
  );
} finally {
  await app.close();
  await jobs.close();
  await jobs.dropSchema().catch(() => {});
  if (!pg) await db.dropSchema().catch(() => {});
  await db.close();
  objects.close();
  await s3.stop();
  await pg?.stop();
  work.cleanup();
}
