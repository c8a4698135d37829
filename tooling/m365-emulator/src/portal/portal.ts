import type { EmulatorState } from '../state/emulator-state';
import type { EmuReply, EmuRequest } from '../http/types';

/** Routes /portal/... pages; undefined for other paths. */
export function routePortal(_state: EmulatorState, req: EmuRequest): EmuReply | undefined {
  if (!req.path.startsWith('/portal')) return undefined;
  return undefined;
}
