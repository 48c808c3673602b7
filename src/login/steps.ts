import type { Response } from 'express';
import type { Random } from '../common';
import { autoPostPageHtml } from './pages';
import type { LoginStep } from './types';

/**
 * Sends a browser-facing {@link LoginStep}: a 303 redirect, an auto-submitting form (served with
 * a per-response CSP nonce for its one script, drawn from `random`), or a page. `done` steps are the issuer's to
 * answer and never reach here.
 * @throws Error for a `done` step (a wiring bug).
 */
export function sendStep(res: Response, step: Exclude<LoginStep, { kind: 'done' }>, random: Random): void {
  switch (step.kind) {
    case 'redirect':
      res.redirect(303, step.url);
      return;
    case 'form_post': {
      const nonce = random.token(16);
      res.setHeader('Content-Security-Policy', `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; frame-ancestors 'none'`);
      res.type('html').send(autoPostPageHtml(step.action, step.fields, nonce));
      return;
    }
    case 'page':
      res.type('html').send(step.html);
      return;
  }
}

/** The issuer's resume endpoint for a settled login: where the browser goes to hand the outcome to the app. */
export function resumeUrl(issuer: string, resumeToken: string): string {
  return `${issuer}/oauth2/authorize/resume?login=${encodeURIComponent(resumeToken)}`;
}
