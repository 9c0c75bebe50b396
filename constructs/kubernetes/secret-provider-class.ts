// A Secrets Store CSI driver SecretProviderClass (secrets-store.csi.x-k8s.io/v1): what the driver's provider for the
// workload's backend mounts into its pods, authenticating as the pod's own service account. Parameter names are each
// provider's own, read at the versions named below; the driver passes `parameters` to the provider unchanged (the CRD
// types spec.parameters as a map of strings: kubernetes-sigs/secrets-store-csi-driver,
// config/crd/bases/secrets-store.csi.x-k8s.io_secretproviderclasses.yaml).
import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import { Construct } from "constructs";
import { stringify } from "yaml";
import { MANAGED_BY_LABEL, WORKLOAD_ANNOTATION } from "./labels";

export const SECRET_PROVIDER_CLASS_API_VERSION = "secrets-store.csi.x-k8s.io/v1";
/** The CSI driver name pods' csi volumes use. */
export const SECRETS_STORE_CSI_DRIVER = "secrets-store.csi.k8s.io";

/** One mounted file: from a secret as a whole, or one field of its JSON value. */
export interface CsiFile {
  /** The file name in the volume. */
  readonly file: string;
  /** The field of the value; undefined for the whole value. */
  readonly field?: string;
}

export interface CsiSecret {
  /** Where the backend keeps it: the Secrets Manager name, the Key Vault secret name, or the Vault API path read. */
  readonly remoteKey: string;
  readonly files: readonly CsiFile[];
}

/** AWS Secrets and Configuration Provider (aws/secrets-store-csi-driver-provider-aws, server/server.go, provider/secret_descriptor.go). */
export interface AwsCsiBackend {
  readonly kind: "aws";
  readonly region: string;
}

/** Azure Key Vault provider with workload identity (Azure/secrets-store-csi-driver-provider-azure, pkg/provider/types). */
export interface AzureCsiBackend {
  readonly kind: "azure";
  readonly keyVaultName: string;
  readonly tenantId: string;
  /** Client id of the workload's managed identity (the service account's azure.workload.identity/client-id). */
  readonly clientId: string;
}

/** Vault CSI provider with Kubernetes auth as the pod's service account (hashicorp/vault-csi-provider, internal/config/config.go). */
export interface VaultCsiBackend {
  readonly kind: "vault";
  readonly address: string;
  readonly role: string;
  /** The Kubernetes auth mount of the pod's cluster, without auth/. */
  readonly authPath: string;
  readonly audience: string;
  /** @default - no Vault Enterprise namespace */
  readonly namespace?: string;
}

export type CsiBackend = AwsCsiBackend | AzureCsiBackend | VaultCsiBackend;

export interface SecretProviderClassProps {
  readonly namespace: string;
  readonly name: string;
  readonly backend: CsiBackend;
  readonly secrets: readonly CsiSecret[];
  /** `<app>/<workload>` it serves. */
  readonly workload: string;
}

const FILE = /^[A-Za-z0-9._-]+$/;

export class SecretProviderClass extends Construct {
  readonly resource: Manifest;
  readonly name: string;
  readonly namespace: string;
  /** spec.parameters, as synthesized. */
  readonly parameters: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: SecretProviderClassProps) {
    super(scope, id);
    if (props.secrets.length === 0) throw new Error(`${this.node.path}: a SecretProviderClass needs at least one secret`);
    const files = props.secrets.flatMap((s) => s.files.map((f) => f.file));
    for (const f of files) if (!FILE.test(f)) throw new Error(`${this.node.path}: file name ${f} must be letters, digits, ., _ and -`);
    const twice = files.find((f, i) => files.indexOf(f) !== i);
    if (twice) throw new Error(`${this.node.path}: two objects would write the file ${twice}`);
    this.name = props.name;
    this.namespace = props.namespace;
    this.parameters = parametersOf(props.backend, props.secrets);
    this.resource = new Manifest(this, "manifest", {
      manifest: {
        apiVersion: SECRET_PROVIDER_CLASS_API_VERSION,
        kind: "SecretProviderClass",
        metadata: {
          name: props.name,
          namespace: props.namespace,
          labels: { [MANAGED_BY_LABEL]: "secrets-platform" },
          annotations: { [WORKLOAD_ANNOTATION]: props.workload },
        },
        spec: { provider: props.backend.kind, parameters: { ...this.parameters } },
      },
    });
  }
}

/** `objects` is a YAML document inside a string parameter, for every provider. */
function parametersOf(backend: CsiBackend, secrets: readonly CsiSecret[]): Record<string, string> {
  switch (backend.kind) {
    case "aws":
      return {
        region: backend.region,
        // false: IRSA, the role of the pod's service account annotation (the provider's default; server.go usePodIdentity).
        usePodIdentity: "false",
        // objectType secretsmanager; jmesPath entries write one string field each to its objectAlias (secret_descriptor.go;
        // secret_value.go refuses a field whose value is not a string).
        objects: stringify(
          secrets.map((s) => {
            const whole = s.files.find((f) => f.field === undefined);
            const fields = s.files.filter((f) => f.field !== undefined);
            return {
              objectName: s.remoteKey,
              objectType: "secretsmanager",
              ...(whole ? { objectAlias: whole.file } : {}),
              ...(fields.length > 0 ? { jmesPath: fields.map((f) => ({ path: f.field, objectAlias: f.file })) } : {}),
            };
          }),
        ),
      };
    case "azure":
      return {
        // Workload identity: usePodIdentity false with clientID (the managed identity federated with the pod's service
        // account); tenantID is the current spelling, tenantId deprecated (pkg/provider/types/parameters.go GetTenantID).
        usePodIdentity: "false",
        clientID: backend.clientId,
        keyvaultName: backend.keyVaultName,
        tenantID: backend.tenantId,
        // objects: `array:` of YAML documents with objectName, objectType secret, objectAlias (the file name).
        objects: stringify({
          array: secrets.flatMap((s) => s.files.map((f) => stringify({ objectName: s.remoteKey, objectType: "secret", objectAlias: f.file }))),
        }),
      };
    case "vault":
      return {
        vaultAddress: backend.address,
        roleName: backend.role,
        vaultKubernetesMountPath: backend.authPath,
        // The token the provider requests for the pod's service account carries this audience (config.go "audience").
        audience: backend.audience,
        ...(backend.namespace ? { vaultNamespace: backend.namespace } : {}),
        // secretKey reads one field (under data.data for KV v2: provider.go keyFromData); without it the whole response.
        objects: stringify(secrets.flatMap((s) => s.files.map((f) => ({ objectName: f.file, secretPath: s.remoteKey, ...(f.field ? { secretKey: f.field } : {}) })))),
      };
  }
}
