/**
 * Speech recognition for the analyzers: the engine interface, the two engines, automatic
 * selection, and the worker-thread host. Typical live wiring (one AsrWorker per analyzer
 * process, one stream per audio producer):
 *
 * ```ts
 * const sel = await selectEngine();                  // { engine, reason, spec } → asr:status
 * const asr = sel.spec ? await AsrWorker.start(sel.spec) : null;
 * const s = asr?.createStream({ segmentation: 'external' });
 * s?.on('hypothesis', (h) => emit('captions:update', toCaptionEvent(h, roomId, producerId)));
 * s?.on('overflow', (o) => status(`ASR behind, dropped ${o.droppedSec} s`));
 * s?.on('error', (e) => status(e.message));
 * // per 100 ms window: s.push(window16k, window.mediaTimeSec)
 * // at a VAD pause:     s.endUtterance()
 * ```
 */
export type { AsrEngine, AsrEngineName, AsrHypothesis, AsrOverflow, AsrStream, AsrStreamEventMap, AsrStreamOptions } from './AsrEngine.ts';
export { AsrWorker, type AsrWorkerOptions } from './AsrWorker.ts';
export type { AsrWorkerStream, AsrWorkerStreamStats } from './AsrWorkerStream.ts';
export { PocketSphinxEngine } from './pocketsphinx/PocketSphinxEngine.ts';
export { POCKETSPHINX_FAST_ARGS, type PocketSphinxOptions } from './pocketsphinx/PocketSphinxTypes.ts';
export { SherpaOnnxEngine } from './sherpa-onnx/SherpaOnnxEngine.ts';
export type { SherpaOnnxOptions } from './sherpa-onnx/SherpaOnnxTypes.ts';
export { ASR_ENGINE_OVERRIDES, createEngine, selectEngine, type AsrEngineSpec, type AsrSelection, type SelectEngineOptions } from './selectEngine.ts';
export { toCaptionEvent } from './toCaptionEvent.ts';
export { readWav16, type WavData } from './wav.ts';
export { normaliseTranscript, wordErrorRate, type WerResult } from './wordErrorRate.ts';
