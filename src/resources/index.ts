export * from "./conversions.js";
export * from "./limits.js";
export * from "./oci.js";
export * from "./usage.js";
export * from "./effective.js";
