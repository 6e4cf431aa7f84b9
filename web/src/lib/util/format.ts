import { percentileOf } from '../../../../analyzers/src/util/percentile.ts';

/** Number formatting for metric cards: fixed decimals, a real minus sign, "—" for missing values. */
export function fmt(value: number | null | undefined, decimals = 0): string {
  if (value == null || !Number.isFinite(value)) return '—';
  const s = value.toFixed(decimals);
  return s.startsWith('-') ? `\u2212${s.slice(1)}` : s;
}

/** Media seconds as m:ss (e.g. 83.4 → "1:23"). */
export function clock(sec: number): string {
  if (!Number.isFinite(sec)) return '';
  const sign = sec < 0 ? '\u2212' : '';
  const t = Math.abs(Math.round(sec));
  return `${sign}${Math.floor(t / 60)}:${String(t % 60).padStart(2, '0')}`;
}

/**
 * p-th percentile (0–100) of an unsorted sample; NaN for an empty sample. The repository's one
 * definition (R-7 linear interpolation between closest ranks, NumPy's default), imported from the
 * dependency-free analyzers module so the live card and `npm run bench:live` agree.
 */
export function percentile(values: ArrayLike<number>, p: number): number {
  return percentileOf(values, p) ?? Number.NaN;
}

/** A length in seconds as m:ss, or h:mm:ss from an hour; "—" when missing. */
export function duration(sec: number | null | undefined): string {
  if (sec == null || !Number.isFinite(sec) || sec < 0) return '—';
  const t = Math.round(sec);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const s = String(t % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** An ISO-8601 timestamp in the browser's locale and time zone, e.g. "21 Nov 2025, 23:41". */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateFmt.format(d);
}

/** Bytes as a short human size (e.g. "4.2 MB"). */
export function bytes(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return '—';
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

/** A server message as a sentence: first letter upper-case, a final period when it has none. */
export function sentence(text: string): string {
  const t = text.trim();
  if (!t) return t;
  const s = t[0]!.toUpperCase() + t.slice(1);
  return /[.!?…)]$/.test(s) ? s : `${s}.`;
}
