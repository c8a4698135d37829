import { type GraphClient } from '../client';
import { GraphRequestError } from '../errors';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, parseRetryAfter, type RetryPolicy } from '../retry';

/** Files under this go in one `POST …/attachments`; from it up, through an upload session. */
export const SMALL_ATTACHMENT_MAX_BYTES = 3 * 1024 * 1024;
/** The largest file Microsoft takes through an Outlook upload session. */
export const UPLOAD_SESSION_MAX_BYTES = 150 * 1024 * 1024;
/** Every range but the last is a multiple of this. */
export const UPLOAD_CHUNK_MULTIPLE_BYTES = 320 * 1024;
/** Microsoft takes at most 4 MB per PUT; 10 × 320 KiB stays under it. */
export const DEFAULT_UPLOAD_CHUNK_BYTES = 10 * UPLOAD_CHUNK_MULTIPLE_BYTES;
const MAX_CHUNK_BYTES = 4 * 1024 * 1024;

/** A file to attach to a message. */
export interface AttachmentFile {
  readonly name: string;
  readonly contentType: string;
  readonly bytes: Buffer;
}

/** What Graph answers to `createUploadSession`. */
export interface UploadSessionInfo {
  readonly uploadUrl: string;
  readonly expirationDateTime: string;
  readonly nextExpectedRanges: readonly string[];
}

/** Options of {@link uploadToSession} and {@link attachFile}. */
export interface UploadOptions {
  /** Bytes per PUT: a positive multiple of 320 KiB, at most 4 MB. Default 3,200 KiB. */
  readonly chunkBytes?: number;
  /** Failed attempts in a row before giving up (the count restarts after a stored range). */
  readonly retry?: Partial<RetryPolicy>;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Hears of each stored range (bytes received so far). */
  readonly onProgress?: (received: number, size: number) => void;
}

function ownerPath(owner: string): string {
  return owner.startsWith('/') ? owner.replace(/\/+$/, '') : `/users/${encodeURIComponent(owner)}`;
}

function attachmentsPath(owner: string, messageId: string): string {
  return `${ownerPath(owner)}/messages/${encodeURIComponent(messageId)}/attachments`;
}

/**
 * `POST …/messages/{id}/attachments` with a fileAttachment (under 3 MB). A POST: never repeated
 * after a failure that may have been processed (503 included, X-4: Exchange may have attached
 * the file before answering), so the caller lists the message's attachments before trying again.
 */
export async function addFileAttachment(
  client: GraphClient,
  owner: string,
  messageId: string,
  file: AttachmentFile,
): Promise<{ id: string }> {
  const res = await client.request<{ id: string }>(attachmentsPath(owner, messageId), {
    method: 'POST',
    body: {
      '@odata.type': '#microsoft.graph.fileAttachment',
      name: file.name,
      contentType: file.contentType,
      contentBytes: file.bytes.toString('base64'),
    },
    retryUnavailable: false,
  });
  if (!res.body) throw new TypeError('Adding an attachment answered without a body');
  return { id: res.body.id };
}

/**
 * `POST …/attachments/createUploadSession`. Repeating it is harmless (an unused session just
 * expires), so it is retried like a read.
 */
export async function createAttachmentUploadSession(
  client: GraphClient,
  owner: string,
  messageId: string,
  item: { name: string; size: number; contentType: string },
): Promise<UploadSessionInfo> {
  const res = await client.request<UploadSessionInfo>(
    `${attachmentsPath(owner, messageId)}/createUploadSession`,
    {
      method: 'POST',
      body: {
        AttachmentItem: {
          attachmentType: 'file',
          name: item.name,
          size: item.size,
          contentType: item.contentType,
        },
      },
      isIdempotent: true,
    },
  );
  if (!res.body?.uploadUrl)
    throw new TypeError('createUploadSession answered without an uploadUrl');
  return res.body;
}

/**
 * Attaches a file: one POST under 3 MB, an upload session from 3 MB to 150 MB (a session found
 * gone is replaced once).
 */
export async function attachFile(
  client: GraphClient,
  owner: string,
  messageId: string,
  file: AttachmentFile,
  options: UploadOptions = {},
): Promise<void> {
  if (file.bytes.length < SMALL_ATTACHMENT_MAX_BYTES) {
    await addFileAttachment(client, owner, messageId, file);
    return;
  }
  if (file.bytes.length > UPLOAD_SESSION_MAX_BYTES) {
    throw new RangeError(`Attachments are at most ${UPLOAD_SESSION_MAX_BYTES} bytes`);
  }
  const item = { name: file.name, size: file.bytes.length, contentType: file.contentType };
  const session = await createAttachmentUploadSession(client, owner, messageId, item);
  try {
    await uploadToSession(session.uploadUrl, file.bytes, options);
  } catch (error) {
    // The session expired or was dropped mid-way: nothing was attached, start once more.
    if (!(error instanceof GraphRequestError) || error.status !== 404) throw error;
    const again = await createAttachmentUploadSession(client, owner, messageId, item);
    await uploadToSession(again.uploadUrl, file.bytes, options);
  }
}

