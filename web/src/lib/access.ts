import type { OrgRole } from '@lectern/contract';

/** Who may open a page: anyone, a member or an invited guest, or members only. */
export type PageAccess = 'public' | 'guest' | 'member';

const PUBLIC = [/^\/$/, /^\/setup\/?$/, /^\/signin\/?$/, /^\/signup\/?$/, /^\/join\/[^/]+\/?$/, /^\/shared\/[^/]+\/?$/];

/**
 * Access rule of a page path: `/`, `/setup`, `/signin`, `/signup`, `/join/<token>` and
 * `/shared/<token>` are public; `/coach` is for members and guests (a guest's session names its
 * one room); every other page needs a member's session (signed-out visitors go to /signin?next=…).
 */
export function access(pathname: string): PageAccess {
  if (PUBLIC.some((re) => re.test(pathname))) return 'public';
  if (/^\/coach\/?$/.test(pathname)) return 'guest';
  return 'member';
}

/**
 * Where to go after signing in: `next` if it is a path of this site (`/…`, not `//host` or a URL
 * with a scheme, and not the sign-in page itself), else `fallback`.
 */
export function safeNext(next: string | null | undefined, fallback = '/rehearse'): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
  if (/^\/(signin|signup|setup)(\/|\?|$)/.test(next)) return fallback;
  return next;
}

/** `/signin?next=<this page>` for a page URL. */
export function signInHref(url: { readonly pathname: string; readonly search: string }): string {
  const here = url.pathname + url.search;
  return here === '/' || /^\/signin(\?|$)/.test(here) ? '/signin' : `/signin?next=${encodeURIComponent(here)}`;
}

const ROLE_LABELS: Record<OrgRole | 'guest' | 'viewer', string> = {
  owner: 'Owner',
  admin: 'Admin',
  coach: 'Coach',
  presenter: 'Presenter',
  viewer: 'Viewer',
  guest: 'Guest',
};

/** "Owner", "Admin", "Coach", "Presenter", "Viewer", "Guest". */
export function roleLabel(role: OrgRole | 'guest' | 'viewer' | null | undefined): string {
  return role ? ROLE_LABELS[role] : '';
}
