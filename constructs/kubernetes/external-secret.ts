// One External Secrets ExternalSecret: one secret of the backend, synced into one native Secret that it owns.
import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import { Construct } from "constructs";
import { EXTERNAL_SECRETS_API_VERSION } from "./external-secrets-api";
import { MANAGED_BY_LABEL, SECRET_PATH_ANNOTATION, WORKLOAD_ANNOTATION } from "./labels";
import { durationSeconds } from "./refresh-interval";
import type { SecretStore } from "./secret-store";

export interface ExternalSecretProps {
  /** The store it reads through; the ExternalSecret lives in the store's namespace. */
  readonly store: SecretStore;
  /** Name of the ExternalSecret and of the Secret it creates. */
  readonly name: string;
  /** The name or path the backend knows the secret by (Secrets Manager name, KV path under the mount, Key Vault name). */
  readonly remoteKey: string;
  /** The logical path <env>/<app>/<secret>, recorded on the object. */
  readonly secretPath: string;
  /** `<app>/<workload>` it syncs for. */
  readonly workload: string;
  /** How often ESO reads the backend again, a Go duration such as "1h" or "24m". */
  readonly refreshInterval: string;
  /**
   * The value is a JSON object whose fields become the Secret's keys (dataFrom extract). When it is a bare value
   * instead (a token in Key Vault), this names the one key it is written to.
   * @default - the value is JSON
   */
  readonly plainValueKey?: string;
  /**
   * Keys of the Secret built from the value's fields with ESO's template engine v2 (target.template.data, each value a
   * Go template over the extracted fields, e.g. "{{ .username }}"; https://external-secrets.io/latest/guides/templating/).
   * Only these keys are written (the template's default mergePolicy Replace).
   * @default - one key per field of the value
   */
  readonly template?: Readonly<Record<string, string>>;
}

export class ExternalSecret extends Construct {
  readonly resource: Manifest;
  readonly targetName: string;

  constructor(scope: Construct, id: string, props: ExternalSecretProps) {
    super(scope, id);
    const seconds = durationSeconds(props.refreshInterval);
    if (Number.isNaN(seconds)) throw new Error(`${this.node.path}: refreshInterval ${props.refreshInterval} is not a duration such as 1h or 24m`);
    if (props.template && Object.keys(props.template).length === 0) throw new Error(`${this.node.path}: a template needs at least one key`);
    if (seconds === 0) {
      throw new Error(`${this.node.path}: refreshInterval ${props.refreshInterval} would sync once and never again; a rotated secret would go stale`);
    }
    this.targetName = props.name;
    const source = props.plainValueKey
      ? { data: [{ secretKey: props.plainValueKey, remoteRef: { key: props.remoteKey } }] }
      : { dataFrom: [{ extract: { key: props.remoteKey } }] };
    this.resource = new Manifest(this, "manifest", {
      manifest: {
        apiVersion: EXTERNAL_SECRETS_API_VERSION,
        kind: "ExternalSecret",
        metadata: {
          name: props.name,
          namespace: props.store.namespace,
          labels: { [MANAGED_BY_LABEL]: "secrets-platform" },
          annotations: { [WORKLOAD_ANNOTATION]: props.workload, [SECRET_PATH_ANNOTATION]: props.secretPath },
        },
        spec: {
          refreshInterval: props.refreshInterval,
          secretStoreRef: { name: props.store.name, kind: "SecretStore" },
          // Owner: the Secret carries an owner reference to this ExternalSecret and goes away with it (ESO docs,
          // "creationPolicy"), so no copy of the value outlives the grant.
          target: {
            name: props.name,
            creationPolicy: "Owner",
            ...(props.template ? { template: { engineVersion: "v2", data: { ...props.template } } } : {}),
          },
          ...source,
        },
      },
    });
  }
}
