import type { EmuRequest } from '../http/types';
import { badRequest } from './errors';

/** Preferences from one or more Prefer headers (comma-joined). */
export interface Preferences {
  maxPageSize?: number;
  timeZone?: string;
  immutableIds: boolean;
  bodyContentType?: 'text' | 'html';
  returnMinimal: boolean;
}

export function parsePrefer(req: EmuRequest): Preferences {
  const raw = req.headers.prefer ?? '';
  const prefs: Preferences = { immutableIds: false, returnMinimal: false };
  for (const part of raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    const value =
      eq < 0
        ? ''
        : part
            .slice(eq + 1)
            .trim()
            .replace(/^"|"$/g, '');
    if (key === 'odata.maxpagesize') {
      const n = Number(value);
      if (Number.isInteger(n) && n > 0) prefs.maxPageSize = n;
    } else if (key === 'outlook.timezone') prefs.timeZone = value;
    else if (key === 'idtype') prefs.immutableIds = value.toLowerCase() === 'immutableid';
    else if (key === 'outlook.body-content-type')
      prefs.bodyContentType = value.toLowerCase() === 'text' ? 'text' : 'html';
    else if (key === 'return' && value === 'minimal') prefs.returnMinimal = true;
  }
  return prefs;
}

/** Applied preferences are echoed in Preference-Applied like Graph does. */
export function preferenceApplied(prefs: Preferences): Record<string, string> {
  const applied: string[] = [];
  if (prefs.maxPageSize) applied.push(`odata.maxpagesize=${prefs.maxPageSize}`);
  if (prefs.timeZone) applied.push(`outlook.timezone="${prefs.timeZone}"`);
  if (prefs.immutableIds) applied.push('IdType="ImmutableId"');
  return applied.length ? { 'preference-applied': applied.join(', ') } : {};
}

/** Reads an OData system query option by name, case-insensitively, with or without "$". */
export function option(req: EmuRequest, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of req.query) {
    const key = k.toLowerCase();
    if (key === `$${lower}` || key === lower) return v;
  }
  return undefined;
}

export function parseSelect(req: EmuRequest): string[] | undefined {
  const raw = option(req, 'select');
  if (raw === undefined) return undefined;
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

// Exchange and the directory bound $top differently and word the error differently.
const TOP_RULES = {
  outlook: {
    max: 1000,
    code: 'ErrorInvalidParameter',
    message: (v: string) => `The value '${v}' of parameter '$top' is invalid.`,
  },
  directory: {
    max: 999,
    code: 'Request_UnsupportedQuery',
    message: (v: string) =>
      `Invalid page size specified: '${v}'. Must be between 1 and 999 inclusive.`,
  },
};

export function parseTop(req: EmuRequest, service: keyof typeof TOP_RULES): number | undefined {
  const raw = option(req, 'top');
  if (raw === undefined) return undefined;
  const { max, code, message } = TOP_RULES[service];
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw badRequest(message(raw), code);
  return n;
}

/** Picks properties of an object in a given order; odata annotations are always kept. */
export function project(
  obj: Record<string, unknown>,
  select: string[] | undefined,
): Record<string, unknown> {
  if (!select) return obj;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (k.startsWith('@odata.')) out[k] = v;
  const lowerMap = new Map(Object.keys(obj).map((k) => [k.toLowerCase(), k]));
  for (const s of select) {
    const key = lowerMap.get(s.toLowerCase());
    if (key !== undefined) out[key] = obj[key];
  }
  if ('id' in obj) out.id = obj.id;
  return out;
}
