/** @lectern/gateway — HTTP API, Socket.IO signaling and metric fan-out. */
export { startLectern, type LecternNode } from './app.ts';
export { loadConfig, type LecternConfig } from './config.ts';
export type { MetricBus, RoomMessage } from './bus/MetricBus.ts';
export { InProcessBus } from './bus/InProcessBus.ts';
