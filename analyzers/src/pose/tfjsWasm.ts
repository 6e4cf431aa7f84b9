import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

const require = createRequire(import.meta.url);

let ready: Promise<string> | undefined;

/**
 * Selects TensorFlow.js's WebAssembly backend (XNNPACK kernels; the SIMD build when the runtime has
 * wasm SIMD, which Node ≥ 16 does) for the current thread, once. Loads the `.wasm` binaries from
 * the installed `@tensorflow/tfjs-backend-wasm/dist` (no network). Single-threaded: the threaded
 * build would spawn its own workers and fight the voice path for the two cores.
 *
 * The Emscripten glue installs process-wide `uncaughtException` / `unhandledRejection` listeners
 * that re-throw (turning any stray rejection into a crash); they are removed again here so the
 * host process keeps its own error policy.
 *
 * @returns a description such as `tfjs-backend-wasm 4.22.0 (SIMD, 1 thread)`.
 * @throws Error when the wasm binaries are missing or cannot be instantiated.
 */
export function initWasmBackend(): Promise<string> {
  ready ??= (async () => {
    const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    setWasmPaths(`${dist}${path.sep}`);
    setThreadsCount(1);
    const before = {
      uncaughtException: new Set(process.listeners('uncaughtException')),
      unhandledRejection: new Set(process.listeners('unhandledRejection')),
    };
    try {
      if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") returned false');
      await tf.ready();
    } finally {
      for (const l of process.listeners('uncaughtException'))
        if (!before.uncaughtException.has(l)) process.removeListener('uncaughtException', l);
      for (const l of process.listeners('unhandledRejection'))
        if (!before.unhandledRejection.has(l)) process.removeListener('unhandledRejection', l);
    }
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const version = (require('@tensorflow/tfjs-backend-wasm/package.json') as { version: string }).version;
    return `tfjs-backend-wasm ${version} (${simd ? 'SIMD' : 'no SIMD'}, 1 thread)`;
  })();
  return ready;
}
