/**
 * Bundled scenarios the simulator does not reproduce yet, and why. Each is run as an expected
 * failure; when one passes, remove it from here.
 */
export const KNOWN_GAPS: Readonly<Record<string, string>> = {
};
