// A namespaced External Secrets SecretStore that authenticates as one workload's service account, so that what it can
// read is exactly what that workload's identity is granted on the backend.
import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import { Construct } from "constructs";
import { EXTERNAL_SECRETS_API_VERSION } from "./external-secrets-api";
import { MANAGED_BY_LABEL, WORKLOAD_ANNOTATION } from "./labels";

/** AWS Secrets Manager through IRSA: ESO requests a token for the service account and assumes the role it is annotated with. */
export interface AwsStoreBackend {
  readonly kind: "aws";
  readonly region: string;
}

/** Vault KV v2 through Kubernetes auth, logging in with a token ESO requests for the service account. */
export interface VaultStoreBackend {
  readonly kind: "vault";
  /** https:// address of Vault. */
  readonly server: string;
  /** The KV v2 mount. */
  readonly kvMount: string;
  /** The Kubernetes auth mount path (without auth/). */
  readonly authPath: string;
  /** The workload's Kubernetes auth role. */
  readonly role: string;
  /** The audience the role requires in the login token. */
  readonly audience: string;
  /** @default - no Vault Enterprise namespace */
  readonly namespace?: string;
}

/** Azure Key Vault through AKS workload identity, as the managed identity the service account is annotated with. */
export interface AzureStoreBackend {
  readonly kind: "azure";
  /** https://<vault>.vault.azure.net/ */
  readonly vaultUrl: string;
  readonly tenantId: string;
}

export type StoreBackend = AwsStoreBackend | VaultStoreBackend | AzureStoreBackend;

export interface SecretStoreProps {
  readonly namespace: string;
  readonly name: string;
  /** The service account the store authenticates as (in the same namespace): never a static credential. */
  readonly serviceAccountName: string;
  readonly backend: StoreBackend;
  /** `<app>/<workload>` the store serves. */
  readonly workload: string;
}

export class SecretStore extends Construct {
  readonly resource: Manifest;
  readonly namespace: string;
  readonly name: string;
  readonly backend: StoreBackend;

  constructor(scope: Construct, id: string, props: SecretStoreProps) {
    super(scope, id);
    if (!props.serviceAccountName) throw new Error(`${this.node.path}: a SecretStore authenticates as a service account; give serviceAccountName`);
    this.namespace = props.namespace;
    this.name = props.name;
    this.backend = props.backend;
    this.resource = new Manifest(this, "manifest", {
      manifest: {
        apiVersion: EXTERNAL_SECRETS_API_VERSION,
        kind: "SecretStore",
        metadata: {
          name: props.name,
          namespace: props.namespace,
          labels: { [MANAGED_BY_LABEL]: "secrets-platform" },
          annotations: { [WORKLOAD_ANNOTATION]: props.workload },
        },
        spec: { provider: providerSpec(props.backend, props.serviceAccountName) },
      },
    });
  }
}

// Field names from the ESO v1 provider references (external-secrets.io/latest/provider/aws-secrets-manager,
// .../hashicorp-vault, .../azure-key-vault). None of them carries a credential: each names the service account.
function providerSpec(b: StoreBackend, serviceAccount: string): Record<string, unknown> {
  switch (b.kind) {
    case "aws":
      // auth.jwt.serviceAccountRef: ESO requests a token for this service account and assumes the role in its
      // eks.amazonaws.com/role-arn annotation.
      return { aws: { service: "SecretsManager", region: b.region, auth: { jwt: { serviceAccountRef: { name: serviceAccount } } } } };
    case "vault":
      return {
        vault: {
          server: b.server,
          path: b.kvMount,
          version: "v2",
          ...(b.namespace ? { namespace: b.namespace } : {}),
          auth: {
            kubernetes: {
              mountPath: b.authPath,
              role: b.role,
              // The token's aud must be the one the Vault role requires; with the client's own token as reviewer it
              // must also be an audience the API server accepts (constructs/vault/kubernetes-auth-role.ts).
              serviceAccountRef: { name: serviceAccount, audiences: [b.audience] },
            },
          },
        },
      };
    case "azure":
      // authType WorkloadIdentity with serviceAccountRef: ESO exchanges a token of this service account for the
      // managed identity named in its azure.workload.identity/client-id annotation.
      return { azurekv: { authType: "WorkloadIdentity", vaultUrl: b.vaultUrl, tenantId: b.tenantId, serviceAccountRef: { name: serviceAccount } } };
  }
}
