import { fromBase64Url, toBase64Url } from '../util/base64url';
import type { EventRecord, MessageRecord } from './model';
import { VersionedCollection, type ChangeClock } from './versioned-collection';

export const WELL_KNOWN_FOLDERS = [
  { name: 'inbox', displayName: 'Inbox' },
  { name: 'sentitems', displayName: 'Sent Items' },
  { name: 'drafts', displayName: 'Drafts' },
  { name: 'deleteditems', displayName: 'Deleted Items' },
  { name: 'archive', displayName: 'Archive' },
  { name: 'junkemail', displayName: 'Junk Email' },
  { name: 'outbox', displayName: 'Outbox' },
] as const;

/** Well-known folders a mailbox may lack (the others exist in every Exchange mailbox). */
export const REMOVABLE_FOLDERS: ReadonlySet<string> = new Set(['archive', 'junkemail']);

export interface MailboxGenerators {
  messageCount: (folder: string) => number;
  messageAt: (folder: string, index: number, id: string) => MessageRecord;
  eventCount: number;
  eventAt: (index: number, id: string) => EventRecord;
}

export interface FolderState {
  id: string;
  /** Well-known name (`inbox`, …); a folder the user created is keyed by its id. */
  name: string;
  displayName: string;
  /** The id of the folder it sits in: the mailbox root for the top level. */
  parentId: string;
  /** True for a folder the user created (it can be renamed and deleted). */
  isUserFolder: boolean;
  messages: VersionedCollection<MessageRecord>;
}

/** What the folder hierarchy delta tracks: one entry per folder, put again when it changes. */
export interface FolderChangeRecord {
  id: string;
}

/** Why a folder operation was refused, as Exchange words it. */
export class FolderOperationError extends Error {
  constructor(
    readonly code: 'ErrorFolderExists' | 'ErrorInvalidOperation',
    message: string,
  ) {
    super(message);
  }
}

/** Builds the base (generated) id of a message; its payload names the mailbox, folder and index. */
export function baseMessageId(mailboxKey: string, folder: string, index: number): string {
  return `AAMkA${toBase64Url(`m|${mailboxKey}|${folder}|${index}`)}`;
}

function parseBaseMessageId(
  id: string,
): { mailboxKey: string; folder: string; index: number } | undefined {
  if (!id.startsWith('AAMkA')) return undefined;
  const parts = fromBase64Url(id.slice(5)).toString('utf8').split('|');
  if (parts.length !== 4 || parts[0] !== 'm') return undefined;
  const index = Number(parts[3]);
  if (!Number.isInteger(index)) return undefined;
  return { mailboxKey: parts[1] ?? '', folder: parts[2] ?? '', index };
}

export function baseEventId(mailboxKey: string, index: number): string {
  return `AAMkAGE${toBase64Url(`e|${mailboxKey}|${index}`)}`;
}

function parseBaseEventIndex(id: string, mailboxKey: string): number | undefined {
  if (!id.startsWith('AAMkAGE')) return undefined;
  const parts = fromBase64Url(id.slice(7)).toString('utf8').split('|');
  if (parts.length !== 3 || parts[0] !== 'e' || parts[1] !== mailboxKey) return undefined;
  const index = Number(parts[2]);
  return Number.isInteger(index) ? index : undefined;
}

/**
 * The regular (mutable) id of a message changes each time it moves; the immutable id never does.
 * A regular id is the immutable id plus a move counter.
 */
export function regularMessageId(message: MessageRecord): string {
  if (message.moveCount === 0) return message.id;
  return `AAMkA${toBase64Url(`r|${message.id}|${message.moveCount}`)}`;
}

/** Splits an id from a client into the immutable id and, for a moved item's regular id, the move count. */
export function parseClientMessageId(id: string): {
  immutableId: string;
  moveCount: number | undefined;
} {
  if (id.startsWith('AAMkA')) {
    const decoded = fromBase64Url(id.slice(5)).toString('utf8').split('|');
    if (decoded.length === 3 && decoded[0] === 'r') {
      return { immutableId: decoded[1] ?? '', moveCount: Number(decoded[2]) };
    }
  }
  return { immutableId: id, moveCount: undefined };
}

/** One user's Exchange mailbox: folders of messages and the primary calendar. */
export class Mailbox {
  readonly folders = new Map<string, FolderState>();
  readonly events: VersionedCollection<EventRecord>;
  /** transactionId → event id, for idempotent event creation. */
  readonly transactionIds = new Map<string, string>();
  /** The id of the mailbox root (`msgfolderroot`): the parent of the top-level folders. */
  readonly rootId: string;
  /** The folder hierarchy's changes (creations, renames, moves of children, deletions). */
  readonly hierarchy: VersionedCollection<FolderChangeRecord>;
  private readonly clock: ChangeClock;
  private counter = 0;
  private folderCounter = 0;

