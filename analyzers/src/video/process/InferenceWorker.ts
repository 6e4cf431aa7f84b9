import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { InferenceResult } from '../PoseScheduler.ts';
import type { FromInferenceWorker, ToInferenceWorker } from './inferenceWorkerProtocol.ts';

/**
 * Main-thread handle of the pose-inference worker thread (inferenceWorkerMain.ts): loads the pose
 * engine there, sends frames (transferring their buffers, no copy) and resolves each request with
 * the keypoints. If the thread dies, pending and later requests reject until {@link start} is
 * called again (the pose process restarts it).
 */
export class InferenceWorker {
  #worker: Worker | undefined;
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (r: InferenceResult) => void; reject: (e: Error) => void }>();
  #description = '';
  #threadCpuMs = 0;
  #dead: Error | undefined;

  /** Engine description reported by the worker (after {@link start}). */
  get description(): string {
    return this.#description;
  }

  /** CPU ms the inference thread had used at its latest answer (10 ms resolution). */
  get threadCpuMs(): number {
    return this.#threadCpuMs;
  }

  /** The error that stopped the thread, if it stopped. */
  get dead(): Error | undefined {
    return this.#dead;
  }

  /**
   * Starts the thread and waits until the model is loaded (≈ 1 s, longer under load).
   * @throws Error when the engine cannot load (message from the worker) or the thread dies first.
   */
  async start(): Promise<void> {
    const worker = new Worker(fileURLToPath(new URL('./inferenceWorkerBoot.mjs', import.meta.url)));
    this.#worker = worker;
    this.#dead = undefined;
    this.#description = await new Promise<string>((resolve, reject) => {
      const onMessage = (m: FromInferenceWorker) => {
        if (m.type === 'ready') (cleanup(), resolve(m.description));
        else if (m.type === 'init-error') (cleanup(), reject(new Error(m.message)));
      };
      const onError = (err: Error) => (cleanup(), reject(err));
      const onExit = (code: number) => (cleanup(), reject(new Error(`inference worker exited with code ${code} while loading`)));
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
    }).catch(async (err: unknown) => {
      await worker.terminate();
      throw err;
    });
    worker.on('message', (m: FromInferenceWorker) => this.#onMessage(m));
    worker.on('error', (err) => this.#fail(err));
    worker.on('exit', (code) => this.#fail(new Error(`inference worker exited (code ${code})`)));
  }

  /**
   * Runs one inference. The frame's buffer is transferred to the worker: `rgb` is unusable
   * (detached) afterwards.
   * @throws Error (rejects) when the worker is not running or the engine fails on this frame.
   */
  infer = (rgb: Uint8Array, width: number, height: number): Promise<InferenceResult> => {
    const worker = this.#worker;
    if (!worker || this.#dead) return Promise.reject(this.#dead ?? new Error('inference worker not started'));
    const id = this.#nextId++;
    // Transfer needs a buffer of exactly the frame (decoder frames are fresh, whole buffers).
    const buf = rgb.byteOffset === 0 && rgb.byteLength === rgb.buffer.byteLength ? rgb.buffer : rgb.slice().buffer;
    return new Promise<InferenceResult>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      const msg: ToInferenceWorker = { type: 'infer', id, rgb: buf as ArrayBuffer, width, height };
      worker.postMessage(msg, [buf as ArrayBuffer]);
    });
  };

  /** Terminates the thread; pending requests reject. */
  async close(): Promise<void> {
    const w = this.#worker;
    this.#worker = undefined;
    this.#fail(new Error('inference worker closed'));
    await w?.terminate();
  }

  #onMessage(m: FromInferenceWorker): void {
    if (m.type === 'result') {
      this.#threadCpuMs = m.threadCpuMs;
      this.#pending.get(m.id)?.resolve({ keypoints: m.keypoints, inferMs: m.inferMs, ...(m.cpuMs !== null ? { cpuMs: m.cpuMs } : {}) });
      this.#pending.delete(m.id);
    } else if (m.type === 'failure') {
      this.#pending.get(m.id)?.reject(new Error(m.message));
      this.#pending.delete(m.id);
    }
  }

  #fail(err: Error): void {
    this.#dead ??= err;
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }
}
