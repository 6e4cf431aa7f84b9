import PDFDocument from 'pdfkit';
import type { Drill, FullPassResult, Tip } from '@lectern/analyzers/report';
import { SUBSCORE_KEYS, type ScoreEvidence, type ScoreReference, type SubscoreKey } from '@lectern/analyzers/scoring';
import type { SessionRow } from '../db/DbTypes.ts';
import type { AnalysisJobRow, ScoresRow } from './ReportRepository.ts';

/** Display names of the subscores. */
export const SUBSCORE_LABELS: Record<SubscoreKey, string> = {
  pace: 'Pace',
  fillers: 'Fillers',
  pauses: 'Pauses',
  pitchVariety: 'Pitch variety',
  volume: 'Volume',
  posture: 'Posture',
  gestures: 'Gestures',
  eyeContact: 'Eye contact',
};

// The API shapes live in the contract (shared with the web app); these names are kept for the
// gateway's code.
export type { JobStatus as JobStatusDto, SessionReport as SessionReportDto, SubscoreRow as SubscoreDto } from '@lectern/contract';
import type { JobStatus as JobStatusDto, SessionReport as SessionReportDto } from '@lectern/contract';

/** Job row → DTO. */
export function jobDto(j: AnalysisJobRow | null): JobStatusDto | null {
  if (!j) return null;
  return {
    state: j.state,
    percent: Math.round(j.percent * 10) / 10,
    stage: j.stage,
    attempts: j.attempts,
    error: j.error,
    queuedAt: j.queuedAt.toISOString(),
    startedAt: j.startedAt?.toISOString() ?? null,
    finishedAt: j.finishedAt?.toISOString() ?? null,
    wallMs: j.wallMs,
  };
}

/** Assembles the report DTO from the stored rows. */
export function buildReportDto(
  session: SessionRow,
  job: AnalysisJobRow | null,
  scores: ScoresRow | null,
  analysis: FullPassResult | null,
  versions: string[],
  clips: SessionReportDto['clips'] = null,
): SessionReportDto {
  return {
    sessionId: session.id,
    title: session.title,
    roomId: session.roomId,
    startedAt: session.startedAt.toISOString(),
    durationSec: analysis?.durationSec ?? null,
    job: jobDto(job),
    report: scores && {
      rubricVersion: scores.rubricVersion,
      rubricVersions: versions,
      scoredAt: scores.scoredAt.toISOString(),
      overall: scores.scores.overall,
      subscores: SUBSCORE_KEYS.map((k) => {
        const s = scores.scores.subscores[k];
        return { key: k, label: SUBSCORE_LABELS[k], score: s?.score ?? null, ci95: s?.ci95 ?? null, value: s?.value ?? null, reference: s?.reference ?? null, evidence: s?.evidence ?? [] };
      }),
      tips: scores.tips,
      drills: scores.drills,
      summary: analysis?.summary ?? null,
      engines: analysis?.engines ?? {},
      transcript: analysis?.transcript ?? '',
    },
    clips,
  };
}

