import { randomUUID } from 'node:crypto';
import { type ServerResponse } from 'node:http';

import { PROBLEM_CONTENT_TYPE, type Problem } from '@rox365/contracts';

import { problemType } from './problem-details.filter';

const TITLES: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  500: 'Internal Server Error',
};

/**
 * A problem+json answer for handlers outside Nest's routing (the worker's metrics listener, the
 * queue dashboard's gate), in the same shape the ProblemDetailsFilter writes.
 */
export function writePlainProblem(
  res: ServerResponse,
  problem: { status: number; code: string; detail: string; requestId?: string },
  headers: Record<string, string> = {},
): void {
  const body: Problem = {
    type: problemType(problem.code),
    title: TITLES[problem.status] ?? 'Error',
    status: problem.status,
    detail: problem.detail,
    code: problem.code,
    requestId: problem.requestId ?? randomUUID(),
  };
  res.writeHead(problem.status, {
    ...headers,
    'content-type': PROBLEM_CONTENT_TYPE,
    'cache-control': 'no-store',
  });
  res.end(JSON.stringify(body));
}
