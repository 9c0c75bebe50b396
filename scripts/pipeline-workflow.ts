// npm run pipeline:workflow [-- --repository owner/name] [--check]
// Writes .github/workflows/platform.yml from the description: on a pull request, tests, then per environment the
// synthesized review and a plan with the read-only planner identity; on a push to main, deploys environment after
// environment, in the description's order, each in its GitHub environment with its deployer identity.
// --check exits 1 when the committed file differs from what the description gives (the test suite checks too).
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { configPath, loadPlatform, PlatformConfigError } from "../config/load";
import { azureClientIdVariable, pipelineRoleArn, PipelineRole, VAULT_GITHUB_AUTH_PATH, vaultPipelineName } from "../config/pipeline";
import type { Platform } from "../config/schema";
import { checkWorkflow } from "../constructs/guardrails/rules/workflow";
import { stackNames } from "../stacks/platform";

export const WORKFLOW_FILE = path.join(__dirname, "..", ".github", "workflows", "platform.yml");

/** Actions pinned by full commit SHA (a tag can be moved; a commit cannot), with the release each SHA is. */
export const ACTIONS = {
  checkout: { uses: "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683", version: "v4.2.2" },
  setupNode: { uses: "actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020", version: "v4.4.0" },
  setupTerraform: { uses: "hashicorp/setup-terraform@b9cd54a3c349d3f38e8881555d616ced269862dd", version: "v3.1.2" },
  uploadArtifact: { uses: "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02", version: "v4.6.2" },
  awsCredentials: { uses: "aws-actions/configure-aws-credentials@b47578312673ae6fa5b5096b330d9fbac3d116df", version: "v4.2.1" },
  azureLogin: { uses: "azure/login@a457da9ea143d694b1b9c7c869ebb04ebe844ef5", version: "v2.3.0" },
} as const;

/** The Terraform the stacks need (write-only arguments, ephemeral variables). */
const TERRAFORM_VERSION = "1.11.4";
/** The AWS provider that @cdktf/provider-aws 20.1.0 is generated from. */
const AWS_PROVIDER_VERSION = "5.100.0";
const DEPLOY_PERMISSIONS = { "id-token": "write", contents: "read" };

type Step = Record<string, unknown>;

function setupSteps(): Step[] {
  return [
    // No token left in .git/config for later steps to find.
    { uses: ACTIONS.checkout.uses, with: { "persist-credentials": false } },
    { uses: ACTIONS.setupNode.uses, with: { "node-version": 20, cache: "npm" } },
    // The wrapper would swallow terraform's exit codes and output that cdktf reads.
    { uses: ACTIONS.setupTerraform.uses, with: { terraform_version: TERRAFORM_VERSION, terraform_wrapper: false } },
    { run: "npm ci" },
  ];
}

/** Steps that sign the job in to every backend of the environment as `role`, with the job's OIDC token. */
function loginSteps(platform: Platform, env: string, role: PipelineRole): Step[] {
  const spec = platform.environments[env];
  const org = platform.organization;
  const steps: Step[] = [];
  if (spec.aws) {
    steps.push({
      name: `AWS: assume the ${role}`,
      uses: ACTIONS.awsCredentials.uses,
      with: {
        "role-to-assume": pipelineRoleArn(spec.aws.accountId, org, env, role),
        "aws-region": spec.aws.region,
        "role-session-name": `${role}-${env}-\${{ github.run_id }}`,
      },
    });
  }
  if (spec.azure) {
    steps.push({
      name: `Azure: sign in as the ${role}`,
      uses: ACTIONS.azureLogin.uses,
      with: {
        // Client ids exist once bootstrap-<env> has run; it outputs each under this variable's name.
        "client-id": `\${{ vars.${azureClientIdVariable(env, role)} }}`,
        "tenant-id": spec.azure.tenantId,
        "subscription-id": spec.azure.subscriptionId,
      },
    });
  }
  if (spec.vault) {
    steps.push({
      name: `Vault: log in as the ${role}`,
      env: {
        VAULT_ADDR: spec.vault.address,
        VAULT_ROLE: vaultPipelineName(env, role),
        VAULT_AUTH_PATH: VAULT_GITHUB_AUTH_PATH,
        ...(spec.vault.namespace ? { VAULT_NAMESPACE: spec.vault.namespace } : {}),
      },
      // The token's audience is the Vault address, which the Vault role's bound_audiences names.
      run: [
        "set -euo pipefail",
        "audience=$(jq -rn --arg a \"$VAULT_ADDR\" '$a|@uri')",
        "jwt=$(curl -sSf -H \"Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN\" \"$ACTIONS_ID_TOKEN_REQUEST_URL&audience=$audience\" | jq -r .value)",
        "token=$(jq -n --arg role \"$VAULT_ROLE\" --arg jwt \"$jwt\" '{role: $role, jwt: $jwt}' | curl -sSf -X POST ${VAULT_NAMESPACE:+-H \"X-Vault-Namespace: $VAULT_NAMESPACE\"} --data @- \"$VAULT_ADDR/v1/auth/$VAULT_AUTH_PATH/login\" | jq -r .auth.client_token)",
        "echo \"::add-mask::$token\"",
        "echo \"VAULT_TOKEN=$token\" >> \"$GITHUB_ENV\"",
        "echo \"VAULT_ADDR=$VAULT_ADDR\" >> \"$GITHUB_ENV\"",
      ].join("\n"),
    });
  }
  return steps;
}

