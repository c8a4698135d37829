import { Controller, Get, Post } from '@nestjs/common';

import {
  CreateIndividualConnectionRequestSchema,
  IndividualConnectionListSchema,
  IndividualConnectionSchema,
  ListIndividualConnectionsQuerySchema,
  type CreateIndividualConnectionRequest,
  type ListIndividualConnectionsQuery,
} from '@rox365/contracts';

import { Roles } from '../platform/auth/access.decorators';
import { CurrentCaller, type Caller } from '../platform/auth/caller';
import { Contract, ValidBody, ValidQuery } from '../platform/http/contract.decorators';
import { IndividualConnectionsService } from './individual-connections.service';

@Controller('individual-connections')
export class IndividualConnectionsController {
  constructor(private readonly connections: IndividualConnectionsService) {}

  @Get()
  @Roles('admin', 'member')
  @Contract({
    summary: "The caller's own connections (admins: ?all=true for the org)",
    response: IndividualConnectionListSchema,
    tags: ['individual-connections'],
  })
  list(
    @CurrentCaller() caller: Caller,
    @ValidQuery(ListIndividualConnectionsQuerySchema) query: ListIndividualConnectionsQuery,
  ) {
    return this.connections.list(caller, query.all);
  }

  @Post()
  @Roles('admin', 'member')
  @Contract({
    summary: 'Start an individual connection (refused while the org is connected org-wide)',
    response: IndividualConnectionSchema,
    tags: ['individual-connections'],
  })
  create(
    @CurrentCaller() caller: Caller,
    @ValidBody(CreateIndividualConnectionRequestSchema) body: CreateIndividualConnectionRequest,
  ) {
    return this.connections.create(caller, body);
  }
}
