import { describe, expect, it } from 'vitest';

import {
  accessPolicyScript,
  accessPolicyScriptFrame,
  quotePowerShell,
  type AccessPolicyScriptInput,
} from './access-policy-script';

const APP_ID = '929e5802-e473-45d3-b032-44977407583c';

function buildInput(overrides: Partial<AccessPolicyScriptInput> = {}): AccessPolicyScriptInput {
  return {
    appId: APP_ID,
    groupName: 'Rox Mailboxes',
    groupSmtp: 'rox-mailboxes@contoso.com',
    members: ['ana@contoso.com', 'bo@contoso.com'],
    ...overrides,
  };
}

function commands(script: string): string[] {
  return script.split('\n').filter((line) => line.length > 0 && !line.startsWith('#'));
}

describe('accessPolicyScript', () => {
  it('connects, creates the group, adds members, creates the policy, tests a member and an outsider', () => {
    expect(
      commands(
        accessPolicyScript(
          buildInput({ adminUpn: 'admin@contoso.com', outsider: 'cy@contoso.com' }),
        ),
      ),
    ).toEqual([
      "Connect-ExchangeOnline -UserPrincipalName 'admin@contoso.com'",
      "New-DistributionGroup -Name 'Rox Mailboxes' -Type Security -PrimarySmtpAddress 'rox-mailboxes@contoso.com'",
      "Add-DistributionGroupMember -Identity 'rox-mailboxes@contoso.com' -Member 'ana@contoso.com'",
      "Add-DistributionGroupMember -Identity 'rox-mailboxes@contoso.com' -Member 'bo@contoso.com'",
      `New-ApplicationAccessPolicy -AppId '${APP_ID}' -PolicyScopeGroupId 'rox-mailboxes@contoso.com' -AccessRight RestrictAccess -Description 'Limit Microsoft Graph mail and calendar access of Rox to specific users'`,
      `Test-ApplicationAccessPolicy -Identity 'ana@contoso.com' -AppId '${APP_ID}'`,
      `Test-ApplicationAccessPolicy -Identity 'cy@contoso.com' -AppId '${APP_ID}'`,
    ]);
  });

  it('says the member must be Granted and the outsider Denied', () => {
    const script = accessPolicyScript(buildInput({ outsider: 'cy@contoso.com' }));
    expect(script).toContain('must be Granted for a member of the group');
    expect(script).toContain('and Denied for someone outside it');
    expect(script.trimEnd().split('\n').slice(-2)).toEqual([
      `Test-ApplicationAccessPolicy -Identity 'ana@contoso.com' -AppId '${APP_ID}'`,
      `Test-ApplicationAccessPolicy -Identity 'cy@contoso.com' -AppId '${APP_ID}'`,
    ]);
  });

  it('leaves a commented outsider test to fill in when no outsider is known', () => {
    const script = accessPolicyScript(buildInput());
    expect(script).toContain(
      `# Test-ApplicationAccessPolicy -Identity '<someone-outside-the-group>' -AppId '${APP_ID}'`,
    );
    expect(commands(script).filter((c) => c.startsWith('Test-'))).toHaveLength(1);
  });

  it('lists flagged people as comments with the reason and never adds them', () => {
    const script = accessPolicyScript(
      buildInput({
        flagged: [
          { address: 'dee@contoso.com', reason: 'no Exchange Online mailbox' },
          { address: 'eve@contoso.com', reason: 'blocked\nby another policy' },
        ],
      }),
    );
    expect(script).toContain('#    dee@contoso.com: no Exchange Online mailbox');
    expect(script).toContain('#    eve@contoso.com: blocked by another policy');
    expect(script).not.toContain("-Member 'dee@contoso.com'");
  });

  it('uses DenyAccess when asked and says the test should report Denied', () => {
    const script = accessPolicyScript(buildInput({ accessRight: 'DenyAccess' }));

    expect(script).toContain('-AccessRight DenyAccess');
    expect(script).toContain('must be Denied for a member of the group');
    expect(commands(script)[0]).toBe('Connect-ExchangeOnline');
  });

  it('deduplicates and trims members', () => {
    const script = accessPolicyScript(
      buildInput({ members: [' ana@contoso.com', 'ana@contoso.com', ''] }),
    );

    expect(script.match(/Add-DistributionGroupMember/g)).toHaveLength(1);
  });

  it('keeps a value with quotes inside its string literal', () => {
    const script = accessPolicyScript(
      buildInput({ groupName: "O'Brien's group'; Remove-Mailbox x; '" }),
    );

    expect(script).toContain("-Name 'O''Brien''s group''; Remove-Mailbox x; ''' -Type Security");
  });

  it.each([
    ['ASCII quote', "a'b", "'a''b'"],
    ['left typographic quote', 'a\u2018b', "'a\u2018\u2018b'"],
    ['right typographic quote', 'a\u2019b', "'a\u2019\u2019b'"],
    ['dollar and backtick stay literal', 'a$(x)`b', "'a$(x)`b'"],
  ])('quotes %s', (_name, value, expected) => {
    expect(quotePowerShell(value)).toBe(expected);
  });

  it.each([
    ['a line break', { members: ['ana@contoso.com\nRemove-Mailbox x'] }],
    ['a carriage return', { groupSmtp: 'g@contoso.com\r' }],
    ['a bad app id', { appId: 'not-a-guid' }],
    ['no members', { members: [] }],
    ['an empty group name', { groupName: '  ' }],
  ])('refuses %s', (_name, overrides: Partial<AccessPolicyScriptInput>) => {
    expect(() => accessPolicyScript(buildInput(overrides))).toThrow(RangeError);
  });
});

describe('accessPolicyScriptFrame', () => {
  it('writes, part by part, exactly the script accessPolicyScript returns', () => {
    const flagged = [{ address: 'dee@contoso.com', reason: 'no Exchange Online mailbox' }];
    const frame = accessPolicyScriptFrame(buildInput());
    const streamed = [
      frame.head,
      frame.memberLine('ana@contoso.com') + frame.memberLine('bo@contoso.com'),
      frame.flaggedHead,
      frame.flaggedLine(flagged[0] as (typeof flagged)[number]),
      frame.tail('ana@contoso.com', 'cy@contoso.com'),
    ].join('');
    expect(streamed).toBe(accessPolicyScript(buildInput({ flagged, outsider: 'cy@contoso.com' })));
    expect(frame.tail('ana@contoso.com')).toContain('<someone-outside-the-group>');
  });

  it('checks the app id and the group before any member is read', () => {
    expect(() => accessPolicyScriptFrame({ ...buildInput(), appId: 'nope' })).toThrow(RangeError);
    expect(() => accessPolicyScriptFrame({ ...buildInput(), groupSmtp: ' ' })).toThrow(RangeError);
  });
});
