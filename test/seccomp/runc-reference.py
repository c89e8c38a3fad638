# The filter runc installs for a JSON seccomp profile, built with libseccomp itself
# (python3-seccomp): moby's setupSeccomp (archMap, includes/excludes) and runc's
# InitSeccomp/matchCall (getAction, redundant-rule skip, conditions on one argument split
# into separate rules), rewritten here from their documented behaviour, independently of
# src/seccomp/profile. Reads a JSON list of jobs on stdin, prints one result per job:
#   { "bpf": hex of seccomp_export_bpf, "unknown": names libseccomp cannot resolve,
#     "largest": { arch: largest number of the profile's names (runc's ENOSYS stub limit) },
#     "missing": { arch: names libseccomp has no number for on that arch } }
# or { "error": ... } where libseccomp refuses the rules.
import json, os, sys, tempfile
import seccomp

ARCH = {'SCMP_ARCH_X86_64': seccomp.Arch.X86_64, 'SCMP_ARCH_X86': seccomp.Arch.X86, 'SCMP_ARCH_X32': seccomp.Arch.X32,
        'SCMP_ARCH_AARCH64': seccomp.Arch.AARCH64, 'SCMP_ARCH_ARM': seccomp.Arch.ARM, 'SCMP_ARCH_RISCV64': seccomp.Arch.RISCV64,
        'SCMP_ARCH_PPC64LE': seccomp.Arch.PPC64LE, 'SCMP_ARCH_S390X': seccomp.Arch.S390X}
OPS = {'SCMP_CMP_NE': seccomp.NE, 'SCMP_CMP_LT': seccomp.LT, 'SCMP_CMP_LE': seccomp.LE, 'SCMP_CMP_EQ': seccomp.EQ,
       'SCMP_CMP_GE': seccomp.GE, 'SCMP_CMP_GT': seccomp.GT, 'SCMP_CMP_MASKED_EQ': seccomp.MASKED_EQ}
EPERM = 1

def action(name, errno):
    if name in ('SCMP_ACT_KILL', 'SCMP_ACT_KILL_THREAD'): return seccomp.KILL
    if name == 'SCMP_ACT_KILL_PROCESS': return seccomp.KILL_PROCESS
    if name == 'SCMP_ACT_ERRNO': return seccomp.ERRNO(EPERM if errno is None else errno)
    if name == 'SCMP_ACT_TRACE': return seccomp.TRACE(EPERM if errno is None else errno)
    if name == 'SCMP_ACT_TRAP': return seccomp.TRAP
    if name == 'SCMP_ACT_ALLOW': return seccomp.ALLOW
    if name == 'SCMP_ACT_LOG': return seccomp.LOG
    if name == 'SCMP_ACT_NOTIFY': return seccomp.NOTIFY
    raise ValueError(name)

def kernel_ge(kernel, text):
    if kernel is None: return True
    want = [int(x) for x in text.split('.')] + [0]
    return tuple(kernel) >= tuple(want[:3])

def wanted(call, goarch, caps, kernel):
    ex = call.get('excludes') or {}
    if goarch in (ex.get('arches') or []): return False
    if any(c in caps for c in (ex.get('caps') or [])): return False
    if ex.get('minKernel') and kernel_ge(kernel, ex['minKernel']): return False
    inc = call.get('includes') or {}
    if inc.get('arches') and goarch not in inc['arches']: return False
    if any(c not in caps for c in (inc.get('caps') or [])): return False
    if inc.get('minKernel') and not kernel_ge(kernel, inc['minKernel']): return False
    return True

def build(job):
    prof, host = job['profile'], job['host']
    arches = list(prof.get('architectures') or [])
    for m in prof.get('archMap') or []:
        if m['architecture'] == host:
            arches += [m['architecture']] + list(m.get('subArchitectures') or [])
    calls = [c for c in prof['syscalls'] if wanted(c, job['goarch'], set(job['caps']), job.get('kernel'))]
    default = action(prof['defaultAction'], prof.get('defaultErrnoRet'))
    f = seccomp.SyscallFilter(default)
    if ARCH[host] != seccomp.Arch.X86_64:
        # One filter holds arches of one byte order: drop this machine's before adding s390x.
        f.remove_arch(seccomp.Arch.NATIVE)
        f.add_arch(ARCH[host])
    for a in arches:
        if a in ARCH and not f.exist_arch(ARCH[a]):
            f.add_arch(ARCH[a])
    unknown, names = [], []
    for c in calls:
        act = action(c['action'], c.get('errnoRet'))
        for name in c.get('names') or [c.get('name')]:
            names.append(name)
            if act == default:
                continue
            try:
                known = seccomp.resolve_syscall(seccomp.Arch.NATIVE, name) != -1
            except Exception:
                known = False
            if not known:
                unknown.append(name)
                continue
            conds = [seccomp.Arg(a['index'], OPS[a['op']], a.get('value', 0), a.get('valueTwo', 0)) for a in c.get('args') or []]
            per_arg = [a['index'] for a in c.get('args') or []]
            if len(per_arg) != len(set(per_arg)):
                for cond in conds:
                    f.add_rule(act, name, cond)
            else:
                f.add_rule(act, name, *conds)
    largest, missing = {}, {}
    for a in arches:
        if a not in ARCH: continue
        best = 0
        for name in names:
            try:
                nr = seccomp.resolve_syscall(ARCH[a], name)
            except Exception:
                continue
            if nr > best: best = nr
        largest[a] = best
    # Names this libseccomp resolves on the host but not on a sub-arch (its tables are older
    # than the kernel's for some arches): it adds no rule there.
    for a in set(arches + [host]):
        if a not in ARCH: continue
        missing[a] = []
        for name in names:
            try:
                nr = seccomp.resolve_syscall(ARCH[a], name)
            except Exception:
                nr = -1
            if nr < 0:
                missing[a].append(name)
    fd, path = tempfile.mkstemp()
    with os.fdopen(fd, 'w+b') as fh:
        f.export_bpf(fh)
        fh.flush()
        fh.seek(0)
        data = fh.read()
    os.unlink(path)
    return {'bpf': data.hex(), 'unknown': unknown, 'largest': largest, 'missing': missing}

def attempt(job):
    # libseccomp refuses some rule sets (EEXIST); runc then fails to start the container.
    try:
        return build(job)
    except Exception as e:
        return {'error': repr(e)}

print(json.dumps([attempt(j) for j in json.load(sys.stdin)]))
