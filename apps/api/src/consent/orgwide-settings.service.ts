import { Injectable } from '@nestjs/common';
import { type z } from 'zod';

import {
  type OrgwideSettings as OrgwideSettingsContract,
  type PutMemberOverrideRequest,
  type UpdateOrgwideSettingsRequestSchema,
} from '@rox365/contracts';
import { IdentityError } from '@rox365/graph-client';

import { AuditLog } from '../platform/audit/audit-log.service';
import { againAfterUniqueRace, Transactions } from '../platform/database/transactions.service';
import { OrgwideGraph } from '../platform/graph/graph.module';
import { LifecycleRegistry } from '../platform/lifecycle/lifecycle-registry.service';
import { Clock } from '../platform/time/clock';
import { ConsentError, ConsentErrorCode } from './consent.errors';
import { toSettingsContract } from './consent.mapper';
import { MemberOverride } from './entities/member-override.entity';
import { OrgwideSettings, type OrgwideSettingsValues } from './entities/orgwide-settings.entity';
import { MemberLookup } from './member-lookup';
import { OrgwideConnectionRepository } from './orgwide-connection.repository';
import { OrgwideSettingsRepository } from './orgwide-settings.repository';

/** The settings body after validation and normalisation. */
export type OrgwideSettingsInput = z.output<typeof UpdateOrgwideSettingsRequestSchema>;

/** Admin settings of the org-wide connection and per-member overrides. */
@Injectable()
export class OrgwideSettingsService {
  constructor(
    private readonly settings: OrgwideSettingsRepository,
    private readonly connections: OrgwideConnectionRepository,
    private readonly members: MemberLookup,
    private readonly graph: OrgwideGraph,
    private readonly audit: AuditLog,
    private readonly tx: Transactions,
    private readonly lifecycle: LifecycleRegistry,
    private readonly clock: Clock,
  ) {}

  async get(orgId: string): Promise<OrgwideSettingsContract> {
    const [settings, overrides] = await Promise.all([
      this.settings.find(orgId),
      this.settings.overrides(orgId),
    ]);
    return toSettingsContract(settings, overrides);
  }

  /** Saves the settings: restricted users must be members, the tenant must exist in Entra. */
  update(orgId: string, body: OrgwideSettingsInput): Promise<OrgwideSettingsContract> {
    return againAfterUniqueRace(() => this.updateOnce(orgId, body));
  }

  private async updateOnce(
    orgId: string,
    body: OrgwideSettingsInput,
  ): Promise<OrgwideSettingsContract> {
    await this.requireMembers(orgId, body.restrictedUsers);
    const existing = await this.settings.find(orgId);
    const tenantId =
      existing && existing.tenant === body.tenant
        ? existing.tenantId
        : await this.resolveTenant(body.tenant);
    const connection = await this.connections.find(orgId);
    if (connection && connection.tenantId !== tenantId) {
      throw new ConsentError(
        ConsentErrorCode.ORGWIDE_TENANT_LOCKED,
        'conflict',
        'The org is connected to another Microsoft tenant. Disconnect first, then change the tenant.',
        { fieldErrors: [{ path: 'body.tenant', message: 'cannot change while connected' }] },
      );
    }
    const values: OrgwideSettingsValues = {
      calendarAccess: body.calendarAccess,
      emailAccess: body.emailAccess,
      restrictedDomains: body.restrictedDomains,
      restrictedUsers: body.restrictedUsers,
      extraMailFolders: body.extraMailFolders,
      calendarMeetingDeletes: body.calendarMeetingDeletes,
      tenant: body.tenant,
      tenantId,
    };
    const now = this.clock.now();
    if (!existing) {
      const created = new OrgwideSettings({ orgId, ...values, now });
      await this.tx.run(async () => {
        await this.settings.save(created);
        await this.audit.record({
          orgId,
          action: 'orgwide.settings-updated',
          target: { type: 'orgwide_settings', id: orgId },
          details: { before: null, after: snapshot(created) },
        });
      });
    } else {
      const before = snapshot(existing);
      if (existing.update(values, now)) {
        await this.tx.run(async () => {
          await this.settings.save(existing);
          await this.audit.record({
            orgId,
            action: 'orgwide.settings-updated',
            target: { type: 'orgwide_settings', id: orgId },
            details: { before, after: snapshot(existing) },
          });
        });
      }
    }
    await this.lifecycle.scopeChanged(orgId, { cause: 'settings' });
    return this.get(orgId);
  }

  putOverride(
    orgId: string,
    roxUserId: string,
    input: PutMemberOverrideRequest,
  ): Promise<OrgwideSettingsContract> {
    return againAfterUniqueRace(() => this.putOverrideOnce(orgId, roxUserId, input));
  }

