import { z } from 'zod';

/**
 * zod compiles object parsers with `new Function` unless told not to, probing first whether it
 * may. The gateway's Content-Security-Policy has no 'unsafe-eval', and a strict CSP reports even
 * the caught probe as a violation ("Refused to evaluate a string as JavaScript"), so the app runs
 * zod without JIT (imported first by the root layout).
 */
z.config({ jitless: true });
