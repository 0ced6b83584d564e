import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { hasCredentialInUrl } from './request-authenticator';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Whether a request carries `Authorization: Bearer <METRICS_TOKEN>`. Both sides are hashed first so that
 * timingSafeEqual compares equal-length buffers and the time taken reveals neither the token nor its
 * length. Never true when no token is configured, or when the URL also carries a credential (refused
 * everywhere, CONTRACT §2).
 */
export function metricsTokenMatcher(expected: string | undefined): (req: Request) => boolean {
  if (expected === undefined || expected === '') return () => false;
  const wanted = digest(expected);
  return (req) => {
    const match = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match || hasCredentialInUrl(req)) return false;
    return timingSafeEqual(digest(match[1]), wanted);
  };
}
