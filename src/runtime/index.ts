// The runtime layer generated code stands on: fs, codecs, base accessor classes, errors.
export * from "./errors.js";
export * from "./fs.js";
export * from "./fault-fs.js";
export * from "./codec.js";
export * from "./codecs/index.js";
export * from "./accessor.js";
// The rule syntax only; the match rule and access bits there are internal to the device layers.
export { ALL_DEVICES, DEVICE_NUMBER_MAX, formatDeviceRule, normalizeDeviceRule, parseDeviceRule, type DeviceRule, type DeviceType } from "./device-rule.js";
export * from "./snapshot.js";
export * from "./json.js";
export * from "./manifest.js";
