import { describe, expect, it } from 'vitest';

import { type GraphMessage } from '@rox365/graph-client';

import { withBothDomainForms } from '../mailboxes/participant-restrictions';
import { normalizeMailAddress, participantsOf, restrictionOf } from './mail-restrictions';

// Domains as the settings store them (an internationalised one in its ASCII form), in both
// spellings as RestrictionPolicy hands them out.
const rules = withBothDomainForms({
  domains: ['restricted.com', 'xn--bcher-kva.example'],
  addresses: new Set(['rita@contoso.com', 'ines@xn--bcher-kva.example']),
});
const at = (address: string) => ({ emailAddress: { address } });
const message = (over: Partial<GraphMessage>): GraphMessage => ({
  id: 'm',
  from: at('ann@fabrikam.com'),
  toRecipients: [at('bob@contoso.com')],
  ...over,
});

describe('restricted mail', () => {
  it.each<[string, Partial<GraphMessage>]>([
    ['from', { from: at('x@restricted.com') }],
    ['sender', { sender: at('x@restricted.com') }],
    ['replyTo', { replyTo: [at('x@restricted.com')] }],
    ['to', { toRecipients: [at('x@restricted.com')] }],
    ['cc', { ccRecipients: [at('x@restricted.com')] }],
    ['bcc only (a Sent Items copy)', { bccRecipients: [at('x@restricted.com')] }],
    ['a subdomain, any case', { ccRecipients: [at('Bob@Sub.Restricted.COM')] }],
    ['a quoted local part', { toRecipients: [at('"a@b"@restricted.com')] }],
    ['a restricted user', { ccRecipients: [at(' Rita@Contoso.com ')] }],
    ['an internationalised domain written in Unicode', { from: at('Info@Bücher.Example') }],
    ['its subdomain in Unicode', { toRecipients: [at('info@shop.BÜCHER.example')] }],
    ['an internationalised domain in ASCII', { ccRecipients: [at('info@xn--bcher-kva.example')] }],
    ['a restricted user written in Unicode', { toRecipients: [at('Ines@Bücher.example')] }],
    ['a decomposed accent', { from: at('info@bu\u0308cher.example') }],
    ['full-width letters', { from: at('x@ｒｅｓｔｒｉｃｔｅｄ.com') }],
    ['an ideographic full stop', { from: at('x@restricted。com') }],
  ])('is excluded when a restricted participant is in %s', (_, over) => {
    expect(restrictionOf(message(over), rules)).not.toBeNull();
  });

  it.each<[string, Partial<GraphMessage>]>([
    ['an unrelated domain', {}],
    [
      'a domain that only ends with the same letters',
      { toRecipients: [at('x@notrestricted.com')] },
    ],
    ['the domain in a local part', { toRecipients: [at('restricted.com@example.org')] }],
  ])('is kept for %s', (_, over) => {
    expect(restrictionOf(message(over), rules)).toBeNull();
  });

  it('normalises and collects every participant once', () => {
    expect(normalizeMailAddress(' <Ann@Fabrikam.COM> ')).toBe('ann@fabrikam.com');
    expect(normalizeMailAddress('no-at-sign')).toBeNull();
    // Stored as written, lower-cased.
    expect(normalizeMailAddress('Ünal@Bücher.Example')).toBe('ünal@bücher.example');
    expect(
      participantsOf(
        message({ sender: at('ANN@fabrikam.com'), ccRecipients: [at('bob@contoso.com')] }),
      ),
    ).toEqual(['ann@fabrikam.com', 'bob@contoso.com']);
  });
});
