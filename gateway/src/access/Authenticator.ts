import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpProblem } from '../http/v1/HttpProblem.ts';
import type { AccountService } from './AccountService.ts';
import { AccessTokenError, type Principal } from './AccessTypes.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller (null on public routes without a token). */
    principal: Principal | null;
  }
}

/**
 * Route patterns of `/v1` routes that answer without an access token: first-run set-up, sign-up/in, refresh and
 * sign-out (the refresh cookie identifies the caller), invitation links (preview and accept; an
 * access token is used when sent) and shared-report links (the signed link is the grant).
 */
export const PUBLIC_V1 = new Set([
  '/v1/setup',
  '/v1/auth/sign-in',
  '/v1/auth/sign-up',
  '/v1/auth/refresh',
  '/v1/auth/sign-out',
  '/v1/join/:token',
  '/v1/shared/:token/report',
  '/v1/shared/:token/report.csv',
  '/v1/shared/:token/report.pdf',
]);

/**
 * Registers the `/v1` authentication hook: `Authorization: Bearer <access token>` is verified and
 * re-checked ({@link AccountService.authenticate}) and becomes `req.principal`. Without a valid
 * token a protected route answers 401 Problem+JSON (`code: UNAUTHENTICATED`) before any handler
 * runs, so no route can forget the check. Routes outside `/v1` (the web app, `/health`) are public.
 */
export function registerAuthenticator(app: FastifyInstance, accounts: AccountService): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req, reply) => {
    // The matched route pattern, not the raw URL: a percent-encoded path (`/%761/…`) that routes to
    // /v1 is checked like /v1. Unrouted requests (404) have none.
    const route = req.routeOptions.url ?? '';
    if (!route.startsWith('/v1/')) return;
    const header = req.headers.authorization;
    const isPublic = PUBLIC_V1.has(route);
    if (!header && isPublic) return;
    try {
      req.principal = await accounts.authenticate(bearer(header));
    } catch (err) {
      if (!(err instanceof AccessTokenError)) throw err;
      const p = new HttpProblem(401, 'Not signed in', err.message, undefined, 'UNAUTHENTICATED');
      return reply.code(401).header('www-authenticate', `Bearer error="invalid_token"`).type('application/problem+json').send(p.toJSON(req.url));
    }
  });
}

/** The token of an `Authorization: Bearer …` header (undefined otherwise). */
export function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return m?.[1];
}

/** The caller. @throws HttpProblem 401 on a public route called without a token. */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new HttpProblem(401, 'Not signed in', 'sign in first (Authorization: Bearer <access token>)', undefined, 'UNAUTHENTICATED');
  return req.principal;
}

/** The caller, who must have an account (not a guest). @throws HttpProblem 401/403. */
export function memberOf(req: FastifyRequest): Principal & { userId: string } {
  const p = principalOf(req);
  if (p.kind !== 'user' || !p.userId) throw new HttpProblem(403, 'Account needed', 'guests may only take part in the room they were invited to', undefined, 'FORBIDDEN');
  return p as Principal & { userId: string };
}
