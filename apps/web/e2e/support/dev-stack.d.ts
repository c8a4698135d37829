// Types for the plain-JavaScript stack launcher in tooling/dev.
declare module '@rox365/dev/stack' {
  export interface Stack {
    webUrl: string;
    apiUrl: string;
    emulatorUrl: string;
    portalUrl: string;
    caPath: string;
    env: Record<string, string | undefined>;
    processes: Record<'emulator' | 'api' | 'worker', import('node:child_process').ChildProcess>;
    stop(): Promise<void>;
  }

  export function startStack(options?: {
    webPort?: number;
    apiPort?: number;
    emulatorPort?: number;
    database?: string;
    freshDatabase?: boolean;
    queuePrefix?: string;
    emulatorTenantFile?: string;
    log?: (line: string) => void;
  }): Promise<Stack>;
}
