/**
 * Environment variables read by the analyzer child processes (voice/ASR analyzer, pose analyzer)
 * and the engines they load. They are per process — each child reads its own environment,
 * inherited from the gateway — but parsed in this one schema: the gateway validates them at
 * start-up (`gateway/src/config.ts` calls {@link readAnalyzerEnv}), so a bad value stops the
 * gateway with a message instead of being ignored in a child.
 *
 * | Variable                 | Default     | Allowed           | Meaning |
 * |--------------------------|-------------|-------------------|---------|
 * | `LECTERN_ASR_ENGINE`     | automatic   | sherpa-onnx, pocketsphinx, none | force the speech recogniser; automatic = sherpa-onnx if its verified model is installed, else PocketSphinx, else captions off |
 * | `LECTERN_ASR_NICE`       | `10`        | 0–19              | nice value of the ASR worker threads (Linux, per thread), so voice windows win under CPU load; 0 = do not renice |
 * | `LECTERN_ASR_THREADS`    | cores available | integer 1–64  | ASR worker threads per analyzer process (each loads the engine; streams are pinned to the least-loaded thread), so one stream's decoding never waits behind all the others' |
 * | `LECTERN_CAPTION_COMMIT` | `stable`    | stable, final-only | live captions: `stable` commits (fixes) a word once it stayed the same across `LECTERN_CAPTION_STABLE_PARTIALS` decoder passes (PocketSphinx decodes every 0.2 s then) or `LECTERN_CAPTION_STABLE_MS` of audio; `final-only` fixes words only at utterance ends (the behaviour before issue #14) |
 * | `LECTERN_CAPTION_STABLE_PARTIALS` | `2` | integer 1–20   | passes a word must stay unchanged to be committed (`stable`) |
 * | `LECTERN_CAPTION_STABLE_MS` | `400`    | number ≥ 1 (ms)   | audio after which an unchanged word is committed even with fewer passes (`stable`) |
 * | `LECTERN_REPORT_ASR_PRESET` | `auto`   | auto, fast, balanced, accurate | PocketSphinx preset of the post-session full pass; auto = the most accurate preset whose measured RTF meets the 10-minute-talk-in-60-s target (analyzers/src/report/reportAsrPreset.ts) |
 * | `LECTERN_POSE_RUNTIME`   | `auto`      | auto, onnx, tfjs  | pose inference runtime; auto = onnxruntime, else tfjs-wasm |
 * | `LECTERN_POSE_BUDGET_MS` | `55`        | number ≥ 0        | pose inference CPU ms per second per video stream; 0 = unlimited |
 * | `LECTERN_POSE_NICE`      | `10`        | 0–19              | nice value of every thread of the pose process; 0 = do not renice |
 * | `LECTERN_POSE_GATING`    | `on`        | on/off            | motion gate (re-infer only when the picture changed, at least every 2 s); off = infer every decoded frame |
 * | `LECTERN_MOVENET_MODEL`  | `@vladmandic/human` copy | path | MoveNet Lightning TF.js `model.json` |
 * | `LECTERN_MODELS_DIR`     | `models/store` | path           | store of verified models (`npm run models`); also read by `@lectern/models` |
 * | `LECTERN_MODELS_MIRROR`  | —           | path              | local directory holding the model archives (air-gapped install); read by `@lectern/models` |
 */
import os from 'node:os';
import { z } from 'zod';
import { boolVar, enumVar, intVar, numberVar, parseEnv, stringVar } from './util/env.ts';

export { EnvConfigError, boolVar, enumVar, intVar, numberVar, parseEnv, stringVar } from './util/env.ts';

/** Schema of the analyzer processes' variables (see the table above). */
export const AnalyzerEnvSchema = z.object({
  LECTERN_ASR_ENGINE: enumVar(['sherpa-onnx', 'pocketsphinx', 'none'], undefined),
  LECTERN_ASR_NICE: intVar(10, 0, 19),
  LECTERN_ASR_THREADS: intVar(() => Math.min(64, os.availableParallelism()), 1, 64),
  LECTERN_CAPTION_COMMIT: enumVar(['stable', 'final-only'], 'stable'),
  LECTERN_CAPTION_STABLE_PARTIALS: intVar(2, 1, 20),
  LECTERN_CAPTION_STABLE_MS: numberVar(400, 1),
  LECTERN_REPORT_ASR_PRESET: enumVar(['auto', 'fast', 'balanced', 'accurate'], 'auto'),
  LECTERN_POSE_RUNTIME: enumVar(['auto', 'onnx', 'tfjs'], 'auto'),
  LECTERN_POSE_BUDGET_MS: numberVar(55, 0),
  LECTERN_POSE_NICE: intVar(10, 0, 19),
  LECTERN_POSE_GATING: boolVar(true),
  LECTERN_MOVENET_MODEL: stringVar(),
  LECTERN_MODELS_DIR: stringVar(),
  LECTERN_MODELS_MIRROR: stringVar(),
});

/** Parsed analyzer variables. */
export type AnalyzerEnv = z.output<typeof AnalyzerEnvSchema>;

/**
 * Parses the analyzer variables of `env`.
 * @param env environment (default `process.env`).
 * @throws EnvConfigError naming each bad variable, its value and what is allowed.
 */
export function readAnalyzerEnv(env: NodeJS.ProcessEnv = process.env): AnalyzerEnv {
  return parseEnv(AnalyzerEnvSchema, env);
}