  constructor(
    readonly userId: string,
    clock: ChangeClock,
    generators: MailboxGenerators,
  ) {
    this.rootId = `AAMkAF${toBase64Url(`f|${userId}|msgfolderroot`)}`;
    // The well-known folders exist from the start: the hierarchy's base, not changes.
    this.hierarchy = new VersionedCollection<FolderChangeRecord>(
      clock,
      WELL_KNOWN_FOLDERS.length,
      (i) => ({ id: `AAMkAF${toBase64Url(`f|${userId}|${WELL_KNOWN_FOLDERS[i]?.name ?? ''}`)}` }),
      (id) => {
        const i = WELL_KNOWN_FOLDERS.findIndex(
          (f) => id === `AAMkAF${toBase64Url(`f|${userId}|${f.name}`)}`,
        );
        return i >= 0 ? i : undefined;
      },
    );
    this.clock = clock;
    for (const f of WELL_KNOWN_FOLDERS) {
      const folder = f.name;
      this.folders.set(folder, {
        id: `AAMkAF${toBase64Url(`f|${userId}|${folder}`)}`,
        name: folder,
        displayName: f.displayName,
        parentId: this.rootId,
        isUserFolder: false,
        messages: new VersionedCollection<MessageRecord>(
          clock,
          generators.messageCount(folder),
          (i) => generators.messageAt(folder, i, baseMessageId(userId, folder, i)),
          (id) => {
            const parsed = parseBaseMessageId(id);
            return parsed && parsed.mailboxKey === userId && parsed.folder === folder
              ? parsed.index
              : undefined;
          },
        ),
      });
    }
    this.events = new VersionedCollection<EventRecord>(
      clock,
      generators.eventCount,
      (i) => generators.eventAt(i, baseEventId(userId, i)),
      (id) => parseBaseEventIndex(id, userId),
    );
  }

  /** Resolves a folder by well-known name (case-insensitive) or folder id. */
  folder(idOrName: string): FolderState | undefined {
    const byName = this.folders.get(idOrName.toLowerCase());
    if (byName && !byName.isUserFolder) return byName;
    const byId = this.folders.get(idOrName);
    if (byId) return byId;
    for (const f of this.folders.values()) if (f.id === idOrName) return f;
    return undefined;
  }

  /** The folders directly under a folder (the root's are the top level), oldest first. */
  childrenOf(parentId: string): FolderState[] {
    return [...this.folders.values()].filter((f) => f.parentId === parentId);
  }

  /**
   * Creates a user folder under a parent (the root for the top level). A sibling with the same
   * name, in any case, refuses it as Exchange does.
   */
  createFolder(parentId: string, displayName: string): FolderState {
    this.checkSiblingName(parentId, displayName, undefined);
    this.folderCounter += 1;
    const id = `AAMkAF${toBase64Url(`u|${this.userId}|${this.folderCounter}|${Date.now().toString(36)}`)}`;
    const folder: FolderState = {
      id,
      name: id,
      displayName,
      parentId,
      isUserFolder: true,
      messages: new VersionedCollection<MessageRecord>(
        this.clock,
        0,
        () => {
          throw new Error('a user folder has no generated messages');
        },
        () => undefined,
      ),
    };
    this.folders.set(id, folder);
    this.hierarchy.put({ id });
    // The parent's childFolderCount changed: it is reported again.
    if (parentId !== this.rootId) this.hierarchy.put({ id: parentId });
    return folder;
  }

  /** Renames a user folder (the well-known ones keep their names). */
  renameFolder(folder: FolderState, displayName: string): void {
    if (!folder.isUserFolder)
      throw new FolderOperationError(
        'ErrorInvalidOperation',
        'A default folder cannot be renamed.',
      );
    this.checkSiblingName(folder.parentId, displayName, folder.id);
    folder.displayName = displayName;
    this.hierarchy.put({ id: folder.id });
  }

  /** Gives a well-known folder its name in another language (same id, same well-known name). */
  localizeFolder(folder: FolderState, displayName: string): void {
    this.checkSiblingName(folder.parentId, displayName, folder.id);
    folder.displayName = displayName;
    this.hierarchy.put({ id: folder.id });
  }

  /** Deletes a user folder with its subfolders and every message they hold. */
  deleteFolder(folder: FolderState): void {
    if (!folder.isUserFolder)
      throw new FolderOperationError(
        'ErrorInvalidOperation',
        'A default folder cannot be deleted.',
      );
    for (const child of this.childrenOf(folder.id)) this.deleteFolder(child);
    this.folders.delete(folder.name);
    this.hierarchy.remove(folder.id);
    if (folder.parentId !== this.rootId && this.folder(folder.parentId))
      this.hierarchy.put({ id: folder.parentId });
  }

  private checkSiblingName(
    parentId: string,
    displayName: string,
    except: string | undefined,
  ): void {
    const wanted = displayName.toLowerCase();
    const clash = this.childrenOf(parentId).some(
      (f) => f.id !== except && f.displayName.toLowerCase() === wanted,
    );
    if (clash)
      throw new FolderOperationError(
        'ErrorFolderExists',
        'A folder with the specified name already exists.',
      );
  }

  /**
   * Takes a folder out of the mailbox, as in a mailbox that never had it (Exchange creates
   * Archive and Junk Email on demand; older mailboxes may lack them). Its messages go with it.
   */
  removeFolder(name: string): boolean {
    const folder = this.folders.get(name.toLowerCase());
    if (!folder || !REMOVABLE_FOLDERS.has(folder.name)) return false;
    this.folders.delete(folder.name);
    this.hierarchy.remove(folder.id);
    return true;
  }

  /** Finds a message by regular or immutable id in any folder. */
  findMessage(clientId: string): { folder: FolderState; message: MessageRecord } | undefined {
    const { immutableId, moveCount } = parseClientMessageId(clientId);
    for (const folder of this.folders.values()) {
      const message = folder.messages.get(immutableId);
      if (message) {
        if (moveCount !== undefined && moveCount !== message.moveCount) return undefined;
        return { folder, message };
      }
    }
    return undefined;
  }

  newId(kind: 'message' | 'event'): string {
    this.counter += 1;
    const prefix = kind === 'message' ? 'AAMkA' : 'AAMkAGE';
    return `${prefix}${toBase64Url(`n|${this.userId}|${kind}|${this.counter}|${Date.now().toString(36)}`)}`;
  }
}
