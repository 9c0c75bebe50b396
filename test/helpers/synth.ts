// Synthesizes descriptions for tests. The example's stacks are built once per test file and shared.
import { Testing, TerraformStack } from "cdktf";
import { DEFAULT_CONFIG, loadPlatform, parsePlatform } from "../../config/load";
import type { Platform } from "../../config/schema";
import { StackKind, buildPlatform } from "../../stacks/platform";

/** A synthesized stack: its parsed Terraform JSON. */
export type StackJson = {
  terraform?: Record<string, any>;
  provider?: Record<string, any>;
  resource?: Record<string, Record<string, any>>;
  data?: Record<string, Record<string, any>>;
  output?: Record<string, { value: unknown; sensitive?: boolean }>;
  variable?: Record<string, any>;
  locals?: Record<string, any>;
};

export interface Synthesized {
  readonly stacks: Record<string, TerraformStack>;
  readonly json: Record<string, StackJson>;
}

export interface SynthOptions {
  readonly environments?: string[];
  readonly backends?: StackKind[];
}

export function synthPlatform(platform: Platform, options: SynthOptions = {}): Synthesized {
  const app = Testing.app();
  const refs = buildPlatform(app, platform, options);
  const stacks: Record<string, TerraformStack> = {};
  const json: Record<string, StackJson> = {};
  for (const ref of refs) {
    const stack = app.node.findChild(ref.name) as TerraformStack;
    stacks[ref.name] = stack;
    json[ref.name] = JSON.parse(Testing.synth(stack, true));
  }
  return { stacks, json };
}

export function synthYaml(yaml: string, options: SynthOptions = {}): Synthesized {
  return synthPlatform(parsePlatform(yaml, "test description"), options);
}

const examples = new Map<string, Synthesized>();
/** The example description (config/platform.yaml), synthesized once per test file and backend set. */
export function synthExample(backends?: StackKind[]): Synthesized {
  const key = backends?.join(",") ?? "all";
  let found = examples.get(key);
  if (!found) {
    found = synthPlatform(loadPlatform(DEFAULT_CONFIG), { backends });
    examples.set(key, found);
  }
  return found;
}

/** All resources of one type in a stack, by their Terraform name. */
export function resources(stack: StackJson, type: string): Record<string, any> {
  return stack.resource?.[type] ?? {};
}

/** The only resource of a type whose attributes match `where`, or a test failure. */
export function onlyResource(stack: StackJson, type: string, where: (r: any) => boolean = () => true): any {
  const found = Object.values(resources(stack, type)).filter(where);
  if (found.length !== 1) throw new Error(`expected one ${type} matching, found ${found.length}`);
  return found[0];
}
