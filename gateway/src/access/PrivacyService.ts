import { PassThrough } from 'node:stream';
import { ZipArchive } from 'archiver';
import { AccessError, AccountService } from './AccountService.ts';
import type { Principal } from './AccessTypes.ts';
import type { AuditContext, AuditLog } from './AuditLog.ts';
import type { Database } from '../db/Database.ts';
import { SessionRepository } from '../db/SessionRepository.ts';
import { deleteSessionData } from '../http/v1/SessionsApi.ts';
import { ReportRepository } from '../reports/ReportRepository.ts';
import type { SessionManager } from '../sessions/SessionManager.ts';
import type { ObjectStore } from '../storage/ObjectStore.ts';

/** Options of {@link PrivacyService}. */
export interface PrivacyServiceOptions {
  db: Database;
  objects: ObjectStore | null;
  sessions: SessionManager;
  accounts: AccountService;
  audit: AuditLog;
  spoolDir: string;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/** Name of the pg-boss queue of the daily retention sweep. */
export const RETENTION_QUEUE = 'lectern-retention';
/** When it runs: every day at 03:17 UTC (pg-boss cron). */
export const RETENTION_CRON = '17 3 * * *';

/**
 * The user's rights over their data (GDPR Art. 15/17/20 in spirit):
 * - {@link exportArchive}: a ZIP (archiver) with `account.json` (the user, memberships, consent)
 *   and, per session they presented, `sessions/<id>/session.json` (summary, participants,
 *   timeline with nudges and cues, analysis, scores, the pasted script) and
 *   `sessions/<id>/recording.webm` and `clip-<media id>.webm` when uploaded;
 * - {@link deleteAccount}: their sessions (rows, S3 objects, spool), sign-ins, memberships and the
 *   account itself; their audit entries lose the e-mail and user id, their participant rows in
 *   others' sessions the user id;
 * - {@link runRetention}: per organization, sessions older than `retention_days` are deleted
 *   (the daily pg-boss job {@link RETENTION_QUEUE}).
 */
export class PrivacyService {
  constructor(private readonly o: PrivacyServiceOptions) {}

  /** The database (the audit route reads through it). */
  get db(): Database {
    return this.o.db;
  }

  /** Builds the export archive of the caller's data. @returns the ZIP bytes. */
  async exportArchive(p: Principal & { userId: string }, ctx: AuditContext = {}): Promise<Buffer> {
    const { db, objects } = this.o;
    const me = await this.o.accounts.me(p);
    const memberships = await db.sql`SELECT o.id AS "orgId", o.name AS "orgName", m.role, m.created_at AS "joinedAt"
      FROM memberships m JOIN orgs o ON o.id = m.org_id WHERE m.user_id = ${p.userId}`;
    const sessionIds = (await db.sql<{ id: string }[]>`SELECT id FROM sessions WHERE owner_user_id = ${p.userId} ORDER BY started_at`).map((r) => r.id);
    const zip = new ZipArchive({ zlib: { level: 6 } });
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const done = new Promise<void>((resolve, reject) => {
      out.on('end', resolve);
      zip.on('error', reject);
    });
    zip.pipe(out);
    zip.append(JSON.stringify({ exportedAt: new Date().toISOString(), user: me.user, memberships, sessions: sessionIds }, null, 2), { name: 'account.json' });
    const repo = new SessionRepository(db.sql);
    const reports = new ReportRepository(db.sql);
    for (const id of sessionIds) {
      const [session, participants, media, timeline, analysis, scores] = await Promise.all([
        repo.getSession(id),
        repo.listParticipants(id),
        repo.listMediaObjects(id),
        repo.timeline(id),
        reports.getAnalysis(id),
        reports.getScores(id, {}),
      ]);
      const [script] = await db.sql<{ text: string; updatedAt: Date }[]>`SELECT text, updated_at AS "updatedAt" FROM session_scripts WHERE session_id = ${id}`;
      zip.append(JSON.stringify({ session, participants, mediaObjects: media, timeline, analysis, scores, script: script ?? null }, null, 2), { name: `sessions/${id}/session.json` });
      for (const m of media) {
        if (m.state !== 'uploaded' || !objects) continue;
        try {
          // One recording per session; clips (several) are named by their id.
          zip.append(await objects.getBuffer(m.s3Key), { name: `sessions/${id}/${m.kind === 'recording' ? m.kind : `${m.kind}-${m.id}`}.webm` });
        } catch (err) {
          zip.append(`the recording could not be read from the object store: ${(err as Error).message}\n`, { name: `sessions/${id}/${m.kind}.MISSING.txt` });
        }
      }
    }
    await zip.finalize();
    await done;
    await this.o.audit.record({ orgId: p.orgId, kind: 'account-exported', actor: p, target: p.userId, ctx, detail: { sessions: sessionIds.length } });
    return Buffer.concat(chunks);
  }

