// Helpers for the kubernetes-<env> tests. Cross-stack references only become terraform_remote_state reads when the
// whole app synthesizes (App.synth prepares every stack first), so these tests synthesize the app into a temporary
// folder and read cdktf.out as `cdktf deploy` would.
import { App } from "cdktf";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEFAULT_CONFIG, loadPlatform, parsePlatform } from "../../config/load";
import type { Platform } from "../../config/schema";
import { buildPlatform, BuildOptions } from "../../stacks/platform";
import type { StackJson } from "./synth";

export interface AppOutput {
  /** cdk.tf.json of every stack, by name. */
  readonly json: Record<string, StackJson>;
  /** cdktf.out/manifest.json */
  readonly manifest: any;
}

export function synthApp(description: Platform | string, options: BuildOptions = {}): AppOutput {
  const platform = typeof description === "string" ? parsePlatform(description, "test description") : description;
  const outdir = mkdtempSync(path.join(os.tmpdir(), "k8s-app-"));
  try {
    const app = new App({ outdir });
    buildPlatform(app, platform, options);
    app.synth();
    const manifest = JSON.parse(readFileSync(path.join(outdir, "manifest.json"), "utf8"));
    const json: Record<string, StackJson> = {};
    for (const [name, s] of Object.entries<any>(manifest.stacks)) json[name] = JSON.parse(readFileSync(path.join(outdir, s.synthesizedStackPath), "utf8"));
    return { json, manifest };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

let example: AppOutput | undefined;
/** The example description, synthesized as one app once per test file. */
export function exampleApp(): AppOutput {
  return (example ??= synthApp(loadPlatform(DEFAULT_CONFIG)));
}

/** A Kubernetes object the stack creates, whatever Terraform resource type carries it. */
export interface KubeObject {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  /** The Terraform resource's attributes (for kubernetes_manifest, `manifest` holds the object). */
  readonly resource: Record<string, any>;
  /** The object as Kubernetes sees it (manifest), or the resource's attributes. */
  readonly body: Record<string, any>;
}

const meta = (r: any) => (Array.isArray(r.metadata) ? r.metadata[0] : r.metadata) ?? {};

export function kubeObjects(stack: StackJson): KubeObject[] {
  const out: KubeObject[] = [];
  const res = stack.resource ?? {};
  for (const r of Object.values<any>(res.kubernetes_service_account_v1 ?? {})) out.push({ kind: "ServiceAccount", namespace: meta(r).namespace, name: meta(r).name, resource: r, body: r });
  for (const r of Object.values<any>(res.kubernetes_cluster_role_binding_v1 ?? {})) out.push({ kind: "ClusterRoleBinding", name: meta(r).name, resource: r, body: r });
  for (const r of Object.values<any>(res.kubernetes_manifest ?? {})) {
    out.push({ kind: r.manifest.kind, namespace: r.manifest.metadata.namespace, name: r.manifest.metadata.name, resource: r, body: r.manifest });
  }
  const known = new Set(["kubernetes_service_account_v1", "kubernetes_cluster_role_binding_v1", "kubernetes_manifest"]);
  for (const type of Object.keys(res)) if (!known.has(type)) throw new Error(`unexpected resource type ${type} in a kubernetes stack`);
  return out;
}

/** "Kind namespace/name" of every object, sorted: what a test compares with the expected set. */
export function objectKeys(stack: StackJson): string[] {
  return kubeObjects(stack)
    .map((o) => `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}`)
    .sort();
}

/** Machine-specific paths (the local backend's absolute state path) replaced, for snapshots. */
export function withoutLocalPaths<T>(json: T): T {
  const cwd = process.cwd();
  return JSON.parse(JSON.stringify(json).split(cwd).join("<cwd>"));
}
