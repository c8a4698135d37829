import { type DirectoryUser as DirectoryUserContract } from '@rox365/contracts';
import { type GraphUser } from '@rox365/graph-client';

import { type DirectoryUserRow } from './directory.repository';
import { type DirectoryUserFields } from './entities/directory-user.entity';

/**
 * The properties a Graph user entry carries. Delta entries may leave out properties that did not
 * change (`Prefer: return=minimal`, replays), so absent ones stay absent rather than becoming null.
 */
export function graphUserToPatch(user: GraphUser): Partial<DirectoryUserFields> {
  const patch: Partial<DirectoryUserFields> = {};
  if (user.userPrincipalName != null) patch.userPrincipalName = user.userPrincipalName;
  if (user.mail !== undefined) patch.mail = user.mail;
  if (user.proxyAddresses !== undefined) patch.proxyAddresses = [...user.proxyAddresses];
  if (user.displayName !== undefined) patch.displayName = user.displayName;
  if (user.accountEnabled !== undefined) patch.accountEnabled = user.accountEnabled;
  if (user.userType !== undefined) patch.userType = user.userType;
  return patch;
}

/** A patch over what was stored before (or over empty values for a new user). */
export function completeFields(
  patch: Partial<DirectoryUserFields>,
  previous: DirectoryUserFields | null,
): DirectoryUserFields {
  return {
    userPrincipalName: patch.userPrincipalName ?? previous?.userPrincipalName ?? '',
    mail: patch.mail !== undefined ? patch.mail : (previous?.mail ?? null),
    proxyAddresses: patch.proxyAddresses ?? previous?.proxyAddresses ?? [],
    displayName:
      patch.displayName !== undefined ? patch.displayName : (previous?.displayName ?? null),
    accountEnabled:
      patch.accountEnabled !== undefined
        ? patch.accountEnabled
        : (previous?.accountEnabled ?? null),
    userType: patch.userType !== undefined ? patch.userType : (previous?.userType ?? null),
  };
}

export function toDirectoryUserContract(user: DirectoryUserRow): DirectoryUserContract {
  return {
    id: user.id,
    userPrincipalName: user.userPrincipalName,
    mail: user.mail,
    proxyAddresses: [...user.proxyAddresses],
    displayName: user.displayName,
    accountEnabled: user.accountEnabled,
    userType: user.userType,
    mailboxState: user.mailboxState,
    mappedRoxUserId: user.mappedRoxUserId,
  };
}
