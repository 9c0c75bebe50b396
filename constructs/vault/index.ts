// Reusable Vault constructs: they take props only and know nothing of the platform description.
export * from "./policy-document";
export * from "./workload-policy";
export * from "./kv-mount";
export * from "./token-ttl";
export * from "./kubernetes-auth";
export * from "./kubernetes-auth-role";
export * from "./approle-auth";
export * from "./approle-auth-role";
export * from "./audit-device";
export * from "./audit-devices";
export * from "./ephemeral-variable";
export * from "./database-secrets-engine";
export * from "./postgres-connection";
export * from "./postgres-dynamic-role";
export * from "./postgres-static-role";
export * from "./transit-engine";
export * from "./transit-signing-key";
