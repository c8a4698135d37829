import { createHash } from 'node:crypto';

// Everything generated from a seed goes through these helpers so that the same seed always
// yields the same tenant, whatever order the items are asked for in.

/** Hex SHA-256 of the joined parts. */
export function hashHex(...parts: (string | number)[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}

/** A deterministic GUID-shaped id (version 4 layout) derived from the parts. */
export function guidFrom(...parts: (string | number)[]): string {
  const h = hashHex(...parts);
  const variant = ((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A float in [0, 1) derived from the parts. */
export function unitFrom(...parts: (string | number)[]): number {
  return parseInt(hashHex(...parts).slice(0, 12), 16) / 2 ** 48;
}

/** An integer in [0, n) derived from the parts. */
export function intFrom(n: number, ...parts: (string | number)[]): number {
  return Math.floor(unitFrom(...parts) * n);
}

/** Picks one element of a non-empty list. */
export function pick<T>(list: readonly T[], ...parts: (string | number)[]): T {
  const item = list[intFrom(list.length, ...parts)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}
