// Types for the plain-JavaScript stack launcher in tooling/dev.
declare module '@rox365/dev/stack' {
  export interface Stack {
    webUrl: string;
    apiUrl: string;
    emulatorUrl: string;
    portalUrl: string;
    caPath: string;
    env: Record<string, string | undefined>;
    stop(): Promise<void>;
  }

  export function startStack(options?: {
    webPort?: number;
    apiPort?: number;
    emulatorPort?: number;
    database?: string;
    freshDatabase?: boolean;
    queuePrefix?: string;
    log?: (line: string) => void;
  }): Promise<Stack>;
}
