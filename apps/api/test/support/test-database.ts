/** Where test/file-database.ts leaves the URL of the running file's own database. */
export const TEST_DATABASE_URL_VARIABLE = 'ROX365_TEST_FILE_DATABASE_URL';

/** This test file's own database: a copy of the run's migrated template, dropped after the file. */
export function testDatabaseUrl(): string {
  const url = process.env[TEST_DATABASE_URL_VARIABLE];
  if (!url) throw new Error('no test database: vitest runs test/file-database.ts before each file');
  return url;
}
