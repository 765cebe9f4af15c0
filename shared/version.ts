/** Reported by `/health` and `groupsync-agent --version`; bumped with package.json. */
export const GROUPSYNC_VERSION = "0.1.0";
