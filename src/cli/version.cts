/**
 * The package's version, for `--version`. yargs would look for a package.json from the
 * working directory when the entry point is an ES module, and print "unknown" (or another
 * package's version) anywhere but here. In the bundle this require is inlined at build time.
 */
export const version: string = (require('../../package.json') as { version: string }).version;
