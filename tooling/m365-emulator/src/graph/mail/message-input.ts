import { isRecord } from '../../http/types';
import type { AttachmentRecord, EmailAddress } from '../../state/model';
import { badRequest } from '../errors';
import type { NewMessage } from './mail-actions';

function recipients(v: unknown): EmailAddress[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v))
    throw badRequest('Recipients must be a collection.', 'ErrorInvalidParameter');
  return v.map((r) => {
    const ea = isRecord(r) && isRecord(r.emailAddress) ? r.emailAddress : undefined;
    const address = ea && typeof ea.address === 'string' ? ea.address : '';
    if (!address.includes('@'))
      throw badRequest(
        'At least one recipient is not valid., Recipient is not resolved.',
        'ErrorInvalidRecipients',
      );
    return { name: typeof ea?.name === 'string' ? ea.name : address, address };
  });
}

function attachments(v: unknown): AttachmentRecord[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isRecord).map((a, i) => ({
    id: `new${i}`,
    name: typeof a.name === 'string' ? a.name : `attachment-${i}`,
    contentType: typeof a.contentType === 'string' ? a.contentType : 'application/octet-stream',
    isInline: a.isInline === true,
    contentBase64: typeof a.contentBytes === 'string' ? a.contentBytes : '',
  }));
}

function headers(v: unknown): { name: string; value: string }[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v))
    throw badRequest('internetMessageHeaders must be a collection.', 'ErrorInvalidParameter');
  return v.map((h) => {
    const name = isRecord(h) && typeof h.name === 'string' ? h.name : '';
    const value = isRecord(h) && typeof h.value === 'string' ? h.value : '';
    // Exchange accepts only custom headers here.
    if (!/^x-/i.test(name))
      throw badRequest(
        `The internet message header name '${name}' should start with 'x-' or 'X-'.`,
        'InvalidInternetMessageHeader',
      );
    return { name, value };
  });
}

/** Reads a Graph message JSON (create, sendMail) into the emulator's input shape. */
export function parseMessageInput(v: unknown, from: EmailAddress): NewMessage {
  if (!isRecord(v))
    throw badRequest('Empty Payload, JSON content expected.', 'ErrorInvalidRequest');
  const body = isRecord(v.body) ? v.body : {};
  const content = typeof body.content === 'string' ? body.content : '';
  const isHtml = typeof body.contentType === 'string' && body.contentType.toLowerCase() === 'html';
  const importance = v.importance === 'low' || v.importance === 'high' ? v.importance : 'normal';
  return {
    subject: typeof v.subject === 'string' ? v.subject : '',
    bodyHtml: isHtml
      ? content
      : `<html><body><p>${content.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</p></body></html>`,
    from,
    toRecipients: recipients(v.toRecipients),
    ccRecipients: recipients(v.ccRecipients),
    bccRecipients: recipients(v.bccRecipients),
    replyTo: recipients(v.replyTo),
    extraHeaders: headers(v.internetMessageHeaders),
    ...(typeof v.internetMessageId === 'string' && v.internetMessageId.length > 0
      ? { internetMessageId: v.internetMessageId }
      : {}),
    attachments: attachments(v.attachments),
    importance,
  };
}
