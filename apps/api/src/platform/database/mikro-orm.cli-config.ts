// Entry point for the MikroORM CLI (migration:create); the app itself never loads this file.
import { loadConfig } from '../../config/config.module';
import { buildOrmOptions } from './mikro-orm.config';

export default buildOrmOptions(loadConfig(), { keepSnapshot: true });
