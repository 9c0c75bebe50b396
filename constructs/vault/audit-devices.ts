// The audit devices of a Vault cluster. Vault refuses requests when no enabled device can log them,
// so there are two by default: if one blocks (full disk, syslog down), the other keeps Vault serving.
import type { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { AuditDevice, AuditDeviceTarget } from "./audit-device";

export interface AuditDevicesProps {
  /**
   * The devices to enable, each at the path of its type (file, syslog, socket; file-2... for repeats).
   * @default - a file device at /vault/logs/audit.log and a file device on stdout
   */
  readonly targets?: readonly AuditDeviceTarget[];
  /**
   * Vault Enterprise namespace.
   * @default - the provider's namespace
   */
  readonly namespace?: string;
  /**
   * The provider to create the devices with (see AuditDeviceProps.provider).
   * @default - the stack's default Vault provider
   */
  readonly provider?: TerraformProvider;
}

/**
 * The second device writes to the server's stdout (file_path "stdout", Vault docs: audit/file), which the
 * platform's log pipeline collects from the container. Not syslog: enabling a syslog device fails where no
 * syslog socket exists, as in the official Vault image and Helm chart.
 */
export const DEFAULT_AUDIT_TARGETS: readonly AuditDeviceTarget[] = [
  { type: "file", filePath: "/vault/logs/audit.log" },
  { type: "file", filePath: "stdout" },
];

export class AuditDevices extends Construct {
  readonly devices: readonly AuditDevice[];

  constructor(scope: Construct, id: string, props: AuditDevicesProps = {}) {
    super(scope, id);
    const targets = props.targets ?? DEFAULT_AUDIT_TARGETS;
    if (targets.length === 0) throw new Error("at least one audit device is needed (two recommended); omit targets for the defaults");
    const seen = new Map<string, number>();
    this.devices = targets.map((target) => {
      const n = (seen.get(target.type) ?? 0) + 1;
      seen.set(target.type, n);
      const path = n === 1 ? target.type : `${target.type}-${n}`;
      return new AuditDevice(this, path, { target, path, namespace: props.namespace, provider: props.provider });
    });
  }

  get paths(): string[] {
    return this.devices.map((d) => d.path);
  }
}
