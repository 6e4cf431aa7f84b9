/** The analyzers' import path for the shared capped exponential backoff (defined in contract/src/backoff.ts). */
export { ExponentialBackoff } from '@lectern/contract';
