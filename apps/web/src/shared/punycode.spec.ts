import { describe, expect, it } from 'vitest';

import { toAsciiDomain, toUnicodeDomain } from './punycode';

describe('toUnicodeDomain', () => {
  it.each([
    ['xn--bcher-kva.example', 'bücher.example'],
    ['xn--mnchen-3ya.de', 'münchen.de'],
    ['mail.xn--fiqs8s', 'mail.中国'],
    ['xn--80akhbyknj4f.xn--p1ai', 'испытание.рф'],
    ['lawfirm.example', 'lawfirm.example'],
    ['xn--!!.example', 'xn--!!.example'],
  ])('%s → %s', (ascii, unicode) => {
    expect(toUnicodeDomain(ascii)).toBe(unicode);
  });

  it('round-trips with the ASCII form', () => {
    expect(toUnicodeDomain(toAsciiDomain('Bücher.Example') ?? '')).toBe('bücher.example');
  });
});
