// RFC 3492 decoding, enough to show an internationalised domain the way people type it. The
// API stores domains in their ASCII (punycode) form; browsers have no decoder to call.
const BASE = 36;
const T_MIN = 1;
const T_MAX = 26;
const SKEW = 38;
const DAMP = 700;
const INITIAL_BIAS = 72;
const INITIAL_N = 128;

function adapt(delta: number, points: number, isFirst: boolean): number {
  let d = isFirst ? Math.floor(delta / DAMP) : delta >> 1;
  d += Math.floor(d / points);
  let k = 0;
  while (d > ((BASE - T_MIN) * T_MAX) >> 1) {
    d = Math.floor(d / (BASE - T_MIN));
    k += BASE;
  }
  return k + Math.floor(((BASE - T_MIN + 1) * d) / (d + SKEW));
}

function digit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 22; // 0-9 → 26-35
  if (code >= 0x41 && code <= 0x5a) return code - 0x41; // A-Z
  if (code >= 0x61 && code <= 0x7a) return code - 0x61; // a-z
  return BASE;
}

/** Decodes one punycode label (without `xn--`); null when it is not valid punycode. */
function decodeLabel(input: string): string | null {
  const output: number[] = [];
  const basicEnd = input.lastIndexOf('-');
  for (let j = 0; j < Math.max(basicEnd, 0); j += 1) output.push(input.charCodeAt(j));
  let n = INITIAL_N;
  let bias = INITIAL_BIAS;
  let i = 0;
  for (let index = basicEnd > 0 ? basicEnd + 1 : 0; index < input.length;) {
    const oldI = i;
    let w = 1;
    for (let k = BASE; ; k += BASE) {
      if (index >= input.length) return null;
      const value = digit(input.charCodeAt(index));
      index += 1;
      if (value >= BASE) return null;
      i += value * w;
      const t = k <= bias ? T_MIN : k >= bias + T_MAX ? T_MAX : k - bias;
      if (value < t) break;
      w *= BASE - t;
    }
    const points = output.length + 1;
    bias = adapt(i - oldI, points, oldI === 0);
    n += Math.floor(i / points);
    i %= points;
    if (n > 0x10ffff) return null;
    output.splice(i, 0, n);
    i += 1;
  }
  return String.fromCodePoint(...output);
}

/** `xn--bcher-kva.example` → `bücher.example`; other domains come back unchanged. */
export function toUnicodeDomain(domain: string): string {
  return domain
    .split('.')
    .map((label) =>
      label.toLowerCase().startsWith('xn--') ? (decodeLabel(label.slice(4)) ?? label) : label,
    )
    .join('.');
}

/** The ASCII form the API will store, as browsers compute it for URLs; null when not a host. */
export function toAsciiDomain(domain: string): string | null {
  try {
    return new URL(`http://${domain.trim()}`).hostname;
  } catch {
    return null;
  }
}
