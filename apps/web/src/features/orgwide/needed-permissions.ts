import {
  covers,
  isApplicationPermission,
  REQUESTED_APPLICATION_PERMISSIONS,
} from '@rox365/scope-policy';

export interface NeededPermissionRow {
  /** The permission as the consent page and Entra name it. */
  name: string;
  /** Why it appears under another name than the configuration's need, if it does. */
  note: string | null;
  isMissing: boolean;
}

/**
 * The needed permissions as the admin meets them on Microsoft's consent page and in Entra, so
 * this list agrees with the wizard's review: User.Read.All is not on the consent page, and
 * Directory.Read.All (granted) is what provides the directory.
 */
export function neededPermissionRows(report: {
  needed: readonly string[];
  granted: readonly string[];
  missing: readonly { permission: string; grantWith: string }[];
}): NeededPermissionRow[] {
  return report.needed.map((needed) => {
    const missing = report.missing.find((m) => m.permission === needed);
    if (missing) {
      return missing.grantWith === needed
        ? { name: needed, note: null, isMissing: true }
        : { name: missing.grantWith, note: `provides ${needed}`, isMissing: true };
    }
    if (report.granted.includes(needed) || !isApplicationPermission(needed)) {
      return { name: needed, note: null, isMissing: false };
    }
    const provider = report.granted.find(
      (g) =>
        isApplicationPermission(g) &&
        REQUESTED_APPLICATION_PERMISSIONS.includes(g) &&
        covers(g, needed),
    );
    return provider
      ? { name: provider, note: `provides ${needed}`, isMissing: false }
      : { name: needed, note: null, isMissing: false };
  });
}
