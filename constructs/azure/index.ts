// Reusable Azure constructs: props only, no knowledge of the platform description.
export * from "./principal";
export * from "./role-grant";
export * from "./key-vault";
export * from "./key-vault-secret";
export * from "./private-dns-zone";
export * from "./private-endpoint";
export * from "./diagnostics";
export * from "./management-lock";
export * from "./workload-identity";
export * from "./deploying-principal";
export * from "./rbac-propagation-wait";
export * from "./pipeline-identity";
export * from "./state-container";
export * from "./function-storage";
export * from "./key-vault-events";
export * from "./rotation-function";