  /**
   * Deletes the caller's account and data. An owner of an organization that has other members
   * must hand it over first (409); an owner alone in theirs deletes it too.
   * @returns what was deleted.
   */
  async deleteAccount(p: Principal & { userId: string }, ctx: AuditContext = {}): Promise<{ sessions: number; orgs: number }> {
    const { db } = this.o;
    const owned = await db.sql<{ orgId: string; members: number }[]>`
      SELECT m.org_id AS "orgId", (SELECT count(*)::int FROM memberships x WHERE x.org_id = m.org_id) AS members
      FROM memberships m WHERE m.user_id = ${p.userId} AND m.role = 'owner'`;
    const shared = owned.find((o) => o.members > 1);
    if (shared) throw new AccessError(409, 'Organization has members', 'you own an organization with other members: remove them (or ask to transfer ownership) before deleting your account');
    const sessions = await db.sql<{ id: string; orgId: string; state: string }[]>`SELECT id, org_id AS "orgId", state FROM sessions WHERE owner_user_id = ${p.userId}`;
    for (const s of sessions) {
      if (s.state === 'live') await this.o.sessions.endSession(s.id, 'api');
      await deleteSessionData(new SessionRepository(db.sql), this.o.objects, this.o.spoolDir, s);
    }
    await this.o.accounts.signOutEverywhere(p, ctx);
    await db.sql.begin(async (tx) => {
      await tx`UPDATE audit_events SET actor_user_id = NULL, actor_email = NULL WHERE actor_user_id = ${p.userId}`;
      await tx`UPDATE audit_events SET target = NULL WHERE target = ${p.userId}`;
      // Sessions of others they took part in keep the participant (by peer and display name), not the account.
      await tx`UPDATE participants SET user_id = NULL WHERE user_id = ${p.userId}`;
      await tx`DELETE FROM users WHERE id = ${p.userId}`; // memberships, refresh tokens, rooms cascade
      for (const o of owned) await tx`DELETE FROM orgs WHERE id = ${o.orgId}`;
    });
    for (const o of owned) await this.#deleteOrgObjects(o.orgId);
    if (!owned.some((o) => o.orgId === p.orgId)) await this.o.audit.record({ orgId: p.orgId, kind: 'account-deleted', actor: null, ctx, detail: { sessions: sessions.length } });
    this.o.log.info({ sessions: sessions.length, orgs: owned.length }, 'account deleted');
    return { sessions: sessions.length, orgs: owned.length };
  }

  async #deleteOrgObjects(orgId: string): Promise<void> {
    await this.o.objects?.deletePrefix(`orgs/${orgId}/`).catch((err: Error) => this.o.log.warn({ err: err.message, orgId }, 'deleting the organization objects failed'));
  }

  /**
   * Deletes every ended session older than its organization's `retention_days` (rows, S3 objects,
   * spool), one audit event per organization.
   * @param now the reference time (tests pass one).
   * @returns sessions deleted.
   */
  async runRetention(now: Date = new Date()): Promise<number> {
    const { db } = this.o;
    const due = await db.sql<{ id: string; orgId: string }[]>`
      SELECT s.id, s.org_id AS "orgId" FROM sessions s JOIN orgs o ON o.id = s.org_id
      WHERE o.retention_days IS NOT NULL AND s.state <> 'live' AND s.started_at < ${now}::timestamptz - make_interval(days => o.retention_days)`;
    const byOrg = new Map<string, number>();
    for (const s of due) {
      await deleteSessionData(new SessionRepository(db.sql), this.o.objects, this.o.spoolDir, s);
      byOrg.set(s.orgId, (byOrg.get(s.orgId) ?? 0) + 1);
    }
    for (const [orgId, n] of byOrg) await this.o.audit.record({ orgId, kind: 'retention-deleted', detail: { sessions: n } });
    if (due.length > 0) this.o.log.info({ sessions: due.length }, 'retention: deleted old sessions');
    return due.length;
  }
}

export { AccountService };