const csvCell = (v: string | number | null | undefined): string => {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? String(Math.round(v * 1000) / 1000) : v;
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/**
 * CSV export: one row per subscore plus `overall` — columns
 * `session_id,rubric_version,subscore,score,ci95_low,ci95_high,quantity,value,unit,reference_low,reference_high`.
 * Empty cells for unmeasured subscores. RFC 4180 quoting, CRLF line ends.
 * @throws Error when the report is not ready.
 */
export function reportCsv(dto: SessionReportDto): string {
  const r = dto.report;
  if (!r) throw new Error('report not ready');
  const head = ['session_id', 'rubric_version', 'subscore', 'score', 'ci95_low', 'ci95_high', 'quantity', 'value', 'unit', 'reference_low', 'reference_high'];
  const rows: (string | number | null)[][] = [head];
  rows.push([dto.sessionId, r.rubricVersion, 'overall', r.overall?.score ?? null, r.overall?.ci95[0] ?? null, r.overall?.ci95[1] ?? null, null, null, null, null, null]);
  for (const s of r.subscores) {
    const q = s.reference?.quantity;
    rows.push([dto.sessionId, r.rubricVersion, s.key, s.score, s.ci95?.[0] ?? null, s.ci95?.[1] ?? null, q ?? null, q && s.value ? (s.value[q] ?? null) : null, s.reference?.unit ?? null, s.reference?.low ?? null, s.reference && Number.isFinite(s.reference.high) ? s.reference.high : null]);
  }
  return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** Characters outside the PDF standard fonts' WinAnsi set, replaced for the PDF. */
const PDF_REPLACE: Record<string, string> = { '≥': '>=', '≤': '<=', '∞': 'inf', 'σ': 'sigma', '→': '->', '≈': '~', '−': '-', '²': '2' };
const pdfText = (s: string): string => s.replace(/[^\x20-\x7e\u00a0-\u00ff–—‘’“”•…]/g, (c) => PDF_REPLACE[c] ?? '?');

/** `m:ss` of recording seconds. */
export function clock(sec: number): string {
  const s = Math.max(0, Math.round(sec));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * PDF export (A4, pdfkit with the built-in Helvetica; no browser at run time): title, session,
 * overall score, a subscore table (score, 95 % interval, measured value, reference band), the tips
 * with their timestamps and the drills.
 * @throws Error when the report is not ready.
 */
export function reportPdf(dto: SessionReportDto): Promise<Buffer> {
  const r = dto.report;
  if (!r) return Promise.reject(new Error('report not ready'));
  const doc = new PDFDocument({ size: 'A4', margin: 50, info: { Title: `Lectern report ${dto.sessionId}`, Author: 'Lectern' } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const t = (s: string, opts?: PDFKit.Mixins.TextOptions) => doc.text(pdfText(s), opts);
  doc.font('Helvetica-Bold').fontSize(20);
  t('Lectern coaching report');
  doc.font('Helvetica').fontSize(10).fillColor('#555');
  t(`${dto.title ?? dto.roomId} · ${dto.startedAt.slice(0, 16).replace('T', ' ')} UTC · ${dto.durationSec ? clock(dto.durationSec) : '?'} analysed · rubric ${r.rubricVersion}`);
  doc.moveDown();
  doc.fillColor('#000').font('Helvetica-Bold').fontSize(14);
  t(r.overall ? `Overall score: ${r.overall.score.toFixed(0)} (95 % interval ${r.overall.ci95[0].toFixed(0)}–${r.overall.ci95[1].toFixed(0)})` : 'Overall score: not available');
  doc.moveDown(0.5);

  // Subscore table.
  const cols = [50, 150, 200, 290, 400];
  doc.fontSize(10).font('Helvetica-Bold');
  let y = doc.y;
  ['Subscore', 'Score', '95 % interval', 'Measured', 'Reference'].forEach((h, i) => doc.text(h, cols[i]!, y));
  doc.font('Helvetica');
  for (const s of r.subscores) {
    y = doc.y + 4;
    const q = s.reference?.quantity;
    const v = q && s.value ? s.value[q] : undefined;
    const fmt = (x: number) => (Math.abs(x) >= 10 ? x.toFixed(0) : x.toFixed(2));
    const cells = [
      s.label,
      s.score === null ? '—' : s.score.toFixed(0),
      s.ci95 ? `${s.ci95[0].toFixed(0)}–${s.ci95[1].toFixed(0)}` : '—',
      v === undefined ? 'not measured' : `${fmt(v)} ${s.reference!.unit}`,
      s.reference ? `${fmt(s.reference.low)}–${s.reference.high !== null && Number.isFinite(s.reference.high) ? fmt(s.reference.high) : 'inf'} ${s.reference.unit}` : '—',
    ];
    cells.forEach((c, i) => doc.text(pdfText(c), cols[i]!, y, { width: (cols[i + 1] ?? 545) - cols[i]! - 6 }));
  }
  doc.x = 50;
  doc.moveDown();

  doc.font('Helvetica-Bold').fontSize(14);
  t('Tips', { continued: false });
  doc.font('Helvetica').fontSize(10);
  if (r.tips.length === 0) t('Every subscore is at or near its reference band. Keep rehearsing!');
  for (const tip of r.tips) {
    doc.font('Helvetica-Bold');
    t(`${tip.title} (${SUBSCORE_LABELS[tip.subscore]} ${tip.score.toFixed(0)})`);
    doc.font('Helvetica');
    t(tip.advice);
    if (tip.evidence.length) t(`Replay at ${tip.evidence.map((e) => `${clock(e.startSec)} (${e.note})`).join('; ')}`);
    doc.moveDown(0.4);
  }
  doc.moveDown(0.5);
  doc.font('Helvetica-Bold').fontSize(14);
  t('Drills');
  doc.fontSize(10);
  for (const d of r.drills) {
    doc.font('Helvetica-Bold');
    t(d.title);
    doc.font('Helvetica');
    t(d.instructions);
    doc.font('Helvetica-Oblique');
    t(d.passage);
    doc.font('Helvetica');
    doc.moveDown(0.4);
  }
  doc.moveDown(0.5);
  doc.fontSize(8).fillColor('#777');
  t(`Scores 0–100: 100 inside the reference band; intervals are 95 % moving-block bootstrap over 10 s windows. Sources of each reference: see the JSON report. Engines: ${Object.entries(r.engines).filter(([k]) => ['vad', 'asr', 'pose'].includes(k)).map(([k, v]) => `${k} ${v}`).join('; ')}.`);
  doc.end();
  return done;
}
