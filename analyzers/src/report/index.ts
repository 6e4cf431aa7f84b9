/** Post-session report: full-pass analysis, scoring, tips, drills, read-aloud scoring. */
export * from './ReportTypes.ts';
export { buildTips, MAX_TIPS, TIP_THRESHOLD } from './tips.ts';
export { buildDrills, passageWords, READ_ALOUD_SENTENCES } from './drills.ts';
export { scoreReadAloud } from './readAloud.ts';
export { alignWords, normalizeWords } from '../text/words.ts';
export { scoreAnalysis } from './scoredReport.ts';
export type { FullPassMessage } from './fullPassProcess.ts';
export { readAloudFromFile } from './readAloudFile.ts';
