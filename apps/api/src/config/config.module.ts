import { Global, Module } from '@nestjs/common';

import { AppConfig } from './app-config';
import { parseEnv } from './env.schema';

/** Reads process.env exactly once per process; a bad variable stops boot with its name. */
export function loadConfig(source: Record<string, string | undefined> = process.env): AppConfig {
  return new AppConfig(parseEnv(source));
}

@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig) {
    return {
      module: ConfigModule,
      providers: [{ provide: AppConfig, useValue: config }],
      exports: [AppConfig],
    };
  }
}
