/**
 * Request signing of the e-signature gateway (`Signature` auth mode, README section 4.2): the
 * client signs with it and the simulator verifies with it, and unit tests pin it to the vectors.
 */
import { createHash, createHmac } from 'node:crypto';

export const ESIGN_ACCEPT = '*/*';
export const ESIGN_CONTENT_TYPE = 'application/json;charset=UTF-8';

/** Request header names of the gateway, in one place. */
export const ESIGN_REQUEST_HEADERS = {
  appId: 'X-Tsign-Open-App-Id',
  authMode: 'X-Tsign-Open-Auth-Mode',
  timestamp: 'X-Tsign-Open-Ca-Timestamp',
  signature: 'X-Tsign-Open-Ca-Signature',
  signatureHeaders: 'X-Tsign-Open-Ca-Signature-Headers',
  token: 'X-Tsign-Open-Token',
  contentMd5: 'Content-MD5',
} as const;

/** How long a signed request's timestamp is accepted (anti-replay). */
export const ESIGN_TIMESTAMP_WINDOW_MS = 15 * 60 * 1000;

export type QueryParams = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Base64 of the raw 16-byte MD5 of the body; empty when there is no body. */
export function contentMd5(body: string | Buffer): string {
  if (body.length === 0) return '';
  return createHash('md5').update(body).digest('base64');
}

/**
 * The query part of the string to sign (the platform's "sorted by name" rule, README §4.2:
 * `path?a=1&b=2`), as its signature documentation spells it out:
 *
 * - parameters sorted by name in character-code order (`Z` before `a`; a name before its
 *   extensions, `a` before `ab`); the platform's Java demo sorts ignoring case, which differs only
 *   for names that differ in case, and the documentation wins;
 * - `name=value`, joined with `&`; values exactly as given, never URL-encoded (the request line
 *   carries them encoded, the signature does not);
 * - an empty value is the bare `name`, without `=` (the demo writes `name=`; the documentation
 *   wins again);
 * - a repeated name keeps its values in the order given; an `undefined` value is left out;
 * - no parameters: the empty string (so the resource is the bare path).
 *
 * Returns the text after `?`, or '' when nothing remains.
 */
export function canonicalQuery(query: QueryParams = {}): string {
  return Object.keys(query)
    .sort(byCharacterCode)
    .flatMap((name) => {
      const value = query[name];
      if (value === undefined) return [];
      const values = typeof value === 'string' ? [value] : value;
      return values.map((item) => (item === '' ? name : `${name}=${item}`));
    })
    .join('&');
}

/** Plain UTF-16 code unit order, spelled out: `localeCompare` would fold case. */
function byCharacterCode(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The path followed by its canonical query (`path?a=1&b=2`), or the bare path without one. */
export function signedResource(path: string, query: QueryParams = {}): string {
  const canonical = canonicalQuery(query);
  return canonical ? `${path}?${canonical}` : path;
}

export interface StringToSignParts {
  method: string;
  accept: string;
  contentMd5: string;
  contentType: string;
  /** The Date header; the gateway's clients leave it empty and rely on the timestamp header. */
  date?: string;
  /** Extra signed headers as `name:value` lines, in the order listed in the signature-headers header. */
  signedHeaders?: ReadonlyArray<readonly [string, string]>;
  path: string;
  query?: QueryParams;
}

export function stringToSign(parts: StringToSignParts): string {
  const headerLines = (parts.signedHeaders ?? []).map(([name, value]) => `${name}:${value}\n`).join('');
  return [
    parts.method.toUpperCase(),
    parts.accept,
    parts.contentMd5,
    parts.contentType,
    parts.date ?? '',
    `${headerLines}${signedResource(parts.path, parts.query)}`,
  ].join('\n');
}

export function signString(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text, 'utf8').digest('base64');
}
