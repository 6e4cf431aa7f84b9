import type { Problem } from '@lectern/contract';

/**
 * An error that the `/v1` error handler sends as Problem+JSON (RFC 9457): `type` is a stable
 * identifier (`about:blank` style short names under `https://lectern.dev/problems/`), `title`
 * the short status text, `detail` what went wrong for this request.
 */
export class HttpProblem extends Error {
  /**
   * @param status HTTP status, e.g. 404.
   * @param title short, stable summary, e.g. `Session not found`.
   * @param detail explanation for this occurrence.
   * @param type problem type slug (default derived from `title`).
   */
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly type: string = `https://lectern.dev/problems/${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`,
  ) {
    super(detail);
  }

  /** The response body. */
  toJSON(instance?: string): Problem {
    return { type: this.type, title: this.title, status: this.status, detail: this.detail, ...(instance ? { instance } : {}) };
  }
}
