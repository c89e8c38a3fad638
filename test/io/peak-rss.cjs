// Preloaded (`node -r`) into a CLI child by input.test.ts: at exit, writes the process's peak
// resident set size in KiB to $CBPF2EBPF_PEAK_RSS_FILE, which no portable tool reports.
'use strict';
const { writeFileSync } = require('node:fs');

process.on('exit', () => writeFileSync(process.env.CBPF2EBPF_PEAK_RSS_FILE, String(process.resourceUsage().maxRSS)));
