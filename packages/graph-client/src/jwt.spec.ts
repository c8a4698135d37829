import { describe, expect, it } from 'vitest';

import { decodeJwtPayload, rolesOf } from './jwt';

function buildToken(payload: object): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(payload)}.sig`;
}

describe('jwt', () => {
  it('reads the roles claim', () => {
    expect(rolesOf(buildToken({ roles: ['Mail.Read', 'User.Read.All'], tid: 't' }))).toEqual([
      'Mail.Read',
      'User.Read.All',
    ]);
  });

  it('returns no roles for a token without the claim (partial consent)', () => {
    expect(rolesOf(buildToken({ tid: 't' }))).toEqual([]);
  });

  it('decodes base64url payloads with characters outside base64', () => {
    expect(decodeJwtPayload(buildToken({ name: 'Zoë ~?>' })).name).toBe('Zoë ~?>');
  });

  it('rejects a value that is not a JWT', () => {
    expect(() => decodeJwtPayload('nope')).toThrow(TypeError);
  });
});
