import { Client, HTTPMessageHandler } from '@microsoft/microsoft-graph-client';
import { describe, expect, it } from 'vitest';

import { GraphClient, mailboxKeyOf, withImmutableIdPreference } from './client';
import { NOOP_LOGGER } from './config';

describe('mailboxKeyOf', () => {
  it.each<[string, string | null]>([
    ['/v1.0/users/ABC/messages', 'users/abc'],
    ['/v1.0/users/ana%40contoso.com/mailFolders/inbox/messages/delta', 'users/ana@contoso.com'],
    ['/v1.0/users/u1/calendarView/delta?startDateTime=x', 'users/u1'],
    ['/v1.0/users/u1/sendMail', 'users/u1'],
    ['/v1.0/users/u1/calendar', 'users/u1'],
    ['/v1.0/me/events', 'me'],
    // nextLinks and deltaLinks name folders with a key.
    ["/v1.0/users/u1/mailFolders('inbox')/messages/delta", 'users/u1'],
    ["/v1.0/me/mailFolders('sentitems')/messages/delta", 'me'],
    ["/v1.0/users('U1')/calendarView/delta?$deltatoken=x", 'users/u1'],
    ["/users('u1')/mailFolders('inbox')/messages/delta", 'users/u1'],
    ["/v1.0/users('u1')", null],
    ['/v1.0/users/u1', null],
    ['/v1.0/users/delta', null],
    ['/v1.0/users', null],
    ['/v1.0/me', null],
    ['/v1.0/$batch', null],
  ])('%s → %j', (path, expected) => {
    expect(mailboxKeyOf(path)).toBe(expected);
  });
});

describe('withImmutableIdPreference', () => {
  it('adds the preference on Outlook paths and keeps other preferences', () => {
    expect(
      withImmutableIdPreference('/v1.0/users/u1/events', { prefer: 'odata.maxpagesize=50' }),
    ).toEqual({
      Prefer: 'IdType="ImmutableId", odata.maxpagesize=50',
    });
    expect(withImmutableIdPreference('/users/u1/messages', undefined)).toEqual({
      Prefer: 'IdType="ImmutableId"',
    });
  });

  it('leaves directory paths alone', () => {
    expect(
      withImmutableIdPreference('/v1.0/users/delta', { Prefer: 'odata.maxpagesize=999' }),
    ).toEqual({
      Prefer: 'odata.maxpagesize=999',
    });
  });
});

describe('GraphClient.url', () => {
  const sdk = Client.initWithMiddleware({ middleware: new HTTPMessageHandler() });
  const client = new GraphClient(sdk, 'https://graph.example.test:8443/', NOOP_LOGGER);

  it('joins relative paths under /v1.0 with encoded query values', () => {
    expect(client.url('users/delta', { $select: 'id,mail', $top: 999 })).toBe(
      'https://graph.example.test:8443/v1.0/users/delta?$select=id%2Cmail&$top=999',
    );
  });

  it('returns absolute links on the Graph origin unchanged', () => {
    const link = 'https://graph.example.test:8443/v1.0/users/delta?$deltatoken=a%2Bb&x=1';
    expect(client.url(link)).toBe(link);
  });

  it('refuses to send a token to another origin', () => {
    expect(() => client.url('https://evil.example.test/v1.0/users')).toThrow(/Refusing/);
  });
});
