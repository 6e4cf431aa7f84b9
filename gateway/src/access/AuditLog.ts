import { randomUUID } from 'node:crypto';
import type { Sql } from 'postgres';
import type { AuditEvent, AuditKind, AuditPage } from '@lectern/contract';
import type { Database } from '../db/Database.ts';
import type { Principal } from './AccessTypes.ts';

/** Where an audited request came from. */
export interface AuditContext {
  ip?: string | null;
  requestId?: string | null;
}

/**
 * The `audit_events` table: security-relevant events per organization (sign-in and its failures,
 * invitations created/used/revoked, sessions viewed/exported/deleted, role changes, account
 * export/deletion). Writes go through the owner connection and never fail the request (a failed
 * write is logged); reads go through row-level security (owner and admins of the org only).
 */
export class AuditLog {
  constructor(
    private readonly db: Database,
    private readonly log: { warn(obj: object, msg: string): void },
  ) {}

  /** Records one event (awaits the write; errors are logged, not thrown). */
  async record(e: {
    orgId: string;
    kind: AuditKind;
    actor?: Pick<Principal, 'userId' | 'email'> | null;
    target?: string | null;
    ctx?: AuditContext;
    detail?: Record<string, unknown>;
  }): Promise<void> {
    try {
      await this.db.sql`INSERT INTO audit_events (id, org_id, kind, actor_user_id, actor_email, target, ip, request_id, detail)
        VALUES (${randomUUID()}, ${e.orgId}, ${e.kind}, ${e.actor?.userId ?? null}, ${e.actor?.email ?? null}, ${e.target ?? null},
          ${e.ctx?.ip ?? null}, ${e.ctx?.requestId ?? null}, ${this.db.sql.json((e.detail ?? {}) as never)})`;
    } catch (err) {
      this.log.warn({ err: (err as Error).message, kind: e.kind }, 'audit event not recorded');
    }
  }

  /**
   * Newest first, `limit` (1–200) per page, only `kind` when given, under `tx` (a transaction of {@link Database.asPrincipal}:
   * row-level security returns nothing to roles other than owner and admin).
   * @throws RangeError for a malformed cursor.
   */
  static async list(tx: Sql, opts: { limit: number; cursor?: string; kind?: AuditKind }): Promise<AuditPage> {
    let after: [string, string] | null = null;
    if (opts.cursor) {
      try {
        after = JSON.parse(Buffer.from(opts.cursor, 'base64url').toString('utf8')) as [string, string];
        if (!Array.isArray(after) || Number.isNaN(Date.parse(after[0]))) throw new Error();
      } catch {
        throw new RangeError('malformed cursor');
      }
    }
    const limit = Math.max(1, Math.min(200, opts.limit));
    const rows = await tx<(Omit<AuditEvent, 'at'> & { at: Date; cursorAt: string })[]>`
      SELECT id, at, kind, actor_user_id AS "actorUserId", actor_email AS "actorEmail", target, ip, request_id AS "requestId", detail,
        to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "cursorAt"
      FROM audit_events WHERE true ${after ? tx`AND (at, id) < (${after[0]}::timestamptz, ${after[1]}::uuid)` : tx``} ${opts.kind ? tx`AND kind = ${opts.kind}` : tx``}
      ORDER BY at DESC, id DESC LIMIT ${limit + 1}`;
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(({ cursorAt: _c, at, ...r }) => ({ ...r, at: at.toISOString() })),
      nextCursor: rows.length > limit && last ? Buffer.from(JSON.stringify([last.cursorAt, last.id])).toString('base64url') : null,
    };
  }
}
