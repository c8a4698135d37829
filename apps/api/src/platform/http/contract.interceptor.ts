import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type Response } from 'express';
import { map, type Observable } from 'rxjs';

import { CONTRACT_METADATA, type RouteContract } from './contract.decorators';

/**
 * Sends every response through its declared schema: unknown fields are stripped, so a new
 * column never becomes public API by accident, and a wrong shape fails loudly in tests.
 */
@Injectable()
export class ContractInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const contract = this.reflector.get<RouteContract | undefined>(
      CONTRACT_METADATA,
      context.getHandler(),
    );
    if (contract?.status) {
      context.switchToHttp().getResponse<Response>().status(contract.status);
    }
    return next
      .handle()
      .pipe(map((body: unknown) => (contract?.response ? contract.response.parse(body) : body)));
  }
}
