// Worker-thread bootstrap for InferenceWorker: registers tsx's TypeScript loader in this thread,
// then loads the real entry. Plain JavaScript because it runs before any loader exists; resolves
// `tsx` relative to this file, whatever the process's cwd.
import { register } from 'tsx/esm/api';

register();
await import('./inferenceWorkerMain.ts');
