import { randomBytes, randomUUID } from 'node:crypto';

import { Injectable } from '@nestjs/common';

import {
  type CreatePushEndpointRequest,
  type PushEndpointList,
  type PushEndpointWithSecret,
} from '@rox365/contracts';

import { AppConfig } from '../config/app-config';
import { AuditLog } from '../platform/audit/audit-log.service';
import { Cipher } from '../platform/crypto/cipher.service';
import { Transactions } from '../platform/database/transactions.service';
import { Clock } from '../platform/time/clock';
import { PushEndpoint } from './entities/push-endpoint.entity';
import { PushAddressPolicy } from './push-address';
import { PushJobs } from './push-jobs.service';
import { checkPushUrl } from './push-url';
import { MAX_ENDPOINTS_PER_ORG, PUSH_SECRET_CONTEXT } from './push.constants';
import { PushError, PushErrorCode } from './push.errors';
import { endpointToContract } from './push.mapper';
import { PushRepository } from './push.repository';

/** Registration of Rox backends' receivers: create, list, rotate the secret, delete. */
@Injectable()
export class PushEndpointsService {
  constructor(
    private readonly repo: PushRepository,
    private readonly jobs: PushJobs,
    private readonly cipher: Cipher,
    private readonly audit: AuditLog,
    private readonly tx: Transactions,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly addresses: PushAddressPolicy,
  ) {}

  async create(orgId: string, body: CreatePushEndpointRequest): Promise<PushEndpointWithSecret> {
    const checked = checkPushUrl(body.url, {
      allowLoopbackHttp: this.config.push.allowLoopbackHttp,
      addresses: this.addresses,
    });
    if (!checked.ok) {
      throw new PushError(PushErrorCode.PUSH_URL_REFUSED, 'invalid', 'The URL is not allowed.', {
        fieldErrors: [{ path: 'body.url', message: URL_REFUSALS[checked.reason] }],
      });
    }
    const secret = newSecret();
    const endpoint = new PushEndpoint({
      id: randomUUID(),
      orgId,
      url: checked.url,
      eventTypes: body.eventTypes,
      description: body.description ?? '',
      secretSealed: this.cipher.encrypt(secret, PUSH_SECRET_CONTEXT, orgId),
      now: this.clock.now(),
    });
    await this.tx.run(async () => {
      // Counted inside the transaction; two racing creates may end at the limit plus one.
      if ((await this.repo.countEndpoints(orgId)) >= MAX_ENDPOINTS_PER_ORG) {
        throw new PushError(
          PushErrorCode.PUSH_ENDPOINT_LIMIT,
          'conflict',
          `An org has at most ${MAX_ENDPOINTS_PER_ORG} push endpoints.`,
        );
      }
      await this.repo.saveEndpoint(endpoint);
      await this.audit.record({
        orgId,
        action: 'push.endpoint_created',
        target: { type: 'push_endpoint', id: endpoint.id },
        details: { url: endpoint.url, eventTypes: endpoint.eventTypes },
      });
    });
    return { ...endpointToContract(endpoint), secret };
  }

  async list(orgId: string): Promise<PushEndpointList> {
    return { items: (await this.repo.endpoints(orgId)).map(endpointToContract) };
  }

  /** A new secret, effective from the next attempt; the old one stops working at once. */
  async rotateSecret(orgId: string, endpointId: string): Promise<PushEndpointWithSecret> {
    const endpoint = await this.mustFind(orgId, endpointId);
    const secret = newSecret();
    endpoint.secretSealed = this.cipher.encrypt(secret, PUSH_SECRET_CONTEXT, orgId);
    endpoint.secretRotatedAt = this.clock.now();
    await this.tx.run(async () => {
      await this.repo.saveEndpoint(endpoint);
      await this.audit.record({
        orgId,
        action: 'push.secret_rotated',
        target: { type: 'push_endpoint', id: endpoint.id },
      });
    });
    return { ...endpointToContract(endpoint), secret };
  }

  /** Deletes the endpoint with its delivery log; its pending jobs go too. */
  async remove(orgId: string, endpointId: string): Promise<void> {
    const endpoint = await this.mustFind(orgId, endpointId);
    await this.jobs.cancelEndpoint(endpoint.id);
    await this.tx.run(async () => {
      await this.repo.deleteEndpoint(orgId, endpoint.id);
      await this.audit.record({
        orgId,
        action: 'push.endpoint_deleted',
        target: { type: 'push_endpoint', id: endpoint.id },
        details: { url: endpoint.url },
      });
    });
  }

  private async mustFind(orgId: string, endpointId: string): Promise<PushEndpoint> {
    const endpoint = await this.repo.findEndpoint(orgId, endpointId);
    if (!endpoint) {
      throw new PushError(
        PushErrorCode.PUSH_ENDPOINT_NOT_FOUND,
        'not_found',
        'No such push endpoint.',
      );
    }
    return endpoint;
  }
}

const URL_REFUSALS = {
  not_a_url: 'must be an absolute URL',
  not_https: 'must be https (plain http only to 127.0.0.1 or localhost, where allowed)',
  has_credentials: 'must not carry a user name or password',
  private_address:
    'must not be a private, loopback or link-local address (ask the operators to allow a Rox network)',
} as const;

// 32 random bytes; the prefix tells people what they are looking at.
function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}
