// The used V8 heap of a process started with `--inspect=127.0.0.1:<port>`, after a full garbage
// collection, read over the DevTools protocol: RSS keeps pages V8 has not returned to the system,
// so only the heap after a forced GC says whether a job left objects behind. Needs Node's
// WebSocket (`--experimental-websocket` on Node 20).
export async function heapAfterGcMb(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error(`no inspector target on port ${port}`);
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve, { once: true });
    socket.addEventListener('error', reject, { once: true });
  });
  let nextId = 0;
  const pending = new Map();
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data));
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error) waiter.reject(new Error(message.error.message));
    else waiter.resolve(message.result);
  });
  const send = (method) =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method }));
    });
  try {
    // Twice: weak references and finalizers let the second collection free what the first found.
    await send('HeapProfiler.collectGarbage');
    await send('HeapProfiler.collectGarbage');
    const { usedSize } = await send('Runtime.getHeapUsage');
    return Math.round(usedSize / 1024 / 1024);
  } finally {
    socket.close();
  }
}
