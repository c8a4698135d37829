import { regularMessageId, type FolderState } from '../../state/mailbox';
import type { AttachmentRecord, EmailAddress, MessageRecord } from '../../state/model';
import { badRequest } from '../errors';

/** Properties Mail.ReadBasic(.All) never returns. */
export const BASIC_HIDDEN = new Set([
  'body',
  'bodypreview',
  'uniquebody',
  'attachments',
  'extensions',
  'singlevalueextendedproperties',
  'multivalueextendedproperties',
]);

const DEFAULT_PROPS = [
  'createdDateTime',
  'lastModifiedDateTime',
  'changeKey',
  'categories',
  'receivedDateTime',
  'sentDateTime',
  'hasAttachments',
  'internetMessageId',
  'subject',
  'bodyPreview',
  'importance',
  'parentFolderId',
  'conversationId',
  'conversationIndex',
  'isDeliveryReceiptRequested',
  'isReadReceiptRequested',
  'isRead',
  'isDraft',
  'webLink',
  'inferenceClassification',
  'body',
  'sender',
  'from',
  'toRecipients',
  'ccRecipients',
  'bccRecipients',
  'replyTo',
  'flag',
];

const recipient = (a: EmailAddress): { emailAddress: EmailAddress } => ({
  emailAddress: { name: a.name, address: a.address },
});

function stripHtml(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

export interface MessageView {
  immutableIds: boolean;
  basicOnly: boolean;
  bodyContentType?: 'text' | 'html';
  select?: string[];
}

export function messageId(m: MessageRecord, immutable: boolean): string {
  return immutable ? m.id : regularMessageId(m);
}

/** Graph message JSON as Outlook returns it, honouring $select, ReadBasic and id type. */
export function messageToGraph(
  m: MessageRecord,
  folder: FolderState,
  view: MessageView,
): Record<string, unknown> {
  const id = messageId(m, view.immutableIds);
  const text = view.bodyContentType === 'text';
  // Properties are computed only when selected: bodies can be large and a delta walk may touch millions.
  const props: Record<string, () => unknown> = {
    createdDateTime: () => m.createdDateTime,
    lastModifiedDateTime: () => m.lastModifiedDateTime,
    changeKey: () => m.changeKey,
    categories: () => m.categories,
    receivedDateTime: () => m.receivedDateTime,
    sentDateTime: () => m.sentDateTime,
    hasAttachments: () => m.attachments.some((a) => !a.isInline),
    internetMessageId: () => m.internetMessageId,
    subject: () => m.subject,
    bodyPreview: () => stripHtml(m.bodyHtml.slice(0, 2000)).slice(0, 255),
    importance: () => m.importance,
    parentFolderId: () => folder.id,
    conversationId: () => m.conversationId,
    conversationIndex: () => Buffer.from(m.conversationId.slice(0, 22)).toString('base64'),
    isDeliveryReceiptRequested: () => false,
    isReadReceiptRequested: () => false,
    isRead: () => m.isRead,
    isDraft: () => m.isDraft,
    webLink: () =>
      `https://outlook.office365.com/owa/?ItemID=${encodeURIComponent(id)}&exvsurl=1&viewmodel=ReadMessageItem`,
    inferenceClassification: () => 'focused',
    body: () =>
      text
        ? { contentType: 'text', content: stripHtml(m.bodyHtml) }
        : { contentType: 'html', content: m.bodyHtml },
    uniqueBody: () =>
      text
        ? { contentType: 'text', content: stripHtml(m.bodyHtml) }
        : { contentType: 'html', content: m.bodyHtml },
    sender: () => recipient(m.sender ?? m.from),
    from: () => recipient(m.from),
    toRecipients: () => m.toRecipients.map(recipient),
    ccRecipients: () => m.ccRecipients.map(recipient),
    bccRecipients: () => m.bccRecipients.map(recipient),
    replyTo: () => (m.replyTo ?? []).map(recipient),
    internetMessageHeaders: () => internetMessageHeaders(m),
    flag: () => ({ flagStatus: 'notFlagged' }),
  };
  const out: Record<string, unknown> = { '@odata.etag': `W/"${m.changeKey}"`, id };
  for (const p of view.select ?? DEFAULT_PROPS) {
    const key = PROP_CASE.get(p.toLowerCase());
    if (key === undefined) continue;
    if (view.basicOnly && BASIC_HIDDEN.has(key.toLowerCase())) continue;
    const get = props[key];
    if (get) out[key] = get();
  }
  return out;
}

// Outlook returns internetMessageHeaders only when $select names it, never by default.
const PROP_CASE = new Map(
  [...DEFAULT_PROPS, 'uniqueBody', 'internetMessageHeaders'].map((p) => [p.toLowerCase(), p]),
);

const formatAddress = (a: EmailAddress): string =>
  a.name && a.name !== a.address ? `"${a.name}" <${a.address}>` : `<${a.address}>`;

/** The RFC 5322 headers Exchange keeps for a message, plus any `X-` headers the sender set. */
function internetMessageHeaders(m: MessageRecord): { name: string; value: string }[] {
  const headers = [
    { name: 'Message-ID', value: m.internetMessageId },
    { name: 'Date', value: new Date(m.sentDateTime).toUTCString().replace('GMT', '+0000') },
    { name: 'From', value: formatAddress(m.from) },
    { name: 'Subject', value: m.subject },
  ];
  if (m.toRecipients.length > 0)
    headers.push({ name: 'To', value: m.toRecipients.map(formatAddress).join(', ') });
  if (m.ccRecipients.length > 0)
    headers.push({ name: 'Cc', value: m.ccRecipients.map(formatAddress).join(', ') });
  if (m.replyTo && m.replyTo.length > 0)
    headers.push({ name: 'Reply-To', value: m.replyTo.map(formatAddress).join(', ') });
  headers.push({ name: 'Thread-Topic', value: m.subject.replace(/^(re|fw|fwd):\s*/i, '') });
  headers.push({ name: 'MIME-Version', value: '1.0' });
  return [...headers, ...(m.extraHeaders ?? [])];
}

const KNOWN = new Set([
  ...DEFAULT_PROPS.map((p) => p.toLowerCase()),
  'id',
  'uniquebody',
  'attachments',
  'internetmessageheaders',
]);

export function checkMessageSelect(select: string[] | undefined): void {
  for (const s of select ?? []) {
    if (!KNOWN.has(s.toLowerCase()))
      throw badRequest(
        `Could not find a property named '${s}' on type 'Microsoft.OutlookServices.Message'.`,
        'RequestBroker--ParseUri',
      );
  }
}

export function attachmentToGraph(
  a: AttachmentRecord,
  modified: string,
  select?: string[],
): Record<string, unknown> {
  const full: Record<string, unknown> = {
    '@odata.type': '#microsoft.graph.fileAttachment',
    '@odata.mediaContentType': a.contentType,
    id: a.id,
    lastModifiedDateTime: modified,
    name: a.name,
    contentType: a.contentType,
    size: Buffer.from(a.contentBase64, 'base64').length + 180,
    isInline: a.isInline,
    contentId: a.isInline ? `${a.id}@emulator` : null,
    contentLocation: null,
    contentBytes: a.contentBase64,
  };
  if (!select) return full;
  const out: Record<string, unknown> = { '@odata.type': full['@odata.type'], id: a.id };
  for (const s of select) if (s in full) out[s] = full[s];
  return out;
}
