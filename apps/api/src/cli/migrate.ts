import 'reflect-metadata';

import { MikroORM } from '@mikro-orm/postgresql';

import { loadConfig } from '../config/config.module';
import { buildOrmOptions } from '../platform/database/mikro-orm.config';

// Applies (or with "down", reverts one) committed migration. A deploy step, never run at boot.
async function main(): Promise<void> {
  const direction = process.argv[2] ?? 'up';
  if (direction !== 'up' && direction !== 'down' && direction !== 'pending') {
    throw new Error('usage: migrate [up|down|pending]');
  }
  const orm = await MikroORM.init(buildOrmOptions(loadConfig()));
  try {
    const migrator = orm.getMigrator();
    if (direction === 'pending') {
      const pending = await migrator.getPendingMigrations();
      process.stdout.write(`${pending.map((m) => m.name).join('\n') || 'no pending migrations'}\n`);
      return;
    }
    const applied = direction === 'up' ? await migrator.up() : await migrator.down();
    process.stdout.write(
      `${direction === 'up' ? 'applied' : 'reverted'}: ${applied.map((m) => m.name).join(', ') || 'nothing to do'}\n`,
    );
  } finally {
    await orm.close(true);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
