// A diagnostic setting: sends a resource's logs and metrics to a Log Analytics workspace.
import { Construct } from "constructs";
import { MonitorDiagnosticSetting } from "@cdktf/provider-azurerm/lib/monitor-diagnostic-setting";

export interface DiagnosticsProps {
  /** The resource whose logs are sent. */
  readonly targetResourceId: string;
  readonly logAnalyticsWorkspaceId: string;
  /** Log categories to send, e.g. AuditEvent for Key Vault. */
  readonly logCategories: readonly string[];
  /** Metric categories to send. @default ["AllMetrics"] */
  readonly metricCategories?: readonly string[];
  /** @default "send-to-log-analytics" */
  readonly name?: string;
}

export class Diagnostics extends Construct {
  readonly setting: MonitorDiagnosticSetting;

  constructor(scope: Construct, id: string, props: DiagnosticsProps) {
    super(scope, id);
    if (props.logCategories.length === 0) {
      throw new Error(`${this.node.path}: give at least one log category; a diagnostic setting without logs audits nothing`);
    }
    this.setting = new MonitorDiagnosticSetting(this, "setting", {
      name: props.name ?? "send-to-log-analytics",
      targetResourceId: props.targetResourceId,
      logAnalyticsWorkspaceId: props.logAnalyticsWorkspaceId,
      enabledLog: props.logCategories.map((category) => ({ category })),
      enabledMetric: (props.metricCategories ?? ["AllMetrics"]).map((category) => ({ category })),
    });
  }
}
