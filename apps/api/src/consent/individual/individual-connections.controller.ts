import { Controller, Delete, Get, Post, Req, Res } from '@nestjs/common';
import { type Request, type Response } from 'express';

import {
  CreateIndividualConnectionRequestSchema,
  IndividualCallbackQuerySchema,
  IndividualCheckResultSchema,
  IndividualConnectionListSchema,
  IndividualConnectionParamsSchema,
  IndividualConnectionSchema,
  IndividualConnectStartSchema,
  IndividualDisconnectReceiptSchema,
  ListIndividualConnectionsQuerySchema,
  type CreateIndividualConnectionRequest,
  type IndividualCallbackQuery,
  type IndividualConnectionParams,
  type ListIndividualConnectionsQuery,
} from '@rox365/contracts';

import { AppConfig } from '../../config/app-config';
import { Public, Roles } from '../../platform/auth/access.decorators';
import { CurrentCaller, type Caller } from '../../platform/auth/caller';
import {
  Contract,
  ValidBody,
  ValidParams,
  ValidQuery,
} from '../../platform/http/contract.decorators';
import {
  bindingCookie,
  bindingFrom,
  clearedBindingCookie,
  endsBoundSignIn,
  INDIVIDUAL_BINDING,
} from '../auth-state/browser-binding';
import { IndividualConnectService } from './individual-connect.service';
import { IndividualConnectionsService } from './individual-connections.service';
import { INDIVIDUAL_STATE_TTL_SECONDS } from './individual.constants';

const TAGS = ['individual-connections'];

@Controller('individual-connections')
export class IndividualConnectionsController {
  constructor(
    private readonly connections: IndividualConnectionsService,
    private readonly connect: IndividualConnectService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @Roles('admin', 'member')
  @Contract({
    summary: "The caller's own connections (admins: ?all=true for the org)",
    response: IndividualConnectionListSchema,
    tags: TAGS,
  })
  list(
    @CurrentCaller() caller: Caller,
    @ValidQuery(ListIndividualConnectionsQuerySchema) query: ListIndividualConnectionsQuery,
  ) {
    return this.connections.list(caller, query);
  }

  @Post()
  @Roles('admin', 'member')
  @Contract({
    summary:
      "Connect (or resume) the caller's Outlook Calendar or Mail: returns Microsoft's sign-in link and sets the browser-binding cookie (409 ORGWIDE_CONNECTED while connected org-wide)",
    response: IndividualConnectStartSchema,
    status: 200,
    tags: TAGS,
  })
  async create(
    @CurrentCaller() caller: Caller,
    @ValidBody(CreateIndividualConnectionRequestSchema) body: CreateIndividualConnectionRequest,
    @Res({ passthrough: true }) res: Response,
  ) {
    const start = await this.connect.start(caller, body);
    res.append(
      'set-cookie',
      bindingCookie(
        INDIVIDUAL_BINDING,
        start.browserBinding,
        this.config.http.publicApiUrl,
        INDIVIDUAL_STATE_TTL_SECONDS,
      ),
    );
    return start.response;
  }

  @Get('callback')
  @Public(
    "Microsoft's browser redirect after a member's sign-in (and after an admin used the admin-consent link); the single-use state and the browser-binding cookie authenticate it",
  )
  @Contract({
    summary: "Sign-in redirect target; ends with a 302 to the SPA's result page with an outcome",
    status: 302,
    tags: TAGS,
  })
  async callback(
    @ValidQuery(IndividualCallbackQuerySchema) query: IndividualCallbackQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const result = await this.connect.callback(
      query,
      bindingFrom(INDIVIDUAL_BINDING, req.headers.cookie),
    );
    if (endsBoundSignIn(result.outcome)) {
      res.append(
        'set-cookie',
        clearedBindingCookie(INDIVIDUAL_BINDING, this.config.http.publicApiUrl),
      );
    }
    res.setHeader('cache-control', 'no-store');
    res.redirect(302, result.redirectTo);
  }

  @Post(':id/check')
  @Roles('admin', 'member')
  @Contract({
    summary:
      "Check the caller's own connection now: a fresh token from Microsoft (a revoked sign-in turns it into needs_sign_in)",
    response: IndividualCheckResultSchema,
    status: 200,
    tags: TAGS,
  })
  check(
    @CurrentCaller() caller: Caller,
    @ValidParams(IndividualConnectionParamsSchema) params: IndividualConnectionParams,
  ) {
    return this.connections.check(caller, params.id);
  }

  @Post(':id/allow-account')
  @Roles('admin')
  @Contract({
    summary:
      "Allow a Microsoft account that differs from the member's Rox email (account_mismatch → connected)",
    response: IndividualConnectionSchema,
    status: 200,
    tags: TAGS,
  })
  allowAccount(
    @CurrentCaller() caller: Caller,
    @ValidParams(IndividualConnectionParamsSchema) params: IndividualConnectionParams,
  ) {
    return this.connections.allowAccount(caller, params.id);
  }

  @Delete(':id')
  @Roles('admin', 'member')
  @Contract({
    summary:
      "Disconnect the caller's own connection (admins: revoke anyone's): tokens and synced data purged, with a receipt",
    response: IndividualDisconnectReceiptSchema,
    tags: TAGS,
  })
  disconnect(
    @CurrentCaller() caller: Caller,
    @ValidParams(IndividualConnectionParamsSchema) params: IndividualConnectionParams,
  ) {
    return this.connections.disconnect(caller, params.id);
  }
}
