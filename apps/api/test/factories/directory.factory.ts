import { type DirectoryUserFields } from '../../src/directory/entities/directory-user.entity';

/** What a users delta reports for one user (Pat at Contoso unless told otherwise). */
export function buildDirectoryUserFields(
  over: Partial<DirectoryUserFields> = {},
): DirectoryUserFields {
  return {
    userPrincipalName: 'pat@contoso.com',
    mail: 'pat@contoso.com',
    proxyAddresses: ['SMTP:pat@contoso.com', 'smtp:Pat.Alias@Contoso.com'],
    displayName: 'Pat',
    accountEnabled: true,
    userType: 'Member',
    ...over,
  };
}
