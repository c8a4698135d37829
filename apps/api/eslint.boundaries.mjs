// Which API folder may import which (docs/architecture.md, "Dependency rules").
// Features form one chain, members ← consent ← directory ← mailboxes ← {calendar, mail} ← notifications: a
// feature imports only features to its left. platform imports no feature. Specs are exempt,
// since a test may compose features to exercise a lower layer.

/** The features in dependency order; an inner array is one layer whose folders are peers. */
export const FEATURE_LAYERS = [
  ['members'],
  ['consent'],
  ['directory'],
  ['mailboxes'],
  ['calendar', 'mail'],
  ['notifications'],
];

// Tools that sit beside the chain: never imported by platform or a feature.
const TOOLS = ['dev-identity', 'cli'];

// Features beside the chain that hear about the others only through platform/lifecycle: they
// import no feature, and no feature imports them.
const LISTENERS = ['push'];

// no-restricted-imports takes one options object per config, so each folder's rule repeats the
// package entry-point rule of @rox365/config-eslint's base config.
const PACKAGE_ENTRY_ONLY = {
  group: ['@rox365/*/src', '@rox365/*/src/**', '@rox365/*/dist/**'],
  message: 'Import a package only through its entry point.',
};

function forbidFolders(folders, message) {
  return {
    // Relative paths that climb out of the importing folder into a forbidden sibling.
    regex: `^(\\.\\./)+(${folders.join('|')})(/|$)`,
    message,
  };
}

function rule(folder, forbidden, message) {
  return {
    files: [`src/${folder}/**/*.ts`],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [PACKAGE_ENTRY_ONLY, forbidFolders(forbidden, message)] },
      ],
    },
  };
}

const allFeatures = FEATURE_LAYERS.flat();

export const featureBoundaries = [
  rule(
    'platform',
    [...allFeatures, ...LISTENERS, ...TOOLS],
    'platform is infrastructure: it imports no feature.',
  ),
  ...FEATURE_LAYERS.flatMap((layer, depth) =>
    layer.map((folder) =>
      rule(
        folder,
        [
          ...FEATURE_LAYERS.slice(depth)
            .flat()
            .filter((f) => f !== folder),
          ...LISTENERS,
          ...TOOLS,
        ],
        `${folder} may import only ${FEATURE_LAYERS.slice(0, depth).flat().join(', ') || 'platform and config'} (members ← consent ← directory ← mailboxes ← {calendar, mail} ← notifications); register into platform/lifecycle instead of importing a higher feature.`,
      ),
    ),
  ),
  ...LISTENERS.map((folder) =>
    rule(
      folder,
      [...allFeatures, ...LISTENERS.filter((f) => f !== folder), ...TOOLS],
      `${folder} may import only platform and config: it hears about features through platform/lifecycle.`,
    ),
  ),
  rule(
    'dev-identity',
    [...allFeatures.filter((f) => f !== 'members'), ...LISTENERS, 'cli'],
    'dev-identity may import only members.',
  ),
];