  private async putOverrideOnce(
    orgId: string,
    roxUserId: string,
    input: PutMemberOverrideRequest,
  ): Promise<OrgwideSettingsContract> {
    if (!(await this.members.exists(orgId, roxUserId))) {
      throw new ConsentError(
        ConsentErrorCode.ORGWIDE_MEMBER_NOT_FOUND,
        'not_found',
        `No member ${roxUserId} in this org.`,
      );
    }
    const now = this.clock.now();
    const existing = await this.settings.findOverride(orgId, roxUserId);
    if (!existing) {
      const created = new MemberOverride({ orgId, roxUserId, ...input, now });
      await this.tx.run(async () => {
        await this.settings.save(created);
        await this.audit.record({
          orgId,
          action: 'orgwide.override-set',
          target: { type: 'member', id: roxUserId },
          details: { before: null, after: { ...input } },
        });
      });
    } else {
      const before = { calendarAccess: existing.calendarAccess, emailAccess: existing.emailAccess };
      if (existing.update(input, now)) {
        await this.tx.run(async () => {
          await this.settings.save(existing);
          await this.audit.record({
            orgId,
            action: 'orgwide.override-set',
            target: { type: 'member', id: roxUserId },
            details: { before, after: { ...input } },
          });
        });
      }
    }
    await this.lifecycle.scopeChanged(orgId, { cause: 'override', roxUserId });
    return this.get(orgId);
  }

  async deleteOverride(orgId: string, roxUserId: string): Promise<void> {
    const existing = await this.settings.findOverride(orgId, roxUserId);
    if (!existing) {
      throw new ConsentError(
        ConsentErrorCode.ORGWIDE_OVERRIDE_NOT_FOUND,
        'not_found',
        `Member ${roxUserId} has no override in this org.`,
      );
    }
    const before = { calendarAccess: existing.calendarAccess, emailAccess: existing.emailAccess };
    await this.tx.run(async () => {
      await this.settings.removeOverride(existing);
      await this.audit.record({
        orgId,
        action: 'orgwide.override-removed',
        target: { type: 'member', id: roxUserId },
        details: { before, after: null },
      });
      await this.lifecycle.scopeChanged(orgId, { cause: 'override', roxUserId });
    });
  }

  private async requireMembers(orgId: string, emails: readonly string[]): Promise<void> {
    if (emails.length === 0) return;
    const known = await this.members.emails(orgId);
    const fieldErrors = emails.flatMap((email, index) =>
      known.has(email)
        ? []
        : [
            {
              path: `body.restrictedUsers.${index}`,
              message: `${email} is not a member of this org`,
            },
          ],
    );
    if (fieldErrors.length > 0) {
      throw new ConsentError(
        ConsentErrorCode.ORGWIDE_RESTRICTED_USER_UNKNOWN,
        'invalid',
        `Restricted users must be members of this org: ${fieldErrors
          .map((e) => e.message)
          .join('; ')}.`,
        { fieldErrors },
      );
    }
  }

  private async resolveTenant(tenant: string): Promise<string> {
    try {
      return await this.graph.resolveTenantId(tenant);
    } catch (error) {
      if (error instanceof IdentityError && isUnknownTenant(error)) {
        throw new ConsentError(
          ConsentErrorCode.ORGWIDE_TENANT_UNKNOWN,
          'invalid',
          `Microsoft Entra knows no tenant "${tenant}". Enter the tenant ID (a GUID) or a verified domain such as contoso.onmicrosoft.com, as shown in the Entra admin center under Overview.`,
          {
            cause: error,
            fieldErrors: [
              {
                path: 'body.tenant',
                message: `Microsoft Entra knows no tenant "${tenant}": enter the tenant ID or a verified domain, as the Entra admin center shows under Overview`,
              },
            ],
          },
        );
      }
      throw new ConsentError(
        ConsentErrorCode.MICROSOFT_UNAVAILABLE,
        'unavailable',
        'Microsoft Entra could not be reached to look up the tenant. Try again in a minute.',
        { cause: error, retryAfterMs: 30_000 },
      );
    }
  }
}

function isUnknownTenant(error: IdentityError): boolean {
  if (error.kind === 'tenant_not_found') return true;
  // Any other 4xx from discovery is about the tenant we asked for, not an outage.
  return error.status !== null && error.status >= 400 && error.status < 500;
}

function snapshot(settings: OrgwideSettings) {
  return {
    calendarAccess: settings.calendarAccess,
    emailAccess: settings.emailAccess,
    restrictedDomains: [...settings.restrictedDomains],
    restrictedUsers: [...settings.restrictedUsers],
    extraMailFolders: [...settings.extraMailFolders],
    calendarMeetingDeletes: settings.calendarMeetingDeletes,
    tenant: settings.tenant,
    tenantId: settings.tenantId,
  };
}
