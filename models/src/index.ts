/**
 * @lectern/models — the model manifest (`models/manifest.json`) and the tool that downloads (or
 * copies from a mirror), verifies, and atomically installs models into `models/store/` (or
 * `$LECTERN_MODELS_DIR`); `verifyInstalled` re-checks an installation before anything loads it.
 * CLI: `npm run models` (see `cli.ts`).
 */
export { downloadFile, type DownloadOptions, type TransferProgress } from './downloadFile.ts';
export { installModel, type InstallOptions, type InstallResult } from './installModel.ts';
export { DEFAULT_MANIFEST_PATH, findModel, loadManifest, validateManifest, type ModelEntry, type ModelManifest } from './ModelManifest.ts';
export { ModelInstallError, type ModelErrorCode } from './ModelInstallError.ts';
export { DEFAULT_STORE_DIR, modelsStoreDir, STAMP_FILE } from './paths.ts';
export { sha256File } from './sha256File.ts';
export { unpackArchive } from './unpackArchive.ts';
export { verifyInstalled, type ModelStamp, type UnverifiedModel, type VerifiedModel, type VerifyOptions } from './verifyInstalled.ts';

/** Name of the default English streaming ASR model in the manifest. */
export const SHERPA_EN_MODEL = 'sherpa-onnx-streaming-zipformer-en-2023-06-26';
