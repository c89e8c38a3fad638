/**
 * yargs, taken through require so that Node and the bundler (see package.json "bundle") both
 * load yargs 17's CommonJS build: it loads in about a quarter of the time of its ESM entry or
 * of yargs 18 (whose string-width compiles large Unicode regexes at import), and on a replay
 * that difference is as long as filtering a million packets.
 */
import yargs = require('yargs/yargs');

export = yargs;
