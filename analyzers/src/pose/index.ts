/**
 * @lectern/analyzers/pose — body language from video: the pose engine interface and its MoveNet
 * implementation, the body-metric formulas and tracker, and offline analysis of video files.
 * The live path (RTP → decoder → gating → inference thread) lives in `../video/`.
 */
export type { Pose, PoseEngine } from './PoseEngine.ts';
export { MoveNetEngine, type MoveNetOptions } from './MoveNetEngine.ts';
export { MoveNetOnnxEngine, decodeMoveNet, type MoveNetOnnxOptions } from './MoveNetOnnxEngine.ts';
export { convertMoveNetToOnnx, type MoveNetOnnxModel, type MoveNetDecodeConstants } from './onnx/moveNetToOnnx.ts';
export { loadPoseEngine, type LoadPoseEngineOptions, type PoseRuntime } from './loadPoseEngine.ts';
export { defaultMoveNetModelPath } from './moveNetModelPath.ts';
export { FileModelHandler } from './FileModelHandler.ts';
export { initWasmBackend } from './tfjsWasm.ts';
export { letterboxRect, letterboxInto, unletterbox, type LetterboxRect } from './letterbox.ts';
export { OneEuroFilter, type OneEuroOptions } from './OneEuroFilter.ts';
export * from './bodyGeometry.ts';
export { BodyMetricsTracker, type BodyMetrics, type BodyMetricsOptions, type BodyObservation } from './BodyMetricsTracker.ts';
export { analyzeVideoFile, formatBodySummary, type AnalyzeVideoOptions, type VideoAnalysis } from './analyzeVideoFile.ts';
export { summarizeBody, distribution, type BodySummary, type BodyTimelineEntry, type Distribution } from './bodySummary.ts';
export { VideoDecodeError } from './VideoDecodeError.ts';
