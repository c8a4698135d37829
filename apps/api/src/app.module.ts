import { Module, type DynamicModule } from '@nestjs/common';

import { CalendarModule } from './calendar/calendar.module';
import { type AppConfig } from './config/app-config';
import { ConsentModule } from './consent/consent.module';
import { DevIdentityModule } from './dev-identity/dev-identity.module';
import { DirectoryModule } from './directory/directory.module';
import { MailModule } from './mail/mail.module';
import { MailboxesModule } from './mailboxes/mailboxes.module';
import { MembersModule } from './members/members.module';
import { NotificationsModule } from './notifications/notifications.module';
import { AuthModule } from './platform/auth/auth.module';
import { HealthModule } from './platform/health/health.module';
import { HttpPlatformModule } from './platform/http/http-platform.module';
import { MetricsHttpModule } from './platform/metrics/metrics-http.module';
import { PlatformModule } from './platform/platform.module';
import { PushModule } from './push/push.module';

/** The HTTP server: platform, HTTP conventions and the feature modules' controllers. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot(config),
        AuthModule,
        HttpPlatformModule,
        HealthModule,
        ...(config.metrics.enabled ? [MetricsHttpModule] : []),
        MembersModule,
        ConsentModule,
        DirectoryModule,
        MailboxesModule,
        MailModule,
        CalendarModule,
        PushModule,
        NotificationsModule,
        ...(config.auth.mode === 'dev' ? [DevIdentityModule] : []),
      ],
    };
  }
}
