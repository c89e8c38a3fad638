/**
 * The layering of src/ as dependency-cruiser checks it (`npm run lint:deps`, run by `npm run
 * lint` and CI). Data flows one way: decode -> check -> translate -> verify -> run; each rule
 * below forbids an import against that flow. docs/architecture.md draws the same picture.
 *
 *   base       errors, args, hex, text, suggest, abi/ (the kernel's ABI), io/ (files and streams)
 *   stages     classic/ (decode, check, classic interpreter), ebpf/ (the internal model),
 *              translate/ (classic -> internal), verify/ (the verifier), vm/ (engines)
 *   uses       capture/ (pcap/pcapng), compile/ (pcap-filter expressions), replay/, seccomp/
 *   surface    cli/, index.ts
 */
'use strict';

const BASE = '^src/(errors|args|hex|text|suggest)\\.ts$|^src/(abi|io)/';
const STAGES_AND_USES = '^src/(classic|ebpf|translate|verify|vm|capture|compile|replay|seccomp)/';
const SURFACE = '^src/(cli/|index\\.ts$)';

/** `from` may import nothing in src/ but `allowed` (and itself). */
const only = (name, from, allowed, comment) => ({
  name,
  comment,
  severity: 'error',
  from: { path: from },
  to: { path: '^src/', pathNot: [allowed, from].join('|') },
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A cycle hides which of two modules is the lower layer.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    only('base-is-base', BASE, BASE, 'The base (errors, argument checks, text, the kernel ABI, file I/O) knows nothing of BPF stages.'),
    only('classic', '^src/classic/', BASE, 'Classic BPF comes first: it knows no internal BPF and no later stage.'),
    only('ebpf', '^src/ebpf/', BASE, 'The internal model knows no classic BPF: the translator joins the two.'),
    only('translate', '^src/translate/', `${BASE}|^src/(classic|ebpf)/`, 'The translator reads classic programs and writes internal ones.'),
    only('verify', '^src/verify/', `${BASE}|^src/ebpf/`, 'The verifier judges internal programs, wherever they came from.'),
    only('vm', '^src/vm/', `${BASE}|^src/ebpf/`, 'The engines run internal programs, wherever they came from.'),
    only('capture', '^src/capture/', BASE, 'Reading and writing captures needs no BPF at all.'),
    only('compile', '^src/compile/', `${BASE}|^src/(classic|capture)/`, 'The filter compiler writes classic programs; it names link types as captures do.'),
    {
      name: 'uses-do-not-reach-up',
      comment: 'replay and seccomp use the stages; the CLI and the library entry use them all.',
      severity: 'error',
      from: { path: STAGES_AND_USES },
      to: { path: SURFACE },
    },
    {
      name: 'replay-and-seccomp-stand-apart',
      comment: 'Two uses of the stages: neither is built on the other.',
      severity: 'error',
      from: { path: '^src/(replay|seccomp)/' },
      to: { path: '^src/(replay|seccomp)/', pathNot: '^src/$1/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.cts', '.js', '.cjs'] },
  },
};
