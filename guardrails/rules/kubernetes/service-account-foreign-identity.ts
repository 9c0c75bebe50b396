import type { ResourceRule } from "../../rule";
import { AZURE_CLIENT_ID_ANNOTATION as AZURE_CLIENT_ID, IRSA_ROLE_ANNOTATION as IRSA, WORKLOAD_ANNOTATION as WORKLOAD } from "../../../constructs/kubernetes/labels";
import { metadataOf } from "./manifests";

const escape = (v: string) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Whether an identity annotation is the workload's own. A cross-stack value is "${type.name.attr}" before cdktf
 * prepares the app and a terraform_remote_state output named cross-stack-output-<type><name><attr> after; either way
 * it names the backend stack's resource, whose construct id is <app>--<workload> (or <app>--<workload>--workload) on AWS
 * and <app>-<workload> on Azure.
 * A literal IAM role ARN must end in -<app>-<workload>; a literal client id cannot be traced to a workload.
 */
function ownIdentity(annotation: string, value: unknown, workload: string): string | undefined {
  const [app, name] = workload.split("/").map(escape);
  if (typeof value !== "string") return `${annotation} is not a string`;
  if (annotation === IRSA) {
    // <app>--<workload>--workload where a secret of the application has the workload's name (stacks/aws-stack.ts).
    if (new RegExp(`aws_iam_role\\.?${app}--${name}(--workload)?_role_`).test(value)) return undefined;
    if (!value.includes("${") && new RegExp(`:role/(.*-)?${app}-${name}$`).test(value)) return undefined;
    return `${IRSA} is ${value}, which is not the IAM role of ${workload}`;
  }
  if (new RegExp(`azurerm_user_assigned_identity\\.?${app}-${name}_identity_`).test(value)) return undefined;
  return `${AZURE_CLIENT_ID} is ${JSON.stringify(value)}, which cannot be traced to ${workload}'s managed identity; take it from the azure stack`;
}

export const serviceAccountForeignIdentity: ResourceRule = {
  id: "SP-KUB-002",
  name: "Service account annotated with another workload's identity",
  reason: "A pod becomes whatever identity its service account names; another workload's role or managed identity hands it that workload's secrets.",
  fix: "Annotate each service account with its own workload's IAM role and managed identity, taken from the aws and azure stacks (the kubernetes stack does).",
  appliesTo: ["kubernetes_service_account_v1"],
  check(r) {
    const annotations = metadataOf(r).annotations ?? {};
    const identities = [IRSA, AZURE_CLIENT_ID].filter((a) => annotations[a] !== undefined);
    if (identities.length === 0) return [];
    const workload = annotations[WORKLOAD];
    if (typeof workload !== "string" || !workload.includes("/")) return [`the service account names an identity but not the workload it is for (${WORKLOAD})`];
    return identities.map((a) => ownIdentity(a, annotations[a], workload)).filter((v): v is string => v !== undefined);
  },
};