/** The first offset of `nextExpectedRanges` (`["2097152-"]`, `["2097152"]`, `["0-4194303"]`). */
export function nextOffsetOf(ranges: readonly string[] | undefined): number | null {
  const first = ranges?.[0];
  if (first === undefined) return null;
  const start = /^(\d+)/.exec(first.trim());
  return start ? Number(start[1]) : null;
}

/**
 * PUTs a file to an upload session's URL in ordered ranges. The URL is pre-authenticated (its
 * query carries a token) and, at Microsoft, is not on the Graph host: it is sent with plain
 * fetch and no Authorization header. After a failed range (network, 5xx, 429 with Retry-After, or
 * 416 because the range was stored but its answer lost) it waits, asks the session where it
 * stands (GET: nextExpectedRanges) and continues from there. Returns the attachment's URL
 * (the Location of the final 201), when given.
 */
export async function uploadToSession(
  uploadUrl: string,
  bytes: Buffer,
  options: UploadOptions = {},
): Promise<{ location: string | null }> {
  const chunk = options.chunkBytes ?? DEFAULT_UPLOAD_CHUNK_BYTES;
  if (chunk <= 0 || chunk % UPLOAD_CHUNK_MULTIPLE_BYTES !== 0 || chunk > MAX_CHUNK_BYTES) {
    throw new RangeError('chunkBytes must be a positive multiple of 320 KiB, at most 4 MB');
  }
  if (new URL(uploadUrl).protocol !== 'https:') {
    throw new TypeError('Refusing to upload attachment content over plain HTTP');
  }
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const size = bytes.length;
  let offset = 0;
  let failures = 0;
  for (;;) {
    const end = Math.min(offset + chunk, size) - 1;
    let failure: GraphRequestError;
    try {
      const res = await fetch(uploadUrl, {
        method: 'PUT',
        headers: {
          'content-range': `bytes ${offset}-${end}/${size}`,
          'content-type': 'application/octet-stream',
        },
        body: bytes.subarray(offset, end + 1),
      });
      const text = await res.text();
      if (res.status === 201 || (res.ok && end === size - 1)) {
        options.onProgress?.(size, size);
        return { location: res.headers.get('location') };
      }
      if (res.ok) {
        failures = 0;
        offset = nextOffsetOf(parseRanges(text)) ?? end + 1;
        options.onProgress?.(offset, size);
        continue;
      }
      failure = uploadError(res.status, text, res.headers.get('retry-after'), uploadUrl);
    } catch (error) {
      failure = networkError(error, uploadUrl);
    }
    const resumable = failure.status === 0 || failure.status >= 500 || failure.status === 429;
    if (!resumable && failure.status !== 416) throw failure;
    failures++;
    if (failures > policy.maxRetries) throw failure;
    if (failure.status !== 416) {
      await sleep(
        Math.min(failure.retryAfterMs ?? backoffDelayMs(failures, policy), policy.maxRetryAfterMs),
      );
    }
    offset = await sessionOffset(uploadUrl);
  }
}

// Where the session stands, from its own answer to a GET (a failure here ends the upload).
async function sessionOffset(uploadUrl: string): Promise<number> {
  let res: Response;
  try {
    res = await fetch(uploadUrl, { method: 'GET' });
  } catch (error) {
    throw networkError(error, uploadUrl);
  }
  const text = await res.text();
  if (!res.ok) throw uploadError(res.status, text, res.headers.get('retry-after'), uploadUrl);
  const offset = nextOffsetOf(parseRanges(text));
  if (offset === null) throw uploadError(502, text, null, uploadUrl);
  return offset;
}

function parseRanges(text: string): string[] | undefined {
  try {
    const body = JSON.parse(text) as { nextExpectedRanges?: unknown };
    return Array.isArray(body.nextExpectedRanges)
      ? body.nextExpectedRanges.filter((r): r is string => typeof r === 'string')
      : undefined;
  } catch {
    return undefined;
  }
}

// The upload URL's query is its credential: errors name the path only.
function pathOf(uploadUrl: string): string {
  return new URL(uploadUrl).pathname;
}

function uploadError(
  status: number,
  text: string,
  retryAfter: string | null,
  uploadUrl: string,
): GraphRequestError {
  let code: string | null = null;
  let message = `Upload answered ${status}`;
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    code = body.error?.code ?? null;
    message = body.error?.message ?? message;
  } catch {
    // not JSON
  }
  return new GraphRequestError({
    status,
    code,
    message,
    method: 'PUT',
    path: pathOf(uploadUrl),
    retryAfterMs: parseRetryAfter(retryAfter),
  });
}

function networkError(error: unknown, uploadUrl: string): GraphRequestError {
  return new GraphRequestError({
    status: 0,
    code: 'NetworkError',
    message: error instanceof Error ? error.message : String(error),
    method: 'PUT',
    path: pathOf(uploadUrl),
    cause: error,
  });
}
