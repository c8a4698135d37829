import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { type ArgumentsHost } from '@nestjs/common';
import { describe, expect, it } from 'vitest';

import { ProblemDetailsFilter } from './problem-details.filter';

// What the filter sends, through a response object that records it.
function answer(exception: unknown): { status: number; body: Record<string, unknown> } {
  const sent = { status: 0, body: {} as Record<string, unknown> };
  const res = {
    setHeader: () => res,
    status: (status: number) => {
      sent.status = status;
      return res;
    },
    type: () => res,
    send: (text: string) => {
      sent.body = JSON.parse(text) as Record<string, unknown>;
      return res;
    },
  };
  const host = {
    switchToHttp: () => ({ getResponse: () => res, getRequest: () => ({ id: 'req-1' }) }),
  } as unknown as ArgumentsHost;
  new ProblemDetailsFilter().catch(exception, host);
  return sent;
}

describe('ProblemDetailsFilter', () => {
  it('answers a unique-key race no PUT retried as 409 CONCURRENT_WRITE, not a 500', () => {
    const race = new UniqueConstraintViolationException(
      Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }),
    );
    expect(answer(race)).toEqual({
      status: 409,
      body: expect.objectContaining({
        status: 409,
        code: 'CONCURRENT_WRITE',
        detail: 'Another request wrote the same record at the same moment. Send the request again.',
      }) as unknown,
    });
    expect(answer(new Error('boom'))).toMatchObject({ status: 500, body: { code: 'INTERNAL' } });
  });
});
