// Worker-thread bootstrap for AsrWorker: registers tsx's TypeScript loader in this thread, then
// loads the real entry. Plain JavaScript because it runs before any loader exists; resolves
// `tsx` relative to this file, so it works whatever the process's cwd or how the parent started.
import { register } from 'tsx/esm/api';

register();
await import('./asrWorkerMain.ts');
