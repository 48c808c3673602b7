import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ResponseSettings } from '../../src/connectors/saml/validate-response';

/**
 * The shared SAML response corpus (../shared/saml-corpus, MANIFEST.md), read in place: its
 * manifest rows and the SP settings MANIFEST.md gives for each.
 */

/** One response row of manifest.json. */
export interface CorpusRow {
  file: string;
  kind: string;
  verdict: string;
  reason: string;
  cert: string;
  key: string;
  at: string;
  klass: string;
  expect: 'accept' | 'reject' | 'reject-if-cert-validity-enforced';
  expect_subject?: string;
  fields: {
    issuer: string | null;
    audience: string | null;
    destination: string | null;
    in_response_to: string | null;
    recipient: string | null;
    issue_instant: string | null;
    encrypted: boolean;
  };
}

/** The corpus directory: TESSERA_SAML_CORPUS, else the shared folder beside the checkout. */
export function corpusDir(): string {
  const candidates = [process.env.TESSERA_SAML_CORPUS, path.resolve(__dirname, '../../../shared/saml-corpus'), path.resolve(__dirname, '../../../../shared/saml-corpus'), '/work/shared/saml-corpus'];
  const found = candidates.find((c): c is string => typeof c === 'string' && existsSync(path.join(c, 'manifest.json')));
  if (!found) throw new Error(`SAML corpus not found; set TESSERA_SAML_CORPUS (tried ${candidates.filter(Boolean).join(', ')})`);
  return found;
}

/** Every `kind: response` row. */
export function responseRows(): CorpusRow[] {
  const rows = JSON.parse(readFileSync(path.join(corpusDir(), 'manifest.json'), 'utf8')) as CorpusRow[];
  return rows.filter((r) => r.kind === 'response');
}

/** The contents of a corpus file. */
export function corpusFile(rel: string): string {
  return readFileSync(path.join(corpusDir(), rel), 'utf8');
}

/** The instant to judge a row at: its `at` (first token), else its IssueInstant. */
export function rowInstant(r: CorpusRow): number {
  const first = Date.parse(r.at.split(' ')[0]);
  if (Number.isFinite(first)) return first;
  const issued = r.fields.issue_instant ? Date.parse(r.fields.issue_instant) : NaN;
  return Number.isFinite(issued) ? issued : Date.parse('2020-01-01T00:00:00Z');
}

/** A certificate no corpus file was signed with, for rows that name none (they must be refused anyway). */
const FALLBACK_CERT = 'invalid/duplicate/node-saml-idp.crt';

/**
 * MANIFEST.md's SP settings for a row: IdP entityID = its Issuer, SP entityID = its Audience,
 * ACS = its Recipient (else Destination), the listed cert and key. Signature policy: at least
 * one of Response or Assertion signed (rows sign one or the other); every standard NameID format.
 */
export function rowSettings(r: CorpusRow): ResponseSettings {
  // A row whose class is the wrong Issuer/Audience/Destination carries the wrong value in its own
  // fields: the SP is configured as for the valid rows of the same IdP (same certificate).
  const sp = CONFIG_DRIVEN.has(r.klass) ? (baselineOf(r) ?? r) : r;
  return {
    idpEntityId: sp.fields.issuer ?? 'urn:unknown-idp',
    signingCertificates: [corpusFile(r.cert || FALLBACK_CERT)],
    spEntityId: sp.fields.audience ?? 'urn:unknown-sp',
    acsUrl: [sp.fields.recipient, sp.fields.destination].find((u): u is string => typeof u === 'string' && isAbsoluteUrl(u)) ?? 'https://sp.invalid/acs',
    requireSignedAssertion: false,
    requireSignedResponse: false,
    clockSkewSeconds: 60,
    allowedNameIdFormats: [
      'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
      'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
      'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
    ],
    decryptionKeys: r.key ? [corpusFile(r.key)] : [],
    maxResponseBytes: 256 * 1024,
  };
}

const CONFIG_DRIVEN = new Set(['wrong-issuer', 'wrong-audience', 'wrong-destination']);

/** An accepted row signed with the same certificate (by content), preferring one answering the same request. */
function baselineOf(r: CorpusRow): CorpusRow | undefined {
  if (!r.cert) return undefined;
  const cert = corpusFile(r.cert).trim();
  const same = responseRows().filter((b) => b.expect === 'accept' && !b.klass && b.cert && corpusFile(b.cert).trim() === cert);
  return same.find((b) => b.fields.in_response_to === r.fields.in_response_to) ?? same[0];
}

/** Whether a row's file is XML as stored (else base64 as posted). */
export function rowEncoding(r: CorpusRow, content: string): 'xml' | 'base64' {
  return content.trimStart().startsWith('<') ? 'xml' : 'base64';
}

/** True for an absolute http(s) URL (some rows carry placeholders such as `{recipient}` or the word `recipient`). */
export function isAbsoluteUrl(u: string | null): boolean {
  return typeof u === 'string' && /^https?:\/\/[^/{}]+/.test(u);
}

/** The decoded document text of a row (base64 files decoded; deflated ones come out as binary). */
export function decodedText(r: CorpusRow): string {
  const c = corpusFile(r.file).trim();
  return rowEncoding(r, c) === 'xml' ? c : Buffer.from(c, 'base64').toString('latin1');
}
