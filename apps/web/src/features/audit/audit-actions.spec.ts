import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { ACTION_FILTER_MAX_LENGTH, actionFilterError, actionLabel } from './audit-actions';

// Relative to this file, so the check runs the same from any working directory.
const API_SRC = join(import.meta.dirname, '../../../../api/src');

// Actions the API builds from a template: every value the template can take.
const TEMPLATE_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  'mail.send_${status}': ['mail.send_sent', 'mail.send_unknown_delivery', 'mail.send_failed'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/**
 * The action of every `audit.record({ … })` in the API's source (specs write made-up ones).
 * An action this cannot read (a variable, a new template) is reported instead of skipped.
 */
function actionsWrittenByTheApi(): { codes: Set<string>; unreadable: string[] } {
  const codes = new Set<string>();
  const unreadable: string[] = [];
  for (const file of sourceFiles(API_SRC)) {
    const text = readFileSync(file, 'utf8');
    if (!text.includes('AuditLog')) continue;
    for (const call of text.matchAll(/\.record\(\s*\{([\s\S]*?)\n\s*\}\);/g)) {
      const where = `${file.slice(API_SRC.length + 1)}: ${call[0].slice(0, 80)}`;
      const expression = /\baction:\s*([^\n]+)/.exec(call[1] ?? '')?.[1];
      if (!expression) {
        unreadable.push(where);
        continue;
      }
      const literals = [...expression.matchAll(/'([^']+)'/g)].map((m) => m[1] ?? '');
      for (const template of expression.matchAll(/`([^`]+)`/g)) {
        const values = TEMPLATE_ACTIONS[template[1] ?? ''];
        if (values) literals.push(...values);
        else unreadable.push(`${where} (template ${template[0]})`);
      }
      if (literals.length === 0) unreadable.push(where);
      for (const code of literals) codes.add(code);
    }
  }
  return { codes, unreadable };
}

describe('actionLabel', () => {
  it.each([
    ['orgwide.disconnected', 'Org-wide connection disconnected'],
    ['calendar.restricted_purged', 'Meetings with restricted people removed'],
    ['mail.folder_purged', 'Emails removed from a folder no longer synced'],
    ['calendar.write_conflict', 'Calendar change from Rox conflicted with Outlook'],
    [
      'individual-connections.superseded',
      'Outlook connections replaced by the org-wide connection',
    ],
    ['mail.send_unknown_delivery', 'Email delivery unknown'],
  ])('%s reads "%s"', (code, label) => {
    expect(actionLabel(code)).toBe(label);
  });

  it.each(['billing.invoice_paid', 'constructor', 'toString', ''])(
    'shows an unknown code as it is: "%s"',
    (code) => {
      expect(actionLabel(code)).toBe(code);
    },
  );

  it('has a label for every action the API writes', () => {
    const { codes, unreadable } = actionsWrittenByTheApi();
    expect(unreadable, 'audit.record calls whose action the spec cannot read').toEqual([]);
    // Guards the scan itself: finding nothing would pass the next line trivially.
    expect(codes.size).toBeGreaterThan(30);
    expect([...codes].filter((code) => actionLabel(code) === code).sort()).toEqual([]);
  });
});

describe('actionFilterError', () => {
  it.each(['', '   ', 'orgwide.disconnected', ' orgwide.* ', 'mail.send_failed', 'a.b.*'])(
    'accepts "%s"',
    (text) => {
      expect(actionFilterError(text)).toBeUndefined();
    },
  );

  it.each([
    ['Orgwide.Disconnected', 'Action codes are lower case: try orgwide.disconnected.'],
    ['orgwide disconnected', 'Action codes have no spaces'],
    ['orgwide.disconnected!', 'only lower-case letters, digits'],
    ['*.purged', 'Use * only at the end, after a dot'],
    ['orgwide*', 'Use * only at the end, after a dot'],
    ['.*', 'Put a word on each side of every dot'],
    ['orgwide.', 'Put a word on each side of every dot'],
    ['mail..body_read', 'Put a word on each side of every dot'],
    ['orgwide', 'type orgwide.* for every orgwide action'],
    [`a.${'b'.repeat(ACTION_FILTER_MAX_LENGTH)}`, `At most ${ACTION_FILTER_MAX_LENGTH} characters`],
  ])('refuses "%s" with a message that says how to fix it', (text, message) => {
    expect(actionFilterError(text)).toContain(message);
  });
});
