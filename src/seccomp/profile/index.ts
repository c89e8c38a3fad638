/**
 * Docker/Podman/OCI JSON seccomp profiles compiled into the filter a runtime installs (runc
 * over libseccomp): compileSeccompProfile returns a SeccompFilter, so evaluate, summary and
 * the vitest matchers work on a profile directly.
 */
export { compileSeccompProfile, type CompiledSeccompProfile, type CompiledProfileInfo, type CompileProfileOptions } from './compile.js';
export {
  PROFILE_ACTIONS, PROFILE_OPS, parseSeccompProfile,
  type ProfileAction, type ProfileArg, type ProfileArchMap, type ProfileFilter, type ProfileOp, type ProfileSyscall, type SeccompProfile,
} from './parse.js';
export { DOCKER_DEFAULT_CAPS } from './resolve.js';
