// Issue 19, item 12: where the stacks a person applies keep their state. bootstrap-<env> keeps local state at the same
// relative path as every other stack (an absolute path would tie it, and plans made from it, to one checkout), and
// production warns about every local state file, kubernetes-<env> included.
import { AnnotationMetadataEntryType } from "cdktf";
import type { IConstruct } from "constructs";
import * as os from "node:os";
import * as path from "node:path";
import { DEFAULT_CONFIG, loadPlatform, parsePlatform } from "../config/load";
import { synthPlatform } from "./helpers/synth";
import { toYaml } from "./helpers/descriptions";

const warningsOf = (stack: IConstruct) => stack.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.WARN).map((m) => String(m.data));
const example = synthPlatform(loadPlatform(DEFAULT_CONFIG), { backends: ["bootstrap", "kubernetes"] });

it.each(["dev", "prod"])("bootstrap-%s keeps terraform.bootstrap-%s.tfstate in the project folder, by a relative path", (env) => {
  const local = example.json[`bootstrap-${env}`].terraform!.backend.local.path;
  expect(path.isAbsolute(local)).toBe(false);
  const project = path.join(os.tmpdir(), "some-checkout");
  expect(path.resolve(project, "cdktf.out", "stacks", `bootstrap-${env}`, local)).toBe(path.join(project, `terraform.bootstrap-${env}.tfstate`));
});

it("warns about kubernetes-<env>'s local state in production, as about every other stack's, and not once it names a backend", () => {
  const d: any = structuredClone(loadPlatform(DEFAULT_CONFIG));
  d.environments = { prod: d.environments.prod, dev: d.environments.dev };
  delete d.environments.prod.kubernetes.backend;
  delete d.environments.dev.kubernetes.backend;
  const { stacks } = synthPlatform(parsePlatform(toYaml(d), "k8s-local"), { backends: ["kubernetes"] });
  expect(warningsOf(stacks["kubernetes-prod"])).toContainEqual(expect.stringMatching(/^kubernetes-prod keeps its Terraform state in a local file: .*Give the environment a remote state backend/));
  expect(warningsOf(stacks["kubernetes-dev"]).filter((w) => /local file/.test(w))).toEqual([]);
  // The example's kubernetes-prod names one.
  expect(warningsOf(example.stacks["kubernetes-prod"]).filter((w) => /local file/.test(w))).toEqual([]);
  // bootstrap-<env> keeps local state by design (a person applies it once; it creates the remote storage): no warning.
  expect(warningsOf(example.stacks["bootstrap-prod"])).toEqual([]);
});
