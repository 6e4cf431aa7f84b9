import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** What a share token grants: read-only access to one session's report until `expiresAtSec`. */
export interface ShareGrant {
  sessionId: string;
  /** Unix time, seconds. */
  expiresAtSec: number;
}

/** Why a token was rejected. */
export type ShareRejection = 'malformed' | 'bad-signature' | 'expired';

/** Thrown by {@link ShareLinks.verify}. */
export class ShareTokenError extends Error {
  constructor(readonly reason: ShareRejection) {
    super(reason === 'expired' ? 'the share link has expired' : reason === 'bad-signature' ? 'the share link is not valid (signature mismatch)' : 'the share link is malformed');
  }
}

const b64u = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/** Token format version (first payload byte). */
const TOKEN_VERSION = 1;

/**
 * Signed, expiring share links for read-only reports. A token is
 * `base64url(payload) "~" base64url(HMAC-SHA256(secret, base64url(payload)))` with a 21-byte
 * binary payload: version (1 byte) · session UUID (16 bytes) · expiry in Unix seconds (uint32 BE),
 * so a token is 72 characters and fits a URL path segment (`~`, not `.`, so the path does not look
 * like a file name to the SPA fallback). Nothing is stored server-side: a link
 * cannot be revoked before it expires except by rotating the secret (`LECTERN_SHARE_SECRET`),
 * which invalidates every link.
 */
export class ShareLinks {
  /**
   * @param secret HMAC key (≥ 16 characters; from config).
   * @param nowSec clock, Unix seconds (tests pass a controllable one).
   * @throws RangeError when the secret is shorter than 16 characters.
   */
  constructor(
    private readonly secret: string,
    private readonly nowSec: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    if (secret.length < 16) throw new RangeError('share-link secret must be at least 16 characters');
  }

  /**
   * Signs a grant for `sessionId` (a UUID) valid for `ttlSec` seconds (1 s – 90 days).
   * @returns the token and its expiry (Unix seconds).
   * @throws RangeError for a non-UUID session id or a lifetime out of range.
   */
  sign(sessionId: string, ttlSec: number): { token: string; expiresAtSec: number } {
    if (!(ttlSec >= 1 && ttlSec <= 90 * 86400)) throw new RangeError(`ttlSec must be 1–${90 * 86400}, got ${ttlSec}`);
    const hex = sessionId.replace(/-/g, '').toLowerCase();
    if (!/^[0-9a-f]{32}$/.test(hex)) throw new RangeError(`share links are for session UUIDs, got "${sessionId}"`);
    const expiresAtSec = this.nowSec() + Math.floor(ttlSec);
    const buf = Buffer.alloc(21);
    buf.writeUInt8(TOKEN_VERSION, 0);
    Buffer.from(hex, 'hex').copy(buf, 1);
    buf.writeUInt32BE(expiresAtSec, 17);
    const payload = buf.toString('base64url');
    return { token: `${payload}~${this.#mac(payload)}`, expiresAtSec };
  }

  /**
   * Checks a token's signature (constant-time) and expiry (a token is valid while now < expiry).
   * @throws ShareTokenError `malformed`, `bad-signature` or `expired`.
   */
  verify(token: string): ShareGrant {
    const m = /^([A-Za-z0-9_-]{28})~([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) throw new ShareTokenError('malformed');
    const expected = Buffer.from(this.#mac(m[1]!));
    const got = Buffer.from(m[2]!);
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) throw new ShareTokenError('bad-signature');
    const buf = Buffer.from(m[1]!, 'base64url');
    if (buf.length !== 21 || buf.readUInt8(0) !== TOKEN_VERSION) throw new ShareTokenError('malformed');
    const h = buf.subarray(1, 17).toString('hex');
    const sessionId = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    const expiresAtSec = buf.readUInt32BE(17);
    if (this.nowSec() >= expiresAtSec) throw new ShareTokenError('expired');
    return { sessionId, expiresAtSec };
  }

  #mac(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url');
  }
}

/**
 * A node's secret kept in `dataDir/<name>` (32 random bytes as hex, mode 0600), created on first use
 * so it survives restarts: the share-link key (`share-secret`) and the JWT key (`jwt-secret`).
 * Several gateways must be given the same value in configuration instead.
 * @returns the secret (64 hex characters, or what the file holds if ≥ `minLength`).
 */
export function loadSecret(dataDir: string, name: string, minLength = 16): string {
  const file = path.join(dataDir, name);
  try {
    const s = fs.readFileSync(file, 'utf8').trim();
    if (s.length >= minLength) return s;
  } catch {
    /* first use */
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  fs.writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}

/** The default share-link key of a node (`dataDir/share-secret`, see {@link loadSecret}). */
export function loadShareSecret(dataDir: string): string {
  return loadSecret(dataDir, 'share-secret');
}
