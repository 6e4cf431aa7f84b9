/**
 * @lectern/contract — the one module that defines what crosses process and network boundaries:
 * Socket.IO event names and payload schemas (zod), metric frame shapes with units, error codes.
 * Imported by the gateway, SFU, analyzers and the web app — which is also why the one shared
 * helper that is not a wire type lives here: `ExponentialBackoff` (./backoff.ts, pure code).
 */
export * from './ack.ts';
export * from './auth.ts';
export * from './backoff.ts';
export * from './body.ts';
export * from './coaching.ts';
export * from './errors.ts';
export * from './events.ts';
export * from './language.ts';
export * from './metrics.ts';
export * from './guidance.ts';
export * from './nudges.ts';
export * from './signaling.ts';
export * from './validate.ts';
export * from './reports.ts';
export * from './sessions.ts';
export * from './search.ts';
export * from './script.ts';