/**
 * The backend stacks CI plans and deploys: aws-<env> and its aws-<env>-<group> stacks, vault-<env>, azure-<env>.
 * Not kubernetes-<env> (nor its kubernetes-<env>-<group> stacks): Terraform applies it with a kubeconfig, a cluster credential the pipeline's OIDC identities do
 * not hold. Not bootstrap-<env>: a person applies it once. `cdktf deploy` orders the rest by their dependencies.
 */
function stacksOf(platform: Platform, env: string): string[] {
  return stackNames(platform)
    .filter((r) => r.environment === env && (r.backend === "aws" || r.backend === "vault" || r.backend === "azure"))
    .map((r) => r.name);
}

/** The workflow for one repository's environments, as YAML text. */
export function pipelineWorkflow(platform: Platform, repository?: string): string {
  const withPipeline = Object.entries(platform.environments).filter(([, e]) => e.pipeline);
  const repos = [...new Set(withPipeline.map(([, e]) => e.pipeline!.github.repository))];
  const repo = repository ?? repos[0];
  if (!repo) throw new Error("no environment has a pipeline block; add environments.<env>.pipeline.github");
  if (!repository && repos.length > 1) throw new Error(`the description names ${repos.length} repositories (${repos.join(", ")}); pass --repository owner/name`);
  const envs = withPipeline.filter(([, e]) => e.pipeline!.github.repository === repo).map(([name]) => name);
  if (envs.length === 0) throw new Error(`no environment deploys from ${repo}`);

  const jobs: Record<string, unknown> = {
    test: {
      name: "npm test",
      "runs-on": "ubuntu-latest",
      permissions: { contents: "read" },
      steps: [
        ...setupSteps(),
        {
          // The offline plan tests read the AWS provider from a filesystem mirror (scripts/terraform-offline.ts).
          name: "Mirror the AWS provider for the offline plan tests",
          run: [
            "set -euo pipefail",
            'mkdir -p "$RUNNER_TEMP/tf-mirror-src"',
            `printf 'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws", version = "${AWS_PROVIDER_VERSION}" }\n  }\n}\n' > "$RUNNER_TEMP/tf-mirror-src/main.tf"`,
            'terraform -chdir="$RUNNER_TEMP/tf-mirror-src" providers mirror "$RUNNER_TEMP/tf-mirror"',
            'echo "TF_PROVIDER_MIRROR=$RUNNER_TEMP/tf-mirror" >> "$GITHUB_ENV"',
          ].join("\n"),
        },
        { run: "npm test" },
      ],
    },
  };
  for (const env of envs) {
    const stacks = stacksOf(platform, env);
    jobs[`plan-${env}`] = {
      name: `plan ${env}`,
      if: "github.event_name == 'pull_request'",
      needs: "test",
      "runs-on": "ubuntu-latest",
      // No `environment:` here: the token's subject stays repo:<owner>/<name>:pull_request, which only the planner trusts.
      permissions: DEPLOY_PERMISSIONS,
      steps: [
        ...setupSteps(),
        { name: "Synthesize", run: "npm run synth" },
        {
          name: "Review",
          run: [
            "set -o pipefail",
            `npm run --silent review -- --env ${env} --json --skip-plan`,
            `cat cdktf.out/review/${env}.md >> "$GITHUB_STEP_SUMMARY"`,
          ].join("\n"),
        },
        {
          uses: ACTIONS.uploadArtifact.uses,
          if: "always()",
          with: { name: `review-${env}`, path: `cdktf.out/review/${env}.md\ncdktf.out/review/${env}.json`, "if-no-files-found": "error" },
        },
        ...loginSteps(platform, env, "planner"),
        ...stacks.map((stack) => ({
          name: `Diff ${stack}`,
          // The planner may not write the state lock; a plan changes nothing, so it runs without one.
          // Azure stacks are not refreshed: reading Key Vault secrets back would need a data-plane role the planner lacks.
          env: { TF_CLI_ARGS_plan: stack.startsWith("azure-") ? "-lock=false -refresh=false" : "-lock=false", TERRAFORM_VAULT_SKIP_CHILD_TOKEN: "true" },
          run: `npx cdktf diff ${stack} --skip-synth`,
        })),
      ],
    };
  }
  envs.forEach((env, i) => {
    jobs[`deploy-${env}`] = {
      name: `deploy ${env}`,
      if: "github.event_name == 'push' && github.ref == 'refs/heads/main'",
      needs: i === 0 ? "test" : `deploy-${envs[i - 1]}`,
      "runs-on": "ubuntu-latest",
      // The GitHub environment gates the job (required reviewers for prod) and is the subject the deployer trusts.
      environment: platform.environments[env].pipeline!.github.environment,
      // Two deploys of one environment never overlap; a queued one waits instead of cancelling a running apply.
      concurrency: { group: `deploy-${env}`, "cancel-in-progress": false },
      permissions: DEPLOY_PERMISSIONS,
      steps: [
        ...setupSteps(),
        ...loginSteps(platform, env, "deployer"),
        { name: `Deploy ${env}`, env: { TERRAFORM_VAULT_SKIP_CHILD_TOKEN: "true" }, run: `npx cdktf deploy ${stacksOf(platform, env).join(" ")} --auto-approve` },
      ],
    };
  });
  const workflow = {
    name: "platform",
    on: { pull_request: { branches: ["main"] }, push: { branches: ["main"] } },
    // Nothing by default; each job says what it needs.
    permissions: {},
    jobs,
  };
  const problems = checkWorkflow(workflow as any);
  if (problems.length > 0) throw new Error(`the generated workflow breaks guardrails:\n${problems.join("\n")}`);
  let text = stringify(workflow, { lineWidth: 0, aliasDuplicateObjects: false });
  for (const a of Object.values(ACTIONS)) text = text.split(`uses: ${a.uses}\n`).join(`uses: ${a.uses} # ${a.version}\n`);
  return `# Generated by \`npm run pipeline:workflow\` from the platform description (docs/pipeline.md).\n# Change the description or scripts/pipeline-workflow.ts, then regenerate; a test fails when this file is stale.\n# kubernetes-<env> and kubernetes-<env>-<group> stacks are not deployed here: they need a kubeconfig, which CI does not hold; apply them with cdktf deploy.\n${text}`;
}

function main(): number {
  const args = process.argv.slice(2);
  const at = args.indexOf("--repository");
  const repository = at >= 0 ? args[at + 1] : undefined;
  try {
    const text = pipelineWorkflow(loadPlatform(configPath()), repository);
    if (args.includes("--check")) {
      let current = "";
      try {
        current = readFileSync(WORKFLOW_FILE, "utf8");
      } catch {
        // missing counts as stale
      }
      if (current === text) return 0;
      process.stderr.write(`${path.relative(process.cwd(), WORKFLOW_FILE)} is stale: run npm run pipeline:workflow\n`);
      return 1;
    }
    mkdirSync(path.dirname(WORKFLOW_FILE), { recursive: true });
    writeFileSync(WORKFLOW_FILE, text);
    process.stdout.write(`wrote ${path.relative(process.cwd(), WORKFLOW_FILE)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof PlatformConfigError || err instanceof Error) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

if (require.main === module) process.exitCode = main();
