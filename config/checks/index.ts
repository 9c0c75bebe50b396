// The cross-checks: what spans fields and so cannot be said by the schema (references, names after mapping to each
// backend, combinations), one module per concern. Each reads the raw description, so that a description with schema
// problems still gets every other problem reported in the same run.
import type { ConfigIssue } from "../load";
import { checkAdopt } from "./adopt";
import { checkAws } from "./aws";
import { checkAzure } from "./azure";
import { checkAzureRotation } from "./azure-rotation";
import { checkClusters } from "./clusters";
import { checkDelivery } from "./delivery";
import { checkKubernetes } from "./kubernetes";
import { checkPipelines } from "./pipeline";
import { checkPipelineCi } from "./pipeline-ci";
import { checkPlacement } from "./placement";
import { checkReferences } from "./references";
import { checkRotation } from "./rotation";
import { Check, isMap, rawDescription } from "./shared";
import { checkStateBackends } from "./state";
import { checkVault } from "./vault";
import { checkVaultDatabases } from "./vault-databases";

/** A description's problems are listed by concern, in this order. */
export const CROSS_CHECKS: readonly Check[] = [
  checkRotation,
  checkReferences,
  checkPlacement,
  checkAws,
  checkVault,
  checkVaultDatabases,
  checkAzure,
  checkAzureRotation,
  checkStateBackends,
  checkPipelines,
  checkPipelineCi,
  checkKubernetes,
  checkClusters,
  checkDelivery,
  checkAdopt,
];

export function crossCheck(raw: unknown): ConfigIssue[] {
  if (!isMap(raw)) return [];
  const issues: ConfigIssue[] = [];
  const add = (path: string, message: string) => issues.push({ path, message });
  const description = rawDescription(raw);
  for (const check of CROSS_CHECKS) check(description, add);
  return issues;
}
