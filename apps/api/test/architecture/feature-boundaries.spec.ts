import { join } from 'node:path';

import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

// The app's real lint config, run on snippets placed at real paths: the dependency rules of
// docs/architecture.md fail lint, not only review.
describe('architecture rules that fail lint', () => {
  let eslint: ESLint;

  // The first lint loads the parser and the whole config: seconds on a quiet machine, far more
  // on a busy one, so it happens here, with room, and not inside the first case.
  beforeAll(async () => {
    eslint = new ESLint({ cwd: join(__dirname, '../..') });
    await eslint.lintText('export const warm = 1;\n', {
      filePath: 'src/members/members.mapper.ts',
    });
  }, 240_000);

  async function boundaryErrors(filePath: string, importPath: string): Promise<string[]> {
    const code = `import * as imported from '${importPath}';\n\nexport const used = imported;\n`;
    const [result] = await eslint.lintText(code, { filePath });
    return (result?.messages ?? [])
      .filter((m) => m.ruleId === 'no-restricted-imports')
      .map((m) => m.message);
  }

  it.each([
    ['src/members/members.mapper.ts', '../consent/consent.errors', /members may import only/],
    ['src/members/members.mapper.ts', '../directory/directory.errors', /members may import only/],
    ['src/consent/consent.mapper.ts', '../directory/directory.errors', /consent may import only/],
    ['src/platform/queue/job-runner.ts', '../../members/members.errors', /platform/],
    ['src/platform/lifecycle/lifecycle.module.ts', '../../directory/directory.module', /platform/],
    ['src/directory/directory.mapper.ts', '../dev-identity/demo-org', /directory may import/],
    ['src/members/members.mapper.ts', '@rox365/contracts/src/index', /entry point/],
    ['src/push/push.mapper.ts', '../calendar/calendar.errors', /push may import only platform/],
    ['src/push/push.mapper.ts', '../consent/consent.errors', /push may import only platform/],
    ['src/calendar/calendar.mapper.ts', '../push/push.errors', /calendar may import only/],
    ['src/platform/lifecycle/lifecycle.module.ts', '../../push/push.module', /platform/],
    [
      'src/calendar/calendar-reader.service.ts',
      '../notifications/graph-subscription.repository',
      /calendar may import only/,
    ],
  ])(
    '%s may not import %s',
    async (filePath, importPath, message) => {
      const errors = await boundaryErrors(filePath, importPath);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(message);
    },
    120_000,
  );

  it.each([
    ['src/consent/consent.mapper.ts', '../members/members.errors'],
    ['src/directory/directory.mapper.ts', '../consent/consent.errors'],
    ['src/directory/directory.mapper.ts', '../members/members.errors'],
    ['src/directory/directory.mapper.ts', '../platform/errors/domain-error'],
    ['src/consent/consent.mapper.ts', './consent.errors'],
    ['src/platform/queue/job-runner.ts', '../errors/domain-error'],
    ['src/push/push.mapper.ts', '../platform/errors/domain-error'],
    ['src/notifications/channel-rounds.service.ts', '../calendar/calendar-jobs.service'],
    ['src/notifications/channel-rounds.service.ts', '../mail/mail-jobs.service'],
  ])(
    '%s may import %s',
    async (filePath, importPath) => {
      expect(await boundaryErrors(filePath, importPath)).toEqual([]);
    },
    120_000,
  );

  it.each([
    ["import { APP_INTERCEPTOR } from '@nestjs/core';\n\nexport const token = APP_INTERCEPTOR;\n"],
    ["import { UseInterceptors } from '@nestjs/common';\n\nexport const use = UseInterceptors;\n"],
  ])(
    'no Nest interceptor is registered: %s',
    async (code) => {
      const [result] = await eslint.lintText(code, {
        filePath: 'src/platform/http/http-platform.module.ts',
      });
      const messages = (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-syntax');
      expect(messages.map((m) => m.message)).toEqual([
        expect.stringMatching(/No Nest interceptors on the request path/),
      ]);
    },
    120_000,
  );
});
