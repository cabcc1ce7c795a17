export * from "./conversions.js";
// The planning and restore helpers of limits.js are internal (the declarative apply shares them): not re-exported.
export { applyResources, ResourceApplyError, type ApplyResourcesOptions, type ApplyResourcesResult, type IoDeviceRate, type IoDeviceWeight, type ResourceLimits } from "./limits.js";
export * from "./oci.js";
export * from "./usage.js";
export * from "./effective.js";
