// A small OData $filter evaluator: enough of the grammar for the directory and mail filters
// clients actually send (eq/ne/gt/ge/lt/le, in, startswith/endswith, and/or/not, parentheses).

export type Predicate = (item: Record<string, unknown>) => boolean;

export interface ParsedFilter {
  predicate: Predicate;
  /** Directory "advanced query" features: need ConsistencyLevel: eventual and $count=true. */
  isAdvanced: boolean;
  /** Property names compared, in order of appearance. */
  properties: string[];
}

type Token = { kind: 'ident' | 'string' | 'literal' | 'punct'; value: string };

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input.charAt(i);
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= input.length) throw new Error('Unterminated string literal');
        const ch = input.charAt(i);
        if (ch === "'") {
          if (input.charAt(i + 1) === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += ch;
        i++;
      }
      tokens.push({ kind: 'string', value });
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: 'punct', value: c });
      i++;
      continue;
    }
    const m = /^[^\s(),']+/.exec(input.slice(i));
    if (!m) throw new Error(`Unexpected character ${c}`);
    const word = m[0];
    tokens.push({ kind: /^[A-Za-z_][\w./]*$/.test(word) ? 'ident' : 'literal', value: word });
    i += word.length;
  }
  return tokens;
}

function literalValue(t: Token): unknown {
  if (t.kind === 'string') return t.value;
  const v = t.value;
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (v === 'null') return null;
  if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return v; // DateTimeOffset literals are unquoted
}

function get(item: Record<string, unknown>, path: string): unknown {
  let cur: unknown = item;
  for (const p of path.split('/')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    const rec = cur as Record<string, unknown>;
    const key = Object.keys(rec).find((k) => k.toLowerCase() === p.toLowerCase());
    cur = key === undefined ? undefined : rec[key];
  }
  return cur;
}

function cmp(a: unknown, b: unknown): number {
  if (typeof a === 'string' && typeof b === 'string') {
    const da = Date.parse(a);
    const db = Date.parse(b);
    if (
      !Number.isNaN(da) &&
      !Number.isNaN(db) &&
      /\d{4}-\d{2}-\d{2}/.test(a) &&
      /\d{4}-\d{2}-\d{2}/.test(b)
    )
      return da - db;
    return a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0;
  }
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return a === b ? 0 : -1;
}

function eq(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  return a === b;
}

export function parseFilter(input: string): ParsedFilter {
  const tokens = tokenize(input);
  let pos = 0;
  let isAdvanced = false;
  const properties: string[] = [];
  const peek = (): Token | undefined => tokens[pos];
  const next = (): Token => {
    const t = tokens[pos++];
    if (!t) throw new Error('Unexpected end of filter');
    return t;
  };
  const expect = (v: string): void => {
    const t = next();
    if (t.value !== v) throw new Error(`Expected '${v}'`);
  };
  const parseOr = (): Predicate => {
    let left = parseAnd();
    while (peek()?.value.toLowerCase() === 'or') {
      next();
      const l = left;
      const r = parseAnd();
      left = (x) => l(x) || r(x);
    }
    return left;
  };
  const parseAnd = (): Predicate => {
    let left = parseUnary();
    while (peek()?.value.toLowerCase() === 'and') {
      next();
      const l = left;
      const r = parseUnary();
      left = (x) => l(x) && r(x);
    }
    return left;
  };
  const parseUnary = (): Predicate => {
    const t = next();
    if (t.kind === 'ident' && t.value.toLowerCase() === 'not') {
      isAdvanced = true;
      const inner = parseUnary();
      return (x) => !inner(x);
    }
    if (t.kind === 'punct' && t.value === '(') {
      const inner = parseOr();
      expect(')');
      return inner;
    }
    if (t.kind !== 'ident') throw new Error(`Unexpected token ${t.value}`);
    const fn = t.value.toLowerCase();
    if ((fn === 'startswith' || fn === 'endswith' || fn === 'contains') && peek()?.value === '(') {
      next();
      const prop = next().value;
      expect(',');
      const lit = literalValue(next());
      expect(')');
      properties.push(prop);
      if (fn !== 'startswith') isAdvanced = true;
      const needle = String(lit).toLowerCase();
      return (x) => {
        const v = get(x, prop);
        if (typeof v !== 'string') return false;
        const hay = v.toLowerCase();
        return fn === 'startswith'
          ? hay.startsWith(needle)
          : fn === 'endswith'
            ? hay.endsWith(needle)
            : hay.includes(needle);
      };
    }
    const prop = t.value;
    properties.push(prop);
    const op = next().value.toLowerCase();
    if (op === 'in') {
      expect('(');
      const values: unknown[] = [];
      for (;;) {
        values.push(literalValue(next()));
        const sep = next();
        if (sep.value === ')') break;
        if (sep.value !== ',') throw new Error("Expected ',' or ')'");
      }
      return (x) => values.some((v) => eq(get(x, prop), v));
    }
    const value = literalValue(next());
    switch (op) {
      case 'eq':
        return (x) => eq(get(x, prop), value);
      case 'ne':
        isAdvanced = true;
        return (x) => !eq(get(x, prop), value);
      case 'gt':
        return (x) => cmp(get(x, prop), value) > 0;
      case 'ge':
        return (x) => cmp(get(x, prop), value) >= 0;
      case 'lt':
        return (x) => cmp(get(x, prop), value) < 0;
      case 'le':
        return (x) => cmp(get(x, prop), value) <= 0;
      default:
        throw new Error(`Unsupported operator ${op}`);
    }
  };
  const predicate = parseOr();
  if (pos !== tokens.length) throw new Error('Unexpected trailing tokens');
  return { predicate, isAdvanced, properties };
}
