// See https://svelte.dev/docs/kit/types#app.d.ts
import type { LecternDiagnostics } from '#lib/diagnostics.ts';

declare global {
  namespace App {
    // interface Error {}
    // interface Locals {}
    // interface PageData {}
    // interface PageState {}
    // interface Platform {}
  }
  interface Window {
    /** Read-only diagnostics for automated tests and benchmarks (see web/README.md). */
    __lectern?: LecternDiagnostics;
  }
}

export {};
