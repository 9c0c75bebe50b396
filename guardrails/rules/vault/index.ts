// Guardrails for Vault stacks: workload policies confined to their application's paths, Kubernetes roles
// bound to one service account with an audience, and enough audit devices in production.
import type { RulePack } from "../../rule";
import { policyOutsideApplication } from "./policy-outside-application";
import { policyTouchesAdminPaths } from "./policy-touches-admin-paths";
import { policyWildcard } from "./policy-wildcard";
import { kubernetesRoleWildcardBinding } from "./kubernetes-role-wildcard-binding";
import { kubernetesRoleWithoutAudience } from "./kubernetes-role-without-audience";
import { tooFewAuditDevices } from "./too-few-audit-devices";
import { kubernetesAuthWithoutCa } from "./kubernetes-auth-without-ca";
import { approleUnlimitedSecretId } from "./approle-unlimited-secret-id";
import { postgresVerifyWithoutCa } from "./postgres-verify-without-ca";
import { transitKeyLeavesVault } from "./transit-key-leaves-vault";
import { vaultSecretNeverRotates } from "./vault-secret-never-rotates";

export { ADMIN_PREFIXES } from "./policy-paths";
export { withinApplication, secretRoleOwner, policyOutsideApplication } from "./policy-outside-application";
export { policyTouchesAdminPaths } from "./policy-touches-admin-paths";
export { policyWildcard } from "./policy-wildcard";
export { kubernetesRoleWildcardBinding } from "./kubernetes-role-wildcard-binding";
export { kubernetesRoleWithoutAudience } from "./kubernetes-role-without-audience";
export { tooFewAuditDevices } from "./too-few-audit-devices";
export { kubernetesAuthWithoutCa } from "./kubernetes-auth-without-ca";
export { approleUnlimitedSecretId } from "./approle-unlimited-secret-id";
export { postgresVerifyWithoutCa } from "./postgres-verify-without-ca";
export { transitKeyLeavesVault } from "./transit-key-leaves-vault";
export { vaultSecretNeverRotates } from "./vault-secret-never-rotates";

export const VAULT_RULES: RulePack = {
  name: "vault",
  rules: [
    policyOutsideApplication,
    policyTouchesAdminPaths,
    policyWildcard,
    kubernetesRoleWildcardBinding,
    kubernetesRoleWithoutAudience,
    tooFewAuditDevices,
    kubernetesAuthWithoutCa,
    approleUnlimitedSecretId,
    postgresVerifyWithoutCa,
    transitKeyLeavesVault,
    vaultSecretNeverRotates,
  ],
};
