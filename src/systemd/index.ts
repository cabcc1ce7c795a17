// The systemd driver's public surface: rootless transient scopes in the calling user's own manager.
export { SystemdError, type SystemdConnectOptions, type SystemdErrorKind, type SystemdManager, type JobResult } from "./manager.js";
export type { DelegatedScope, DroppedProperty, TransientScopeRequest } from "./scope.js";
export type { ScopeWriteGuard } from "./guard.js";
export type { UnitProperty, UnitPropertyValue } from "./properties.js";
export {
  connectUserManager,
  readUserDelegation,
  startUserScope,
  userDelegateDropIn,
  userDelegateFix,
  UserDelegationError,
  USER_DEFAULT_SLICE,
  USER_DELEGATE_CONTROLLERS,
  USER_DELEGATE_DROP_IN,
  type UserDelegation,
} from "./user.js";
