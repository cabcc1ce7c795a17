// The device ACL: rule model, kernel-exact policy evaluator, presets, v1 apply.
export type { DeviceException, DeviceRule, DeviceType } from "../runtime/device-rule.js";
export { ALL_DEVICES, DEVICE_NUMBER_MAX, formatDeviceRule, normalizeDeviceRule, parseDeviceRule } from "../runtime/device-rule.js";
export { DeviceAclError, DeviceRuleIgnoredError, UnsafeDeviceTransitionError, describeV1Write, type V1Write } from "./errors.js";
export { DevicePolicy } from "./policy.js";
export {
  DEVICE_POLICY_MAX_FILE_BYTES,
  DEVICE_POLICY_MAX_RULES,
  type DevicePolicyJson,
  type DevicePolicyRule,
  type OciDeviceRule,
} from "./policy-parse.js";
export { simulateV1Propagation, simulateV1Write, type V1WriteContext, type V1WriteOutcome } from "./simulate.js";
export { DEVICE_PRESET_NAMES, devicePreset, type DevicePresetName } from "./presets.js";
export { applyV1DevicePolicy, planV1Transition, type V1ApplyResult, type V1TransitionOptions } from "./v1.js";
export { DevicePolicyPrivilegeError } from "./privilege.js";
