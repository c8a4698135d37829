import { Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';

import {
  CreatePushEndpointRequestSchema,
  ListPushDeliveriesQuerySchema,
  PushDeliveryPageSchema,
  PushDeliveryParamsSchema,
  PushEndpointListSchema,
  PushEndpointParamsSchema,
  PushEndpointWithSecretSchema,
  RedeliverResultSchema,
  type CreatePushEndpointRequest,
  type ListPushDeliveriesQuery,
  type PushDeliveryParams,
  type PushEndpointParams,
} from '@rox365/contracts';

import { Roles } from '../platform/auth/access.decorators';
import { CurrentCaller, type Caller } from '../platform/auth/caller';
import { Contract, ValidBody, ValidParams, ValidQuery } from '../platform/http/contract.decorators';
import { PushEndpointsService } from './push-endpoints.service';
import { PushLogService } from './push-log.service';

/** Rox backends' receivers of change notices (and the console's view of their delivery log). */
@Controller('push/endpoints')
export class PushController {
  constructor(
    private readonly endpoints: PushEndpointsService,
    private readonly log: PushLogService,
  ) {}

  @Post()
  @HttpCode(201)
  @Roles('admin', 'service')
  @Contract({
    summary: 'Register a receiver of change notices; the signing secret is answered only here',
    response: PushEndpointWithSecretSchema,
    status: 201,
    tags: ['push'],
  })
  create(
    @CurrentCaller() caller: Caller,
    @ValidBody(CreatePushEndpointRequestSchema) body: CreatePushEndpointRequest,
  ) {
    return this.endpoints.create(caller.orgId, body);
  }

  @Get()
  @Roles('admin', 'service')
  @Contract({
    summary: 'The org’s push endpoints',
    response: PushEndpointListSchema,
    tags: ['push'],
  })
  list(@CurrentCaller() caller: Caller) {
    return this.endpoints.list(caller.orgId);
  }

  @Delete(':endpointId')
  @Roles('admin', 'service')
  @Contract({
    summary: 'Delete a push endpoint with its delivery log',
    status: 204,
    tags: ['push'],
  })
  async remove(
    @CurrentCaller() caller: Caller,
    @ValidParams(PushEndpointParamsSchema) params: PushEndpointParams,
  ): Promise<void> {
    await this.endpoints.remove(caller.orgId, params.endpointId);
  }

  @Post(':endpointId/rotate-secret')
  @HttpCode(200)
  @Roles('admin', 'service')
  @Contract({
    summary: 'Replace the signing secret (answered only here); the old one stops at once',
    response: PushEndpointWithSecretSchema,
    tags: ['push'],
  })
  rotateSecret(
    @CurrentCaller() caller: Caller,
    @ValidParams(PushEndpointParamsSchema) params: PushEndpointParams,
  ) {
    return this.endpoints.rotateSecret(caller.orgId, params.endpointId);
  }

  @Get(':endpointId/deliveries')
  @Roles('admin', 'service')
  @Contract({
    summary: 'The endpoint’s deliveries, newest first, each with its attempts',
    response: PushDeliveryPageSchema,
    tags: ['push'],
  })
  deliveries(
    @CurrentCaller() caller: Caller,
    @ValidParams(PushEndpointParamsSchema) params: PushEndpointParams,
    @ValidQuery(ListPushDeliveriesQuerySchema) query: ListPushDeliveriesQuery,
  ) {
    return this.log.deliveries(caller.orgId, params.endpointId, query);
  }

  @Post(':endpointId/deliveries/:deliveryId/redeliver')
  @HttpCode(202)
  @Roles('admin', 'service')
  @Contract({
    summary: 'Send a dead delivery’s notice again, with the feed’s current cursor',
    response: RedeliverResultSchema,
    status: 202,
    tags: ['push'],
  })
  redeliver(
    @CurrentCaller() caller: Caller,
    @ValidParams(PushDeliveryParamsSchema) params: PushDeliveryParams,
  ) {
    return this.log.redeliver(caller.orgId, params.endpointId, params.deliveryId);
  }
}
