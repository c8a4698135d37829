import { Controller, Delete, Get, Put, Res } from '@nestjs/common';
import { type Response } from 'express';

import {
  ListMembersQuerySchema,
  MemberPageSchema,
  MemberParamsSchema,
  MemberSchema,
  PutMemberRequestSchema,
  type ListMembersQuery,
  type PutMemberRequest,
} from '@rox365/contracts';

import { Roles } from '../platform/auth/access.decorators';
import { CurrentCaller, type Caller } from '../platform/auth/caller';
import { Contract, ValidBody, ValidParams, ValidQuery } from '../platform/http/contract.decorators';
import { MembersService } from './members.service';

@Controller('members')
export class MembersController {
  constructor(private readonly members: MembersService) {}

  @Get()
  @Roles('admin', 'service')
  @Contract({ summary: 'List the org’s members', response: MemberPageSchema, tags: ['members'] })
  list(
    @CurrentCaller() caller: Caller,
    @ValidQuery(ListMembersQuerySchema) query: ListMembersQuery,
  ) {
    return this.members.list(caller.orgId, query);
  }

  @Get(':roxUserId')
  @Roles('admin', 'service')
  @Contract({ summary: 'Get one member', response: MemberSchema, tags: ['members'] })
  get(
    @CurrentCaller() caller: Caller,
    @ValidParams(MemberParamsSchema) params: { roxUserId: string },
  ) {
    return this.members.get(caller.orgId, params.roxUserId);
  }

  @Put(':roxUserId')
  @Roles('service')
  @Contract({
    summary: 'Create or replace a member (Rox backends keep the list current); 201 when created',
    response: MemberSchema,
    tags: ['members'],
  })
  async put(
    @CurrentCaller() caller: Caller,
    @ValidParams(MemberParamsSchema) params: { roxUserId: string },
    @ValidBody(PutMemberRequestSchema) body: PutMemberRequest,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { member, created } = await this.members.put(caller.orgId, params.roxUserId, body);
    res.status(created ? 201 : 200);
    return member;
  }

  @Delete(':roxUserId')
  @Roles('service')
  @Contract({
    summary: 'Remove a member; what was synced for them is purged in the background',
    status: 204,
    tags: ['members'],
  })
  async remove(
    @CurrentCaller() caller: Caller,
    @ValidParams(MemberParamsSchema) params: { roxUserId: string },
  ): Promise<void> {
    await this.members.remove(caller.orgId, params.roxUserId);
  }
}
