import { Injectable } from '@nestjs/common';

/** Time behind a port, so tests can pin it where an assertion depends on it. */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
