import { isRecord } from '../../http/types';
import { badRequest } from '../errors';

/** A single-value extended property as Graph shows it (`singleValueLegacyExtendedProperty`). */
export interface ExtendedProperty {
  id: string;
  value: string;
}

// "{type} {guid} Name {name}", "{type} {guid} Id 0x…" or "{type} 0x…" (a property tag).
const PROPERTY_ID =
  /^(\w+)\s+(?:\{([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}\s+(Name|Id)\s+(\S.*)|(0x[0-9a-f]{1,8}))$/i;
const QUOTED = String.raw`'((?:[^']|'')*)'`;

const unquote = (s: string): string => s.replace(/''/g, "'");

/**
 * The key two property ids compare by: the type, the GUID and the `Name`/`Id` keyword ignore
 * case; the name itself is case-sensitive (Microsoft: "Filtering the string name (Name) in the
 * id of an extended property is case-sensitive").
 */
export function propertyKey(id: string): string | undefined {
  const m = PROPERTY_ID.exec(id.trim());
  if (!m) return undefined;
  const type = (m[1] ?? '').toLowerCase();
  if (m[5]) return `${type} ${m[5].toLowerCase()}`;
  const kind = (m[3] ?? '').toLowerCase();
  const name = m[4] ?? '';
  return `${type} {${(m[2] ?? '').toLowerCase()}} ${kind} ${kind === 'id' ? name.toLowerCase() : name}`;
}

/** Merges `singleValueExtendedProperties` of a create or PATCH into the item's properties. */
export function mergeExtendedProperties(
  current: readonly ExtendedProperty[],
  input: unknown,
): ExtendedProperty[] {
  if (!Array.isArray(input))
    throw badRequest(
      "Invalid value for property 'singleValueExtendedProperties'.",
      'ErrorInvalidRequest',
    );
  const out = [...current];
  for (const p of input) {
    if (!isRecord(p) || typeof p.id !== 'string' || typeof p.value !== 'string')
      throw badRequest('An extended property needs a string id and value.', 'ErrorInvalidRequest');
    const key = propertyKey(p.id);
    if (!key)
      throw badRequest(`The extended property id '${p.id}' is not valid.`, 'ErrorInvalidProperty');
    const at = out.findIndex((q) => propertyKey(q.id) === key);
    const entry = { id: p.id.trim(), value: p.value };
    if (at >= 0) out[at] = entry;
    else out.push(entry);
  }
  return out;
}

/**
 * `$expand=singleValueExtendedProperties($filter=id eq '…' [or id eq '…'])`: the property keys
 * asked for, or undefined when the expand does not name extended properties.
 */
export function expandedPropertyKeys(expand: string | undefined): Set<string> | undefined {
  if (!expand || !/singleValueExtendedProperties/i.test(expand)) return undefined;
  const m = /^\s*singleValueExtendedProperties\s*\(\s*\$filter\s*=\s*(.+)\)\s*$/i.exec(expand);
  if (!m)
    throw badRequest(
      "Expanding 'singleValueExtendedProperties' needs a $filter on the property id.",
      'ErrorInvalidUrlQuery',
    );
  const keys = new Set<string>();
  for (const term of (m[1] ?? '').split(/\s+or\s+/i)) {
    const t = new RegExp(`^\\s*id\\s+eq\\s+${QUOTED}\\s*$`, 'i').exec(term);
    const key = t ? propertyKey(unquote(t[1] ?? '')) : undefined;
    if (!key)
      throw badRequest(
        `Invalid filter clause in $expand: '${term.trim()}'.`,
        'ErrorInvalidUrlQuery',
      );
    keys.add(key);
  }
  return keys;
}

/** The item's properties an expand asked for; undefined (the key is left out) when none match. */
export function expandedProperties(
  props: readonly ExtendedProperty[] | undefined,
  keys: Set<string>,
): ExtendedProperty[] | undefined {
  const hits = (props ?? []).filter((p) => keys.has(propertyKey(p.id) ?? ''));
  return hits.length ? hits.map((p) => ({ ...p })) : undefined;
}

/**
 * `$filter=singleValueExtendedProperties/Any(ep: ep/id eq '…' [and <value test>])` with the
 * value tests Microsoft lists for string properties: `eq`, `ne`, `contains`, `startswith`
 * (values compare case-insensitively). Undefined when the filter is about something else.
 */
export function extendedPropertyFilter(
  filter: string | undefined,
): ((props: readonly ExtendedProperty[] | undefined) => boolean) | undefined {
  if (!filter || !/^\s*singleValueExtendedProperties\s*\/\s*any\s*\(/i.test(filter))
    return undefined;
  const invalid = () =>
    badRequest(`Invalid filter clause: '${filter}'.`, 'ErrorInvalidUrlQueryFilter');
  const m = /^\s*singleValueExtendedProperties\s*\/\s*any\s*\(\s*(\w+)\s*:\s*(.+)\)\s*$/i.exec(
    filter,
  );
  if (!m) throw invalid();
  const v = m[1] ?? '';
  const body = m[2] ?? '';
  const idTest = new RegExp(`^${v}/id\\s+eq\\s+${QUOTED}(?:\\s+and\\s+(.+))?$`, 'i').exec(
    body.trim(),
  );
  const key = idTest ? propertyKey(unquote(idTest[1] ?? '')) : undefined;
  if (!idTest || !key) throw invalid();
  let valueTest: (value: string) => boolean = () => true;
  const rest = idTest[2]?.trim();
  if (rest) {
    const cmp = new RegExp(`^${v}/value\\s+(eq|ne)\\s+${QUOTED}$`, 'i').exec(rest);
    const fn = new RegExp(
      `^(contains|startswith)\\(\\s*${v}/value\\s*,\\s*${QUOTED}\\s*\\)$`,
      'i',
    ).exec(rest);
    if (cmp) {
      const want = unquote(cmp[2] ?? '').toLowerCase();
      const eq = (cmp[1] ?? '').toLowerCase() === 'eq';
      valueTest = (value) => (value.toLowerCase() === want) === eq;
    } else if (fn) {
      const want = unquote(fn[2] ?? '').toLowerCase();
      valueTest =
        (fn[1] ?? '').toLowerCase() === 'contains'
          ? (value) => value.toLowerCase().includes(want)
          : (value) => value.toLowerCase().startsWith(want);
    } else throw invalid();
  }
  return (props) => (props ?? []).some((p) => propertyKey(p.id) === key && valueTest(p.value));
}
