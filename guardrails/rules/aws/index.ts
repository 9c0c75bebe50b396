// Guardrails for AWS Secrets Manager stacks: least-privilege IAM, IRSA trust, customer-managed keys,
// rotation, and rotation functions that log with retention and cannot be invoked on another account's behalf.
import type { RulePack } from "../../rule";
import { iamWildcard } from "./iam-wildcard";
import { irsaTrust } from "./irsa-trust";
import { secretWithoutCustomerKey } from "./secret-without-customer-key";
import { keyWithoutRotation } from "./key-without-rotation";
import { keyWildcardPrincipal } from "./key-wildcard-principal";
import { rotatableSecretWithoutRotation } from "./rotatable-secret-without-rotation";
import { functionWithoutLogRetention } from "./function-without-log-retention";
import { permissionWithoutSourceAccount } from "./permission-without-source-account";
import { privateDnsEndpointForFunctionsOnly } from "./private-dns-endpoint-for-functions-only";
import { rotationBeforeEndpoint } from "./rotation-before-endpoint";
import { secretWithoutReadDeny } from "./secret-without-read-deny";
import { secretPolicyLocksOutDeployer } from "./secret-policy-locks-out-deployer";
import { readDenyShutsOutGrantee } from "./read-deny-shuts-out-grantee";

export { STAR_ONLY_ACTIONS, BOUNDED_RESOURCE_PATTERNS, iamWildcard } from "./iam-wildcard";
export { irsaTrust } from "./irsa-trust";
export { secretWithoutCustomerKey } from "./secret-without-customer-key";
export { keyWithoutRotation } from "./key-without-rotation";
export { keyWildcardPrincipal } from "./key-wildcard-principal";
export { rotatableSecretWithoutRotation } from "./rotatable-secret-without-rotation";
export { functionWithoutLogRetention } from "./function-without-log-retention";
export { permissionWithoutSourceAccount } from "./permission-without-source-account";
export { privateDnsEndpointForFunctionsOnly } from "./private-dns-endpoint-for-functions-only";
export { rotationBeforeEndpoint } from "./rotation-before-endpoint";
export { secretWithoutReadDeny } from "./secret-without-read-deny";
export { secretPolicyLocksOutDeployer } from "./secret-policy-locks-out-deployer";
export { readDenyShutsOutGrantee } from "./read-deny-shuts-out-grantee";

export const AWS_RULES: RulePack = {
  name: "aws",
  rules: [
    iamWildcard,
    irsaTrust,
    secretWithoutCustomerKey,
    keyWithoutRotation,
    keyWildcardPrincipal,
    rotatableSecretWithoutRotation,
    functionWithoutLogRetention,
    permissionWithoutSourceAccount,
    privateDnsEndpointForFunctionsOnly,
    rotationBeforeEndpoint,
    secretWithoutReadDeny,
    secretPolicyLocksOutDeployer,
    readDenyShutsOutGrantee,
  ],
};
