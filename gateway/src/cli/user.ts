/**
 * `npm run user -- add --email EMAIL --role ROLE [--name NAME] [--org ORG_ID] [--password-stdin]`
 * `npm run user -- list`
 *
 * Accounts for scripts, through the same service as the API (AccountService.addUser). The
 * database is DATABASE_URL, or the embedded PostgreSQL of LECTERN_DATA_DIR (adopted when Lectern
 * is running, started for the command otherwise). `--role owner` without `--org` creates a new
 * organization; other roles join `--org`, or the only organization. Without `--password-stdin` a
 * random password is generated and printed once. Exit codes: 0 ok, 1 refused (message says why), 2 usage.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { EmailSchema, OrgRoleSchema, PasswordSchema } from '@lectern/contract';
import { parseCliArgs, usageError } from '../../../analyzers/src/util/cli.ts';
import { AccessError, AccountService } from '../access/AccountService.ts';
import { AuditLog } from '../access/AuditLog.ts';
import { SocketRegistry } from '../access/SocketRegistry.ts';
import { Tokens } from '../access/Tokens.ts';
import { loadConfig } from '../config.ts';
import { Database } from '../db/Database.ts';
import { EmbeddedPostgresServer } from '../db/EmbeddedPostgresServer.ts';
import { loadSecret } from '../reports/ShareLinks.ts';

const USAGE = 'npm run user -- add --email EMAIL --role owner|admin|coach|presenter [--name NAME] [--org ORG_ID] [--password-stdin]  |  npm run user -- list';
const { values, positionals } = parseCliArgs(
  { allowPositionals: true, options: { email: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' }, org: { type: 'string' }, 'password-stdin': { type: 'boolean', default: false } } },
  USAGE,
);
const command = positionals[0];
if (command !== 'add' && command !== 'list') usageError('give a command: add or list', USAGE);

const config = loadConfig({ logLevel: 'silent' });
let pg: EmbeddedPostgresServer | undefined;
let url = config.databaseUrl;
if (!url) {
  pg = new EmbeddedPostgresServer({ dataDir: path.join(config.dataDir, 'pgdata') });
  await pg.start();
  url = pg.url;
}
const db = await Database.connect({ url });
const log = { info: () => {}, warn: (o: object, m: string) => console.error(m, o) };
try {
  if (command === 'list') {
    const rows = await db.sql`SELECT u.email, u.display_name AS name, m.role, o.name AS org, o.id AS "orgId" FROM users u
      JOIN memberships m ON m.user_id = u.id JOIN orgs o ON o.id = m.org_id ORDER BY o.created_at, m.created_at`;
    for (const r of rows) console.log(`${r.email}\t${r.role}\t${r.name}\t${r.org} (${r.orgId})`);
    if (rows.length === 0) console.log('no accounts yet: start Lectern and open the set-up link it prints, or: npm run user -- add --email … --role owner');
  } else {
    const email = EmailSchema.safeParse(values.email ?? '');
    const role = OrgRoleSchema.safeParse(values.role ?? '');
    if (!email.success) usageError('--email must be an e-mail address', USAGE);
    if (!role.success) usageError('--role must be owner, admin, coach or presenter', USAGE);
    let password: string;
    let generated = false;
    if (values['password-stdin']) {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
      const ok = PasswordSchema.safeParse(password);
      if (!ok.success) throw new AccessError(400, 'Weak password', ok.error.issues[0]!.message);
    } else {
      password = randomBytes(15).toString('base64url');
      generated = true;
    }
    const accounts = new AccountService({ db, tokens: new Tokens(config.auth.jwtSecret ?? loadSecret(config.dataDir, 'jwt-secret', 32)), audit: new AuditLog(db, log), sockets: new SocketRegistry(), log });
    const { user, org } = await accounts.addUser({ email: email.data, password, displayName: values.name ?? email.data.split('@')[0]!, role: role.data, orgId: values.org });
    console.log(`added ${user.email} as ${role.data} of "${org.name}" (${org.id})`);
    if (generated) console.log(`password (shown once): ${password}`);
  }
} catch (err) {
  console.error(`user ${command}: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await db.close();
  if (pg && !pg.adopted) await pg.stop(); // never stop the server of a running Lectern
}
