import { hash, verify } from '@node-rs/argon2';

/**
 * argon2id parameters: the OWASP Password Storage Cheat Sheet's first recommendation — m = 19 MiB
 * (19 456 KiB), t = 2 iterations, p = 1 — with a 16-byte random salt (RFC 9106). ≈ 60 ms per hash
 * on the reference host.
 */
export const ARGON2_OPTIONS = { algorithm: 2 /* Argon2id */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** A hash of a throw-away password, verified when the e-mail is unknown so timing does not tell. */
let dummyHash: Promise<string> | undefined;

/** @returns the PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) of `password`. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/**
 * Checks `password` against a stored PHC string; with `stored` null (unknown account) it still
 * spends one verification so both cases take the same time. Never throws on a malformed hash.
 */
export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (stored === null) {
    dummyHash ??= hashPassword('lectern-timing-equaliser');
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  return verify(stored, password).catch(() => false);
}
