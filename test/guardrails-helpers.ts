// Helpers for the guardrail tests: a fresh stack of the example (or of a description) to break one thing in,
// and the error annotations its synthesis leaves, read the way cdktf reads them.
import { AnnotationMetadataEntryType, TerraformResource, TerraformStack, Testing } from "cdktf";
import type { IConstruct } from "constructs";
import { DEFAULT_CONFIG, loadPlatform, parsePlatform } from "../config/load";
import type { Platform } from "../config/schema";
import { StackKind, buildPlatform } from "../stacks/platform";

let example: Platform | undefined;

/**
 * A freshly built stack (not yet synthesized) of the example, of a YAML description, or of a platform
 * object changed after validation (as anyone's own stacks could be built, without our validation); ~50 ms.
 */
export function freshStack<T extends TerraformStack = TerraformStack>(backend: StackKind, env: string, description?: string | Platform): T {
  const platform =
    typeof description === "string" ? parsePlatform(description, "test description") : (description ?? (example ??= loadPlatform(DEFAULT_CONFIG)));
  const app = Testing.app();
  const [ref] = buildPlatform(app, platform, { environments: [env], backends: [backend] });
  if (!ref) throw new Error(`no ${backend} stack for ${env}`);
  return app.node.findChild(ref.name) as T;
}

/** The validated example, changed afterwards: for rules that validation also enforces. */
export function exampleChangedAfterValidation(change: (p: Platform) => void): Platform {
  const platform = structuredClone(loadPlatform(DEFAULT_CONFIG));
  change(platform);
  return platform;
}

export interface Annotation {
  readonly level: "error" | "warning" | "info";
  readonly path: string;
  readonly ruleId?: string;
  readonly message: string;
}

const LEVELS: Record<string, Annotation["level"]> = {
  [AnnotationMetadataEntryType.ERROR]: "error",
  [AnnotationMetadataEntryType.WARN]: "warning",
  [AnnotationMetadataEntryType.INFO]: "info",
};

/** Synthesizes the stack as tests do (aspects run) and returns every annotation on its constructs. */
export function synthAnnotations(stack: TerraformStack): Annotation[] {
  Testing.synth(stack);
  return stack.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => LEVELS[m.type])
      .map((m) => ({
        level: LEVELS[m.type],
        path: c.node.path,
        ruleId: /^\[(SP-[A-Z]+-\d{3})\]/.exec(String(m.data))?.[1],
        message: String(m.data),
      })),
  );
}

/** The errors of a synthesis as [rule id, construct path] pairs, sorted. */
export function errorsOf(stack: TerraformStack): [string | undefined, string][] {
  return synthAnnotations(stack)
    .filter((a) => a.level === "error")
    .map((a): [string | undefined, string] => [a.ruleId, a.path])
    .sort((a, b) => `${a[0]}${a[1]}`.localeCompare(`${b[0]}${b[1]}`));
}

/** The error messages of a synthesis. */
export function errorMessages(stack: TerraformStack): string[] {
  return synthAnnotations(stack)
    .filter((a) => a.level === "error")
    .map((a) => a.message);
}

/** Every provider resource of a type in the stack (L1 constructs), optionally those whose path matches. */
export function l1s(stack: IConstruct, type: string, pathPart?: string): TerraformResource[] {
  return stack.node
    .findAll()
    .filter((c): c is TerraformResource => TerraformResource.isTerraformResource(c) && c.terraformResourceType === type)
    .filter((c) => !pathPart || c.node.path.includes(pathPart));
}

/** The one provider resource of a type (whose path contains pathPart), or a test failure. */
export function l1(stack: IConstruct, type: string, pathPart?: string): TerraformResource {
  const found = l1s(stack, type, pathPart);
  if (found.length !== 1) throw new Error(`expected one ${type}${pathPart ? ` at *${pathPart}*` : ""}, found ${found.length}: ${found.map((f) => f.node.path).join(", ")}`);
  return found[0];
}
