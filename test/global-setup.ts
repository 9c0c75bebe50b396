// Tests describe their own inputs: what a developer exported in their shell (PLATFORM_CONFIG, as the README
// invites, or a debugging switch) must not change what the suite checks. Jest runs this in its own process
// before it starts the workers, so the workers and every process a test spawns inherit the cleaned environment.
export const PROJECT_INPUTS = [
  "PLATFORM_CONFIG",
  "CDKTF_OUTDIR",
  "SECRETS_PLATFORM_DEBUG",
  "SECRETS_PLATFORM_VERBOSE",
  "LAMBDA_BUNDLE_DIR",
  "SECRETS_PLATFORM_CDKTF_CLI",
  // Set by the cdktf CLI for the app it runs; a test run from inside one would otherwise inherit them.
  "CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS",
  "CDKTF_CONTEXT_JSON",
  "SYNTH_HCL_OUTPUT",
];

export default async function globalSetup(): Promise<void> {
  for (const name of PROJECT_INPUTS) delete process.env[name];
  // The AWS SDK warns, once per process, that its releases after January 2027 need Node 22. The code it runs in here
  // (the rotation Lambdas) runs on nodejs22.x in AWS, so the six copies a run printed on Node 20 asked nothing of the
  // reader. The variable is the SDK's own switch (@aws-sdk/core, emitWarningIfUnsupportedVersion).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  // Builds the compiled app (dist/main.js, dist/review.js) and the rotation bundles that tests run; when `npm test`
  // has just built them, this only checks they are up to date.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  await require("../scripts/build").build();
}
