import { Controller, Delete, Get, Post, Put, Req, Res } from '@nestjs/common';
import { type Request, type Response } from 'express';

import {
  ConnectResponseSchema,
  ConsentCallbackQuerySchema,
  MemberParamsSchema,
  OrgwideSettingsSchema,
  OrgwideStatusSchema,
  PermissionReportSchema,
  PurgeReceiptSchema,
  PutMemberOverrideRequestSchema,
  QueuedSchema,
  UpdateOrgwideSettingsRequestSchema,
  type ConsentCallbackQuery,
  type PutMemberOverrideRequest,
} from '@rox365/contracts';

import { AppConfig } from '../config/app-config';
import { Public, Roles } from '../platform/auth/access.decorators';
import { CurrentCaller, type Caller } from '../platform/auth/caller';
import { Contract, ValidBody, ValidParams, ValidQuery } from '../platform/http/contract.decorators';
import {
  bindingCookie,
  bindingFrom,
  clearedBindingCookie,
  endsBoundSignIn,
  ORGWIDE_BINDING,
} from './auth-state/browser-binding';
import { ConsentFlowService } from './consent-flow.service';
import { DisconnectService } from './disconnect.service';
import { OrgwideSettingsService, type OrgwideSettingsInput } from './orgwide-settings.service';
import { OrgwideStatusService } from './orgwide-status.service';
import { PermissionCheckService } from './permission-check.service';
import { PermissionRecheck } from './permission-recheck.service';

const TAGS = ['orgwide'];

@Controller('orgwide')
export class OrgwideController {
  constructor(
    private readonly settings: OrgwideSettingsService,
    private readonly flow: ConsentFlowService,
    private readonly permissions: PermissionCheckService,
    private readonly recheck: PermissionRecheck,
    private readonly statuses: OrgwideStatusService,
    private readonly disconnects: DisconnectService,
    private readonly config: AppConfig,
  ) {}

  @Get('settings')
  @Roles('admin')
  @Contract({ summary: 'Org-wide settings', response: OrgwideSettingsSchema, tags: TAGS })
  getSettings(@CurrentCaller() caller: Caller) {
    return this.settings.get(caller.orgId);
  }

  @Put('settings')
  @Roles('admin')
  @Contract({
    summary: 'Save org-wide settings (tenant resolved through Microsoft Entra discovery)',
    response: OrgwideSettingsSchema,
    tags: TAGS,
  })
  putSettings(
    @CurrentCaller() caller: Caller,
    @ValidBody(UpdateOrgwideSettingsRequestSchema) body: OrgwideSettingsInput,
  ) {
    return this.settings.update(caller.orgId, body);
  }

  @Put('overrides/:roxUserId')
  @Roles('admin')
  @Contract({ summary: "Set a member's override", response: OrgwideSettingsSchema, tags: TAGS })
  putOverride(
    @CurrentCaller() caller: Caller,
    @ValidParams(MemberParamsSchema) params: { roxUserId: string },
    @ValidBody(PutMemberOverrideRequestSchema) body: PutMemberOverrideRequest,
  ) {
    return this.settings.putOverride(caller.orgId, params.roxUserId, body);
  }

  @Delete('overrides/:roxUserId')
  @Roles('admin')
  @Contract({ summary: "Remove a member's override", status: 204, tags: TAGS })
  async deleteOverride(
    @CurrentCaller() caller: Caller,
    @ValidParams(MemberParamsSchema) params: { roxUserId: string },
  ): Promise<void> {
    await this.settings.deleteOverride(caller.orgId, params.roxUserId);
  }

  @Post('connect')
  @Roles('admin')
  @Contract({
    summary:
      "Start a connect (or a fresh consent while connected): returns Microsoft's sign-in link and sets the browser-binding cookie",
    response: ConnectResponseSchema,
    status: 200,
    tags: TAGS,
  })
  async connect(@CurrentCaller() caller: Caller, @Res({ passthrough: true }) res: Response) {
    const start = await this.flow.connect(caller.orgId, caller.roxUserId);
    res.append(
      'set-cookie',
      bindingCookie(
        ORGWIDE_BINDING,
        start.browserBinding,
        this.config.http.publicApiUrl,
        this.config.orgwide.consentStateTtlSeconds,
      ),
    );
    return start.response;
  }

  @Get('consent/callback')
  @Public(
    "Microsoft's browser redirect after the admin's sign-in and after admin consent; the single-use state and the browser-binding cookie authenticate it",
  )
  @Contract({
    summary:
      "Sign-in and admin-consent redirect target; ends with a 302 to Microsoft's consent page or to the SPA carrying only an outcome",
    status: 302,
    tags: TAGS,
  })
  async callback(
    @ValidQuery(ConsentCallbackQuerySchema) query: ConsentCallbackQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const result = await this.flow.callback(
      query,
      bindingFrom(ORGWIDE_BINDING, req.headers.cookie),
    );
    if (endsBoundSignIn(result.outcome)) {
      res.append(
        'set-cookie',
        clearedBindingCookie(ORGWIDE_BINDING, this.config.http.publicApiUrl),
      );
    }
    res.setHeader('cache-control', 'no-store');
    res.redirect(302, result.redirectTo);
  }

  @Get('permissions')
  @Roles('admin')
  @Contract({
    summary: 'Requested, granted, needed, excess and missing permissions',
    response: PermissionReportSchema,
    tags: TAGS,
  })
  getPermissions(@CurrentCaller() caller: Caller) {
    return this.permissions.report(caller.orgId);
  }

  @Post('permissions/recheck')
  @Roles('admin')
  @Contract({
    summary: 'Queue a fresh permission check against Microsoft Entra',
    response: QueuedSchema,
    status: 202,
    tags: TAGS,
  })
  async recheckPermissions(@CurrentCaller() caller: Caller) {
    const jobId = await this.recheck.requestSoon(caller.orgId);
    return { queued: 1, jobIds: [jobId] };
  }

  @Get('status')
  // Rox backends read it too: a connection.changed notice tells them to look.
  @Roles('admin', 'member', 'service')
  @Contract({ summary: 'Connection status', response: OrgwideStatusSchema, tags: TAGS })
  getStatus(@CurrentCaller() caller: Caller) {
    return this.statuses.status(caller.orgId);
  }

  @Delete('connection')
  @Roles('admin')
  @Contract({
    summary: 'Disconnect: stop jobs, purge synced data, return a receipt with the Entra steps',
    response: PurgeReceiptSchema,
    tags: TAGS,
  })
  disconnect(@CurrentCaller() caller: Caller) {
    return this.disconnects.disconnect(caller.orgId);
  }
}
