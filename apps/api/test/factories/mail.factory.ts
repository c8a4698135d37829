import { randomUUID } from 'node:crypto';

import { MailSend } from '../../src/mail/entities/mail-send.entity';
import { type IncomingMessage, type MailPage } from '../../src/mail/mail.repository';
import { FACTORY_NOW } from './member.factory';

/**
 * A message from Pat to Sam at Fabrikam as a mail page delivers it (metadata level: no body),
 * with the internetMessageId `<graphId@contoso.com>` unless told otherwise.
 */
export function buildIncomingMessage(
  graphId: string,
  over: Partial<IncomingMessage> = {},
): IncomingMessage {
  return {
    graphId,
    internetMessageId: `<${graphId}@contoso.com>`,
    conversationId: 'conv-1',
    subject: `Subject ${graphId}`,
    from: { address: 'pat@contoso.com', name: 'Pat' },
    sender: { address: 'pat@contoso.com', name: 'Pat' },
    replyTo: [],
    to: [{ address: 'sam@fabrikam.com', name: 'Sam' }],
    cc: [],
    bcc: [],
    participants: ['pat@contoso.com', 'sam@fabrikam.com'],
    sentAt: new Date('2026-11-28T08:59:00Z'),
    receivedAt: new Date('2026-11-28T09:00:00Z'),
    hasAttachments: false,
    importance: 'normal',
    isRead: false,
    body: null,
    ...over,
  };
}

/** A mail page carrying `messages` and nothing else. */
export function buildMailPage(
  messages: IncomingMessage[],
  over: Partial<Omit<MailPage, 'messages'>> = {},
): MailPage {
  return { messages, removedGraphIds: [], moved: [], excludedGraphIds: [], ...over };
}

/** A queued send as `roxUserId`. */
export function buildMailSend(orgId: string, roxUserId: string, idempotencyKey: string): MailSend {
  return new MailSend({
    id: randomUUID(),
    orgId,
    roxUserId,
    idempotencyKey,
    mode: 'send_mail',
    internetMessageId: `<${randomUUID()}@rox.example>`,
    replyToGraphId: null,
    replyAll: false,
    contentSealed: 'enc:v2:v1:sealed-content',
    now: FACTORY_NOW,
  });
}
