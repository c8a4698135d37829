import { z } from 'zod';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ASCII_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export function isTenantGuid(value: string): boolean {
  return GUID.test(value);
}

/**
 * Lower-cases a domain and turns an internationalised one into its ASCII (punycode) form, so
 * `Bücher.Example` and `xn--bcher-kva.example` are the same domain. Null when not a domain.
 */
export function normalizeDomain(input: string): string | null {
  const trimmed = input.trim().replace(/\.$/, '');
  if (!trimmed || /[\s/@:?#[\]\\]/.test(trimmed)) return null;
  let ascii: string;
  try {
    ascii = new URL(`http://${trimmed}`).hostname.toLowerCase();
  } catch {
    return null;
  }
  const labels = ascii.split('.');
  if (labels.length < 2 || ascii.length > 253) return null;
  if (!labels.every((label) => ASCII_LABEL.test(label))) return null;
  if (/^\d+$/.test(labels[labels.length - 1] ?? '')) return null; // an IP address, not a domain
  return ascii;
}

/** A domain that is normalised on the way in. */
export const DomainSchema = z.string().transform((value, ctx) => {
  const domain = normalizeDomain(value);
  if (!domain) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a valid domain name` });
    return z.NEVER;
  }
  return domain;
});

/** A Microsoft Entra tenant: its GUID, or one of its verified domains. */
export const TenantInputSchema = z
  .string()
  .trim()
  .min(1, 'enter the tenant ID or a verified domain')
  .transform((value, ctx) => {
    if (isTenantGuid(value)) return value.toLowerCase();
    const domain = normalizeDomain(value);
    if (!domain) {
      ctx.addIssue({
        code: 'custom',
        message: `"${value}" is neither a tenant ID (GUID) nor a domain such as contoso.onmicrosoft.com`,
      });
      return z.NEVER;
    }
    return domain;
  });

export const NormalizedEmailSchema = z
  .string()
  .trim()
  .pipe(z.email('must be an email address'))
  .transform((value) => value.toLowerCase());

/** A list that refuses duplicates after normalisation, naming them. */
/**
 * A list of at most `max` items, each once: a repeat is a field error at its position naming the
 * first. `key` says when two items are the same (the item itself by default).
 */
export function uniqueList<T extends z.ZodType<string, unknown>>(
  item: T,
  max: number,
  options: { key?: (value: string) => string; maxMessage?: string } = {},
) {
  const keyOf = options.key ?? ((value: string) => value);
  return z
    .array(item)
    .max(max, options.maxMessage)
    .superRefine((values, ctx) => {
      const seen = new Map<string, number>();
      values.forEach((value, index) => {
        const key = keyOf(value);
        const first = seen.get(key);
        if (first !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [index],
            message: `"${value}" is listed twice (also at position ${first + 1})`,
          });
        } else {
          seen.set(key, index);
        }
      });
    });
}
