import { SetMetadata } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import {
  Contract,
  CONTRACT_METADATA,
  INPUT_SCHEMAS_METADATA,
  ValidBody,
  type InputSchemas,
} from './contract.decorators';

const Item = z.object({ id: z.string() });
const Input = z.object({ name: z.string() });

class Routes {
  private readonly prefix = 'item-';

  // Below @Contract, so applied before it: its metadata must reach the wrapped handler.
  @Contract({ summary: 'one item', response: Item, status: 202 })
  @SetMetadata('rox365:probe', 'kept')
  now(): unknown {
    return { id: `${this.prefix}1`, secret: 'never sent' };
  }

  @Contract({ summary: 'one item, later', response: Item })
  async later(): Promise<unknown> {
    await Promise.resolve();
    return { id: 'b', column: 'added yesterday' };
  }

  @Contract({ summary: 'a wrong shape', response: Item })
  wrong(): unknown {
    return { id: 3 };
  }

  @Contract({ summary: 'takes a body', response: Item })
  withBody(@ValidBody(Input) body: { name: string }): unknown {
    return { id: body.name };
  }

  @Contract({ summary: 'answers nothing', status: 204 })
  nothing(): void {}
}

/** The function Nest would call for a route (the wrapped one). */
function handler(name: keyof Routes): object {
  return (Object.getOwnPropertyDescriptor(Routes.prototype, name)?.value ?? {}) as object;
}

describe('@Contract', () => {
  const routes = new Routes();

  it('sends what a handler returns through the response schema, unknown fields stripped', async () => {
    expect(routes.now()).toEqual({ id: 'item-1' });
    await expect(routes.later()).resolves.toEqual({ id: 'b' });
  });

  it('fails loudly on a wrong shape', () => {
    expect(() => routes.wrong()).toThrow(z.ZodError);
  });

  it('keeps the metadata of decorators applied before it, and the handler name', () => {
    expect(Reflect.getMetadata('rox365:probe', handler('now'))).toBe('kept');
    const inputs = Reflect.getMetadata(INPUT_SCHEMAS_METADATA, handler('withBody')) as
      InputSchemas | undefined;
    expect(inputs?.body).toBe(Input);
    expect((handler('now') as { name: string }).name).toBe('now');
    expect(routes.withBody({ name: 'n' })).toEqual({ id: 'n' });
  });

  it('records the contract and its status for Nest and the OpenAPI document', () => {
    expect(Reflect.getMetadata(CONTRACT_METADATA, handler('now'))).toMatchObject({
      summary: 'one item',
      status: 202,
    });
    expect(Reflect.getMetadata(HTTP_CODE_METADATA, handler('now'))).toBe(202);
    expect(Reflect.getMetadata(HTTP_CODE_METADATA, handler('nothing'))).toBe(204);
    expect(Reflect.getMetadata(HTTP_CODE_METADATA, handler('later'))).toBeUndefined();
  });
});
