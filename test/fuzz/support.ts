/**
 * Shared parts of the property-based fuzz tests (test/fuzz/*.test.ts, fast-check): the seed and
 * run count (`FUZZ_SEED` replays a run, `FUZZ_RUNS` scales it), process-level fault listeners,
 * heap measurement with a forced GC, and arbitraries of hostile input (random JSON, wrong types,
 * huge strings, prototype-pollution keys, deep nesting, binary).
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import fc from 'fast-check';

/**
 * The seed of this run: `FUZZ_SEED` (an integer, to replay a failure) or a fresh one.
 * @throws Error when `FUZZ_SEED` is set but not an integer.
 */
export function fuzzSeed(): number {
  const env = process.env.FUZZ_SEED;
  if (env === undefined || env === '') return (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
  const n = Number(env);
  if (!Number.isInteger(n)) throw new Error(`FUZZ_SEED must be an integer (got ${env})`);
  return n;
}

/**
 * Cases of a property: `defaultRuns`, scaled by `FUZZ_RUNS` when set (an absolute count, for long
 * soak runs or a quick replay).
 */
export function fuzzRuns(defaultRuns: number): number {
  const env = process.env.FUZZ_RUNS;
  if (env === undefined || env === '') return defaultRuns;
  const n = Number(env);
  if (!Number.isInteger(n) || n < 1) throw new Error(`FUZZ_RUNS must be a positive integer (got ${env})`);
  return n;
}

/**
 * Records `unhandledRejection` and `uncaughtException` in this process (where the gateway under
 * test runs) from {@link start} to {@link stop}. Vitest's own handlers still run too.
 */
export class FaultRecorder {
  readonly faults: string[] = [];
  readonly #onRejection = (reason: unknown) => void this.faults.push(`unhandledRejection: ${describe(reason)}`);
  readonly #onException = (err: unknown) => void this.faults.push(`uncaughtException: ${describe(err)}`);

  start(): this {
    process.on('unhandledRejection', this.#onRejection);
    process.on('uncaughtException', this.#onException);
    return this;
  }

  stop(): void {
    process.off('unhandledRejection', this.#onRejection);
    process.off('uncaughtException', this.#onException);
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e);
}

let gcFn: (() => void) | undefined;
/**
 * This process's heap in use after a full GC, bytes (`--expose-gc` is switched on at run time
 * through V8 flags, so no node option is needed).
 */
export async function heapUsedAfterGc(): Promise<number> {
  if (!gcFn) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc') as () => void;
  }
  // Two rounds with a turn of the event loop between: finalizers and weak callbacks run.
  for (let i = 0; i < 2; i++) {
    gcFn();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

/** MiB with one decimal, for the printed figures. */
export const mib = (bytes: number): number => Math.round((bytes / 1048576) * 10) / 10;

/** Keys that pollute prototypes when a parser or merge assigns them naively. */
export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

/**
 * An object with a prototype-pollution key as an OWN property (as `JSON.parse` makes it, which is
 * what a server receives), e.g. `{"__proto__": {"polluted": true}}` or `{"constructor": {"prototype": {…}}}`.
 */
export const protoPollution: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(fc.constantFrom(...PROTO_KEYS), fc.constantFrom(...PROTO_KEYS, 'polluted', 'toString', 'hasOwnProperty'), fc.jsonValue({ maxDepth: 2 }))
  .map(([a, b, v]) => JSON.parse(`{${JSON.stringify(a)}: {${JSON.stringify(b)}: ${JSON.stringify(v ?? null)}}, "polluted": true}`) as Record<string, unknown>);

/** A string of 10 k – `maxChars` characters (ASCII run, or a repeated random unicode chunk). */
export const hugeString = (maxChars = 100_000): fc.Arbitrary<string> =>
  fc.tuple(fc.integer({ min: 10_000, max: maxChars }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 })).map(([n, chunk]) => chunk.repeat(Math.ceil(n / chunk.length)).slice(0, n));

/** Arrays or objects nested 20–2000 levels deep, e.g. `[[[…]]]` or `{"a":{"a":…}}`. */
export const deepNesting: fc.Arbitrary<unknown> = fc.tuple(fc.integer({ min: 20, max: 2000 }), fc.boolean(), fc.jsonValue({ maxDepth: 1 })).map(([depth, arrays, leaf]) => {
  let v: unknown = leaf ?? null;
  for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v };
  return v;
});

/** Random bytes (0–4 KiB) as a Buffer. */
export const binary: fc.Arbitrary<Buffer> = fc.uint8Array({ maxLength: 4096 }).map((a) => Buffer.from(a));

/** Values of the wrong type for any field: null, NaN, ±Infinity, -0, booleans, empty containers, numbers as strings… */
export const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -0, -1, 1.5, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, '', ' ', '0', 'null', 'undefined', '[object Object]', [], {}, [[]], [{}]),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

/**
 * Anything a hostile client can send as one value, weighted toward the small and cheap: random
 * JSON, wrong types, `fc.anything()` (dates, maps, sparse arrays… as they serialise), prototype
 * pollution, deep nesting, binary, and now and then a huge string.
 */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.jsonValue({ maxDepth: 4 }), weight: 6 },
  { arbitrary: wrongType, weight: 6 },
  { arbitrary: fc.anything({ maxDepth: 3, withBigInt: false }), weight: 2 },
  { arbitrary: protoPollution, weight: 2 },
  { arbitrary: deepNesting, weight: 1 },
  { arbitrary: binary, weight: 1 },
  { arbitrary: hugeString(), weight: 1 },
);

/** `Object.prototype`'s own keys now (to check nothing was added by pollution). */
export const prototypeKeys = (): string[] => Object.getOwnPropertyNames(Object.prototype).sort();

/** One registered route: a method and a path pattern (`/v1/sessions/:id`, `/*`). */
export interface RouteSpec {
  method: string;
  url: string;
}

/**
 * The routes of a Fastify app, from `printRoutes({ commonPrefix: false })` (a tree: each line is a
 * path segment, indented 4 columns per level under its parent, with its methods in parentheses).
 * HEAD routes (added automatically for GET) are left out.
 */
export function listRoutes(tree: string): RouteSpec[] {
  const out: RouteSpec[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^([│├└─\s]*?)(?:[├└]── )(.*)$/.exec(line) ?? /^()(\S.*)$/.exec(line);
    if (!m) continue;
    const depth = Math.round([...m[1]!].length / 4);
    const rest = m[2]!;
    const methods = /\s\(([A-Z, ]+)\)$/.exec(rest);
    const segment = methods ? rest.slice(0, methods.index) : rest;
    stack.length = depth;
    stack[depth] = segment;
    if (methods) for (const method of methods[1]!.split(',').map((s) => s.trim())) if (method !== 'HEAD') out.push({ method, url: stack.join('') });
  }
  return out;
}

