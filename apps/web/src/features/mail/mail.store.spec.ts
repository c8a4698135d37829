import { describe, expect, it } from 'vitest';

import { buildMailStatus } from '../../test/factories';
import { problem } from '../../test/local-api';
import { storeSuite } from '../../test/suite';
import { useMailStore } from './mail.store';

describe('mail store', () => {
  const api = storeSuite();

  it('loads the member’s own status and a member’s status for the admin', async () => {
    api.on('GET /mail/status/me', { body: buildMailStatus() });
    api.on('GET /orgwide/mail/members/u_zoe', { body: buildMailStatus({ roxUserId: 'u_zoe' }) });
    const mail = useMailStore();
    const loading = mail.loadMe();
    expect(mail.isLoadingMe).toBe(true);
    await loading;
    expect(mail.isLoadingMe).toBe(false);
    await mail.loadMember('u_zoe');
    expect(mail.me?.messages).toBe(3);
    expect(mail.byMember.u_zoe?.roxUserId).toBe('u_zoe');
  });

  it('files a data-removal request, keeps the receipt, and refreshes the member', async () => {
    api.on('POST /orgwide/mail/data-removal-requests', {
      body: {
        roxUserId: 'u_megan',
        removed: { mail_message: 3, calendar_event_link: 2 },
        auditAction: 'mail.data_removed',
        at: '2026-11-28T10:00:00.000Z',
        nextAction: 'Add the person to the restricted users.',
      },
    });
    api.on('GET /orgwide/mail/members/u_megan', { body: buildMailStatus({ messages: 0 }) });
    const mail = useMailStore();
    expect(await mail.removeData('u_megan')).toBe(true);
    const post = api.requests.find((r) => r.method === 'POST');
    expect(post?.body).toEqual({ roxUserId: 'u_megan' });
    expect(mail.receipts.u_megan?.removed).toEqual({ mail_message: 3, calendar_event_link: 2 });
    expect(mail.byMember.u_megan?.messages).toBe(0);
  });

  it('keeps a refusal next to the member, readable', async () => {
    api.on(
      'POST /orgwide/mail/data-removal-requests',
      problem(404, 'MAIL_MEMBER_NOT_FOUND', 'No such member.'),
    );
    const mail = useMailStore();
    expect(await mail.removeData('u_gone')).toBe(false);
    expect(mail.errors.u_gone?.code).toBe('MAIL_MEMBER_NOT_FOUND');
    mail.$reset();
    expect(mail.errors).toEqual({});
  });
});
