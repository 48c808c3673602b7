import { BrokerError, ErrorCodes } from '../common';

/**
 * The inputs of the revocation feed's endpoints, read strictly (DESIGN.md §6 "Revocation";
 * RFC 8936 §2.4 for the CAEP poll): a malformed member is a 400 `request.invalid` naming it,
 * never silently ignored — a receiver whose acknowledgements were dropped would get the same
 * SETs forever without knowing why. Pure.
 */

/** A sequence number as sent: decimal digits, at most 15 (every value exact as a JavaScript number). */
const SEQ = /^\d{1,15}$/;

/** One receiver-reported SET error (RFC 8936 §2.4.1 `setErrs`, codes of RFC 8935 §2.4). */
export interface SetError {
  jti: string;
  err: string;
  description?: string;
}

/** A CAEP poll request as read from the body; `maxEvents` absent = the endpoint's page size. */
export interface CaepPollBody {
  acks: string[];
  errors: SetError[];
  maxEvents?: number;
  since?: number;
}

const invalid = (detail: string) => new BrokerError(ErrorCodes.requestInvalid, detail);

/**
 * `since` or `Last-Event-ID` as a non-negative sequence number; absent or empty = 0.
 * @throws BrokerError `request.invalid` for anything else (a repeated or structured query
 *   parameter such as `since[]=1` included).
 */
export function parseSince(raw: unknown, name = 'since'): number {
  if (raw === undefined || raw === '') return 0;
  if (typeof raw !== 'string' || !SEQ.test(raw)) throw invalid(`${name} must be a sequence number (decimal digits, at most 15)`);
  return Number(raw);
}

/**
 * The body of `POST /revocations/caep/poll` (RFC 8936 §2.4): `ack` an array of SET `jti` strings,
 * `setErrs` an object of `jti` → `{ err, description? }` (strings; cut to 64 and 256 characters
 * for the audit trail), `maxEvents` a non-negative integer, `returnImmediately` a boolean (long
 * polling is not offered, so it changes nothing), `since` Tessera's extension (a sequence number
 * string). Other members are ignored (RFC 8936 allows extensions).
 * @throws BrokerError `request.invalid` naming the malformed member.
 */
export function parseCaepPoll(body: unknown): CaepPollBody {
  if (body === undefined || body === null) return { acks: [], errors: [] };
  if (typeof body !== 'object' || Array.isArray(body)) throw invalid('the poll body must be a JSON object');
  const b = body as Record<string, unknown>;
  const out: CaepPollBody = { acks: [], errors: [] };
  if (b.ack !== undefined) {
    if (!Array.isArray(b.ack) || !b.ack.every((a) => typeof a === 'string' && SEQ.test(a))) throw invalid('ack must be an array of SET jti strings');
    out.acks = b.ack as string[];
  }
  if (b.setErrs !== undefined) {
    if (typeof b.setErrs !== 'object' || b.setErrs === null || Array.isArray(b.setErrs)) throw invalid('setErrs must be an object of jti to { err, description }');
    for (const [jti, v] of Object.entries(b.setErrs as Record<string, unknown>)) {
      const e = v as { err?: unknown; description?: unknown } | null;
      if (!SEQ.test(jti) || typeof e !== 'object' || e === null || typeof e.err !== 'string' || (e.description !== undefined && typeof e.description !== 'string')) {
        throw invalid('setErrs must be an object of jti to { err, description } with string values');
      }
      out.errors.push({ jti, err: e.err.slice(0, 64), ...(typeof e.description === 'string' ? { description: e.description.slice(0, 256) } : {}) });
    }
  }
  if (b.maxEvents !== undefined) {
    if (typeof b.maxEvents !== 'number' || !Number.isSafeInteger(b.maxEvents) || b.maxEvents < 0) throw invalid('maxEvents must be a non-negative integer');
    out.maxEvents = b.maxEvents;
  }
  if (b.returnImmediately !== undefined && typeof b.returnImmediately !== 'boolean') throw invalid('returnImmediately must be a boolean');
  if (b.since !== undefined) out.since = parseSince(b.since);
  return out;
}
