/**
 * k6's `console` (it logs through k6's logger), which @types/k6 does not declare. Declared the
 * same way as @types/node and lib.dom do (a `Console` interface and `var console`), so this file
 * also compiles when the root tsconfig.json (Node types) includes test/.
 */
declare global {
  interface Console {
    debug(...data: unknown[]): void;
    error(...data: unknown[]): void;
    info(...data: unknown[]): void;
    log(...data: unknown[]): void;
    warn(...data: unknown[]): void;
  }
  var console: Console;
}
export {};
