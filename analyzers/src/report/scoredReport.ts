import { getRubric } from '../scoring/score.ts';
import { scoreSession } from '../scoring/score.ts';
import type { Rubric } from '../scoring/RubricTypes.ts';
import { buildDrills } from './drills.ts';
import type { FullPassResult, ScoredReport } from './ReportTypes.ts';
import { buildTips } from './tips.ts';

/**
 * Scores a full-pass analysis under a rubric and derives tips (≤ 3, weakest subscores, with
 * evidence) and drills. Deterministic for the same analysis, rubric and seed. Used both by the
 * post-session job and by re-scoring (which passes the stored analysis and a newer rubric).
 * @param analysis the stored full-pass result (`scoringInput`, `summary.fillerWords`).
 * @param rubric default: the latest rubric.
 * @param seed picks drill passage variants (e.g. the number of sessions so far); default 0.
 * @throws RangeError when the analysis has a non-positive duration.
 */
export function scoreAnalysis(analysis: Pick<FullPassResult, 'scoringInput' | 'summary'>, rubric: Rubric = getRubric(), seed = 0): ScoredReport {
  const scores = scoreSession(analysis.scoringInput, rubric);
  return { scores, tips: buildTips(scores), drills: buildDrills(scores, { fillerWords: analysis.summary.fillerWords, seed }) };
}
