import type { AttachmentRecord, EmailAddress, MessageRecord, UserRecord } from '../state/model';
import { hashHex, pick } from '../util/prng';
import { isoSeconds } from '../util/timezone';
import { EXTERNAL_CONTACTS } from './demo-tenant';

const THREAD_SUBJECTS = [
  'Q3 pipeline review',
  'Renewal quote for Fabrikam',
  'Contract redlines – version 3',
  'Lunch & learn: Graph delta queries',
  'Re-org announcement',
  'Customer escalation: order #4471',
  'Travel plans for the Berlin summit',
  'Angebot für Northwind – Überarbeitung',
  '東京オフィスの訪問について',
  'Budget approval needed 💰',
  'Weekly status report',
  'Invoice INV-2093 overdue',
];

// Built once: a large body is the same filler for every message that has one.
const LARGE_FILLER = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(1200);

const SNIPPETS = [
  'Thanks for the quick turnaround on this.',
  'Can we move this to Thursday? I have a conflict.',
  'Attaching the latest numbers; please review before the call.',
  'Looping in the account team for visibility.',
  'Danke für die Rückmeldung – wir melden uns morgen.',
  'よろしくお願いいたします。',
  'Let me know if anything is unclear.',
];

export interface MailSeedContext {
  seed: string;
  nowMs: number;
  owner: UserRecord;
  messagesPerMailbox: number;
  inboxOverride?: number;
  /** A peer in the same tenant, by index (wraps around). */
  peerAt: (index: number) => EmailAddress;
  peerCount: number;
}

export function messageCounts(ctx: MailSeedContext): (folder: string) => number {
  const inbox = ctx.inboxOverride ?? ctx.messagesPerMailbox;
  return (folder) => {
    switch (folder) {
      case 'inbox':
        return inbox;
      case 'sentitems':
        return Math.floor(ctx.messagesPerMailbox / 3);
      case 'drafts':
        return ctx.messagesPerMailbox > 0 ? 1 : 0;
      default:
        return 0;
    }
  };
}

function address(user: UserRecord): EmailAddress {
  return { name: user.displayName, address: user.mail ?? user.userPrincipalName };
}

function attachmentFor(id: string, index: number, inline: boolean): AttachmentRecord {
  const content = Buffer.from(
    `%PDF-1.4\n% emulator attachment ${index}\n${'x'.repeat(200 + (index % 7) * 50)}\n%%EOF\n`,
  );
  return inline
    ? {
        id: `${id}AT1`,
        name: 'logo.png',
        contentType: 'image/png',
        isInline: true,
        contentBase64: Buffer.from('89504e470d0a1a0a', 'hex').toString('base64'),
      }
    : {
        id: `${id}AT0`,
        name: `report-${index}.pdf`,
        contentType: 'application/pdf',
        isInline: false,
        contentBase64: content.toString('base64'),
      };
}

/** Derives message number `index` of a folder. Index 0 is the newest. */
export function messageAt(
  ctx: MailSeedContext,
  folder: string,
  index: number,
  id: string,
): MessageRecord {
  const count = messageCounts(ctx)(folder);
  const spanMs = count <= 1000 ? (7 * 86_400_000) / Math.max(count, 1) : 30_000;
  // One hash feeds every per-message choice; a delta walk over a big mailbox derives millions.
  const h = hashHex(ctx.seed, id);
  const part = (i: number, n: number): number => parseInt(h.slice(i * 6, i * 6 + 6), 16) % n;
  const received = ctx.nowMs - (index + 1) * spanMs - part(0, 60_000);
  const thread = Math.floor(index / 3);
  const baseSubject = pick(THREAD_SUBJECTS, ctx.seed, ctx.owner.id, folder, thread);
  const subject = index % 3 === 0 ? baseSubject : `RE: ${baseSubject}`;
  const isExternal = part(1, 3) === 0;
  const peer = isExternal
    ? (EXTERNAL_CONTACTS[part(2, EXTERNAL_CONTACTS.length)] ?? EXTERNAL_CONTACTS[0]!)
    : ctx.peerAt(part(3, Math.max(ctx.peerCount, 1)));
  const me = address(ctx.owner);
  const sent = folder === 'sentitems' || folder === 'drafts';
  const snippet = SNIPPETS[part(4, SNIPPETS.length)] ?? '';
  const large = index % 11 === 5;
  const attachments: AttachmentRecord[] = [];
  if (index % 5 === 2) attachments.push(attachmentFor(id, index, false));
  if (index % 10 === 7) attachments.push(attachmentFor(id, index, true));
  const at = isoSeconds(received);
  return {
    id,
    moveCount: 0,
    folder,
    subject,
    bodyHtml: `<html><body><p>${snippet.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</p>${large ? `<p>${LARGE_FILLER}</p>` : ''}</body></html>`,
    from: sent ? me : peer,
    toRecipients: sent ? [peer] : [me],
    ccRecipients: index % 4 === 1 ? [ctx.peerAt(part(5, Math.max(ctx.peerCount, 1)))] : [],
    bccRecipients: [],
    receivedDateTime: at,
    sentDateTime: isoSeconds(received - 2000),
    createdDateTime: at,
    lastModifiedDateTime: at,
    changeKey: `CQAAABYAAA${h.slice(0, 20)}`,
    internetMessageId: `<${h.slice(0, 24)}@${(sent ? me : peer).address.split('@')[1] ?? 'example.com'}>`,
    conversationId: `AAQkA${hashHex(ctx.seed, ctx.owner.id, folder, thread).slice(0, 32)}`,
    isRead: index > 3,
    isDraft: folder === 'drafts',
    importance: index % 13 === 0 ? 'high' : 'normal',
    categories: [],
    attachments,
  };
}
