// Every valid name synthesizes (issue 20): descriptions whose environment, application, secret and workload names sit
// at the schema's edges (test/helpers/arbitrary-description.ts) validate, synthesize in-process with no guardrail
// error on the project's own output, and every name the stacks build is within its provider's limit.
// Bounded and seeded: a few seconds, the same cases on every run (change SEED to explore others).
import fc from "fast-check";
import { parsePlatform } from "../config/load";
import { arbitraryDescription } from "./helpers/arbitrary-description";
import { toYaml } from "./helpers/descriptions";
import { synthPlatform } from "./helpers/synth";
import { errorsOf, nameProblems } from "./helpers/name-limits";

const SEED = 20;
const RUNS = 20;

it(`descriptions with names at the schema's edges validate and synthesize with no finding, every name within its provider's limit (${RUNS} seeded runs)`, () => {
  fc.assert(
    fc.property(arbitraryDescription(), ({ description }) => {
      const platform = parsePlatform(toYaml(description), "generated description");
      const { stacks, json } = synthPlatform(platform);
      const problems = Object.entries(stacks).flatMap(([name, stack]) => [...errorsOf(stack), ...nameProblems(name, json[name])]);
      if (problems.length > 0) throw new Error(problems.join("\n"));
    }),
    { seed: SEED, numRuns: RUNS, endOnFailure: true },
  );
});
