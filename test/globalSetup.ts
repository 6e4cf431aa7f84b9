import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Builds the real-speech fixtures once per test run (idempotent; see scripts/fixtures.sh). */
export default function setup(): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  execFileSync('bash', [path.join(root, 'scripts/fixtures.sh')], { stdio: 'inherit' });
}
