// One Vault audit device. Values in audit entries stay HMAC'd (log_raw is always false).
import type { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { Audit } from "@cdktf/provider-vault/lib/audit";

/** Where an audit device writes. */
export type AuditDeviceTarget =
  | { readonly type: "file"; /** Absolute path on the Vault servers, or "stdout". */ readonly filePath: string; /** @default "0600" */ readonly mode?: string }
  | { readonly type: "syslog"; /** @default "vault" */ readonly tag?: string; /** @default "AUTH" */ readonly facility?: string }
  | { readonly type: "socket"; /** host:port */ readonly address: string; /** @default "tcp" */ readonly socketType?: "tcp" | "udp" };

export interface AuditDeviceProps {
  readonly target: AuditDeviceTarget;
  /**
   * The device path in sys/audit.
   * @default - the target type (file, syslog or socket)
   */
  readonly path?: string;
  /**
   * @default - "<type> audit device, managed by the secrets platform"
   */
  readonly description?: string;
  /**
   * Vault Enterprise namespace.
   * @default - the provider's namespace
   */
  readonly namespace?: string;
  /**
   * The provider to create the device with. On Vault Enterprise, sys/audit exists only in the root
   * namespace, so a stack whose provider targets a child namespace passes a root-namespace provider.
   * @default - the stack's default Vault provider
   */
  readonly provider?: TerraformProvider;
}

export class AuditDevice extends Construct {
  readonly path: string;
  readonly resource: Audit;

  constructor(scope: Construct, id: string, props: AuditDeviceProps) {
    super(scope, id);
    const t = props.target;
    this.path = props.path ?? t.type;
    if (!/^[a-z][a-z0-9_-]*$/.test(this.path)) throw new Error(`audit device path "${this.path}" is invalid: use lowercase letters, digits, _ and -`);
    this.resource = new Audit(this, "device", {
      type: t.type,
      path: this.path,
      description: props.description ?? `${t.type} audit device, managed by the secrets platform`,
      options: { format: "json", log_raw: "false", hmac_accessor: "true", ...targetOptions(t) },
      namespace: props.namespace,
      provider: props.provider,
    });
  }
}

function targetOptions(t: AuditDeviceTarget): Record<string, string> {
  switch (t.type) {
    case "file":
      // stdout is a keyword of the file device, not a file: no mode to set.
      if (t.filePath === "stdout") return { file_path: "stdout" };
      if (!t.filePath.startsWith("/")) throw new Error(`file audit device: filePath "${t.filePath}" must be an absolute path or stdout`);
      return { file_path: t.filePath, mode: t.mode ?? "0600" };
    case "syslog":
      return { tag: t.tag ?? "vault", facility: t.facility ?? "AUTH" };
    case "socket":
      if (!/^[^\s:]+:\d+$/.test(t.address)) throw new Error(`socket audit device: address "${t.address}" must be host:port`);
      return { address: t.address, socket_type: t.socketType ?? "tcp" };
  }
}
