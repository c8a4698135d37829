/**
 * Reads one item ahead of the consumer: while the caller works on an item (a delta page being
 * committed), the next one is already being fetched (the next Graph page). Errors of the source
 * surface when the caller asks for that item, never earlier; stopping early closes the source.
 */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
  const iterator = source[Symbol.asyncIterator]();
  let next = iterator.next();
  // Awaited below; this only keeps a failure the caller never asks for from going unhandled.
  next.catch(() => undefined);
  let finished = false;
  try {
    for (;;) {
      const current = await next;
      if (current.done) {
        finished = true;
        return;
      }
      next = iterator.next();
      next.catch(() => undefined);
      yield current.value;
    }
  } catch (error) {
    finished = true;
    throw error;
  } finally {
    // The caller stopped early: let the pending read settle, then close the source.
    if (!finished) {
      await next.catch(() => undefined);
      await iterator.return?.();
    }
  }
}
