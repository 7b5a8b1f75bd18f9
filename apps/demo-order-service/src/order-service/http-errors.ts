import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import {
  AggregateNotFoundError,
  ConcurrencyError,
  errorTypeOf,
  InvalidArgumentError,
  UnavailableError,
  type Logger,
} from '@eventsource/core';
import { OrderRuleError } from '../domain/order-rule-error.ts';

/** Every error answer has this shape: a stable `error` code and a sentence for humans. */
export interface ErrorBody {
  readonly error: string;
  readonly message: string;
  readonly [detail: string]: unknown;
}

function answer(error: unknown): { status: number; body: ErrorBody } {
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.validation !== undefined) {
    return {
      status: 400,
      body: {
        error: 'invalid_request',
        message: fastifyError.message ?? 'invalid request',
        issues: fastifyError.validation.map((issue) => ({
          path: issue.instancePath || '/',
          message: issue.message,
        })),
      },
    };
  }
  if (error instanceof AggregateNotFoundError) {
    return { status: 404, body: { error: 'not_found', message: `Order ${error.aggregateId} not found` } };
  }
  if (error instanceof ConcurrencyError) {
    return {
      status: 409,
      body: {
        error: 'concurrency_conflict',
        message: error.message,
        expectedVersion: error.expectedVersion,
        actualVersion: error.actualVersion,
      },
    };
  }
  if (error instanceof OrderRuleError) {
    return { status: 422, body: { error: 'rule_violated', message: error.message } };
  }
  if (error instanceof InvalidArgumentError) {
    return { status: 400, body: { error: 'invalid_request', message: error.message } };
  }
  if (error instanceof UnavailableError) {
    return { status: 503, body: { error: 'unavailable', message: 'A backing service is unavailable' } };
  }
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return { status, body: { error: 'invalid_request', message: fastifyError.message ?? 'invalid request' } };
  }
  return { status: 500, body: { error: 'internal', message: 'Internal error' } };
}

/** Maps the library's typed errors to HTTP answers; 5xx are logged (with the request's trace id). */
export function errorHandler(logger: Logger) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = answer(error);
    if (status >= 500) {
      logger.error({ route: request.routeOptions.url, error: errorTypeOf(error) }, 'request failed');
    }
    return reply.status(status).send(body);
  };
}
