/** Input of {@link accessPolicyScript}. */
export interface AccessPolicyScriptInput {
  /** The app's client id (a GUID). */
  readonly appId: string;
  /** Display name of the mail-enabled security group to create. */
  readonly groupName: string;
  /** Primary SMTP address of that group; the policy and the tests refer to it. */
  readonly groupSmtp: string;
  /** Mailboxes (email addresses) to put in the group. */
  readonly members: readonly string[];
  /**
   * `RestrictAccess` (default): the app reaches only the group's mailboxes.
   * `DenyAccess`: the app reaches every mailbox except the group's.
   */
  readonly accessRight?: 'RestrictAccess' | 'DenyAccess';
  /** Admin account for Connect-ExchangeOnline; omitted, the cmdlet prompts for one. */
  readonly adminUpn?: string;
  /** Description stored on the policy. */
  readonly description?: string;
  /**
   * People in scope who cannot work through the policy (no mailbox, blocked by another policy):
   * listed as comments with the reason, never added.
   */
  readonly flagged?: readonly { readonly address: string; readonly reason: string }[];
  /**
   * A mailbox outside the group, for the second verification line. Omitted, the script leaves a
   * commented line for the admin to fill in.
   */
  readonly outsider?: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// PowerShell treats the typographic single quotes as quote characters too.
const SINGLE_QUOTES = /['\u2018\u2019\u201a\u201b]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f\u0085\u2028\u2029]/;

/**
 * Quotes a value as a PowerShell verbatim (single-quoted) string: no variable expansion or
 * escapes happen inside, and each quote character is doubled so it cannot end the string.
 * Control characters and line breaks are refused.
 */
export function quotePowerShell(value: string): string {
  if (CONTROL_CHARACTERS.test(value)) {
    throw new RangeError('PowerShell values must not contain control characters or line breaks');
  }
  return `'${value.replace(SINGLE_QUOTES, (q) => q + q)}'`;
}

/** What the script says around its member lines: everything but the lists. */
export type AccessPolicyScriptFrameInput = Omit<
  AccessPolicyScriptInput,
  'members' | 'flagged' | 'outsider'
>;

/**
 * The script in parts, so a caller can write it out while reading members in batches (a group
 * of any size, never held in memory): `head`, one `memberLine` per member, `flaggedHead` and one
 * `flaggedLine` per flagged person (only when there are some), then `tail`. The caller passes
 * each address once. {@link accessPolicyScript} is these parts joined.
 */
export interface AccessPolicyScriptFrame {
  readonly head: string;
  memberLine(address: string): string;
  readonly flaggedHead: string;
  flaggedLine(flagged: { readonly address: string; readonly reason: string }): string;
  tail(firstMember: string, outsider?: string): string;
}

export function accessPolicyScriptFrame(
  input: AccessPolicyScriptFrameInput,
): AccessPolicyScriptFrame {
  if (!GUID.test(input.appId))
    throw new RangeError('appId must be the application (client) id GUID');
  for (const value of [input.groupName, input.groupSmtp]) {
    if (value.trim().length === 0)
      throw new RangeError('groupName and groupSmtp must not be empty');
  }
  const accessRight = input.accessRight ?? 'RestrictAccess';
  const appId = quotePowerShell(input.appId);
  const group = quotePowerShell(input.groupSmtp);
  const description = quotePowerShell(
    input.description ?? 'Limit Microsoft Graph mail and calendar access of Rox to specific users',
  );
  // RestrictAccess: members are Granted and everyone else Denied; DenyAccess the other way round.
  const memberResult = accessRight === 'RestrictAccess' ? 'Granted' : 'Denied';
  const outsiderResult = accessRight === 'RestrictAccess' ? 'Denied' : 'Granted';
  const testLine = (identity: string) =>
    `Test-ApplicationAccessPolicy -Identity ${quotePowerShell(identity)} -AppId ${appId}`;
  const lines = (...text: string[]) => text.map((line) => `${line}\n`).join('');
  return {
    head: lines(
      '# 1. Connect to Exchange Online (needs the ExchangeOnlineManagement module).',
      input.adminUpn === undefined
        ? 'Connect-ExchangeOnline'
        : `Connect-ExchangeOnline -UserPrincipalName ${quotePowerShell(input.adminUpn)}`,
      '',
      '# 2. Create the mail-enabled security group.',
      `New-DistributionGroup -Name ${quotePowerShell(input.groupName)} -Type Security -PrimarySmtpAddress ${group}`,
      '',
      '# 3. Add the members.',
    ),
    memberLine: (address) =>
      lines(`Add-DistributionGroupMember -Identity ${group} -Member ${quotePowerShell(address)}`),
    flaggedHead: lines('#    Not added, because Rox could not work for them through this policy:'),
    flaggedLine: (f) => lines(`#    ${oneLine(f.address)}: ${oneLine(f.reason)}`),
    tail: (firstMember, outsider) =>
      lines(
        '',
        `# 4. Link the app to the group (${accessRight}).`,
        `New-ApplicationAccessPolicy -AppId ${appId} -PolicyScopeGroupId ${group} -AccessRight ${accessRight} -Description ${description}`,
        '',
        `# 5. Verify: AccessCheckResult must be ${memberResult} for a member of the group`,
        `#    and ${outsiderResult} for someone outside it.`,
        '#    Graph can take over an hour to apply a new policy even when this test already shows it.',
        testLine(firstMember),
        outsider === undefined
          ? `# Replace <someone-outside-the-group> with a mailbox that is not in the group, then run:\n# ${testLine('<someone-outside-the-group>')}`
          : testLine(outsider),
      ),
  };
}

/**
 * The Exchange Online PowerShell an admin runs to scope the app's mail and calendar access to a
 * mail-enabled security group (Exchange ApplicationAccessPolicy): connect, create the group, add
 * each member (and list, without adding, the ones who cannot work), create the policy for the
 * app, then test it once for a member and once for someone outside the group.
 */
export function accessPolicyScript(input: AccessPolicyScriptInput): string {
  const frame = accessPolicyScriptFrame(input);
  const members = [...new Set(input.members.map((m) => m.trim()).filter((m) => m.length > 0))];
  if (members.length === 0) throw new RangeError('At least one member is required');
  const memberSet = new Set(members);
  const flagged = (input.flagged ?? []).filter((f) => !memberSet.has(f.address.trim()));
  return [
    frame.head,
    ...members.map((m) => frame.memberLine(m)),
    ...(flagged.length > 0 ? [frame.flaggedHead, ...flagged.map((f) => frame.flaggedLine(f))] : []),
    frame.tail(members[0] as string, input.outsider),
  ].join('');
}

// Comments must stay on one line, whatever a display name or reason contains.
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]+/g, ' ');
}
