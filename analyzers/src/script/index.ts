/** Script mode (pure): affine-gap word alignment of recognised words to a talk's script, passages, coverage, ad-libs. */
export { alignScript, DEFAULT_SCORES, MAX_ALIGN_CELLS, type AlignOp, type AlignScores } from './align.ts';
export { MAX_PASSAGE_WORDS, MIN_AD_LIB_WORDS, parseScript, scriptProgress, SPOKEN_MIN_FRACTION, type ParsedScript, type TimedWord } from './scriptProgress.ts';
