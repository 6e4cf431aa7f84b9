/** Rubric scoring core: public API. */
export * from './RubricTypes.ts';
export { bandScore } from './bandScore.ts';
export { SeededRandom } from './SeededRandom.ts';
export { MovingBlockBootstrap } from './MovingBlockBootstrap.ts';
export { addStats, buildCells, emptyStats, scoredSpan, sumStats, timelineContext } from './timeline.ts';
export { rubricV1 } from './rubricV1.ts';
export { getRubric, LATEST_RUBRIC_VERSION, RUBRICS, scoreSession } from './score.ts';
export { bodyWindowFromFrame, buildScoringInput, MIN_BODY_CONFIDENCE, voiceWindowFromFrame } from './scoringInput.ts';
