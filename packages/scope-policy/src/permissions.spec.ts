import { describe, expect, it } from 'vitest';

import {
  APPLICATION_PERMISSIONS,
  applicationPermission,
  coveredBy,
  covers,
  DELEGATED_PERMISSIONS,
  delegatedPermission,
  isApplicationPermission,
  type ApplicationPermission,
} from './permissions';

describe('permission catalog', () => {
  it('uses the real name Mail.ReadBasic.All, not the misspelled Mail.BasicRead.All', () => {
    expect(isApplicationPermission('Mail.ReadBasic.All')).toBe(true);
    expect(isApplicationPermission('Mail.BasicRead.All')).toBe(false);
    expect(applicationPermission('Mail.ReadBasic.All').id).toBe(
      '693c5e45-0940-467d-9b8a-1022fb9d42ef',
    );
  });

  it.each<[ApplicationPermission, string]>([
    ['User.Read.All', 'df021288-bdef-4463-88db-98f22de89214'],
    ['Directory.Read.All', '7ab1d382-f21e-4acd-a863-ba3e13f7da61'],
    ['Mail.Read', '810c84a8-4a9e-49e6-bf7d-12d183f40d01'],
    ['Mail.ReadWrite', 'e2a3a72e-5f79-4c64-b1b1-878b674786c9'],
    ['Mail.Send', 'b633e1c5-b582-4048-a93e-9f11b44c7e96'],
    ['Calendars.Read', '798ee544-9d2d-430c-a058-570e29e34338'],
    ['Calendars.ReadWrite', 'ef54d2bf-783f-4e0f-bca1-3210c0444d99'],
    ['MailboxSettings.Read', '40f97065-369a-49f4-947c-6a255697ae91'],
    ['MailboxSettings.ReadWrite', '6931bccd-447a-43d1-b442-00a195474933'],
  ])('application permission %s has id %s and needs admin consent', (name, id) => {
    const info = applicationPermission(name);
    expect(info.id).toBe(id);
    expect(info.type).toBe('application');
    expect(info.isAdminConsentRequired).toBe(true);
  });

  it('has unique ids per permission type', () => {
    const ids = [...APPLICATION_PERMISSIONS, ...DELEGATED_PERMISSIONS].map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keeps delegated ids distinct from application ids of the same name', () => {
    expect(delegatedPermission('Mail.Read').id).toBe('570282fd-fa5c-430d-a7fd-fc8dc98a9dca');
    expect(delegatedPermission('Calendars.ReadWrite').displayName).toBe(
      'Have full access to user calendars',
    );
    expect(delegatedPermission('offline_access').isAdminConsentRequired).toBe(false);
    expect(delegatedPermission('MailboxSettings.Read').id).toBe(
      '87f447af-9fa4-4c32-9dfa-4a57a73d18ce',
    );
    expect(delegatedPermission('MailboxSettings.Read').isAdminConsentRequired).toBe(false);
  });
});

describe('coverage hierarchy', () => {
  it.each<[ApplicationPermission, ApplicationPermission, boolean]>([
    ['Mail.ReadWrite', 'Mail.Read', true],
    ['Mail.ReadWrite', 'Mail.ReadBasic.All', true],
    ['Mail.Read', 'Mail.ReadBasic.All', true],
    ['Mail.ReadBasic.All', 'Mail.Read', false],
    ['Mail.ReadBasic', 'Mail.ReadBasic.All', true],
    ['Mail.ReadBasic.All', 'Mail.ReadBasic', true],
    ['Mail.ReadWrite', 'Mail.Send', false],
    ['Mail.Send', 'Mail.Read', false],
    ['Calendars.ReadWrite', 'Calendars.Read', true],
    ['Calendars.Read', 'Calendars.ReadWrite', false],
    ['Directory.Read.All', 'User.Read.All', true],
    ['User.Read.All', 'Directory.Read.All', false],
    ['Mail.Read', 'Mail.Read', true],
    ['MailboxSettings.ReadWrite', 'MailboxSettings.Read', true],
    ['MailboxSettings.Read', 'MailboxSettings.ReadWrite', false],
    ['Calendars.ReadWrite', 'MailboxSettings.Read', false],
  ])('%s covers %s: %s', (granted, needed, expected) => {
    expect(covers(granted, needed)).toBe(expected);
  });

  it('closes transitively', () => {
    expect([...coveredBy('Mail.ReadWrite')].sort()).toEqual(
      ['Mail.Read', 'Mail.ReadBasic', 'Mail.ReadBasic.All', 'Mail.ReadWrite'].sort(),
    );
  });
});
