// npm run pipeline:workflow [-- --repository owner/name] [--check]
// Writes .github/workflows/platform.yml from the description: on every pull request and push, a secret scan and the
// tests; then per environment a plan job, signed in as the read-only planner, that saves `terraform plan -out` of each
// stack CI deploys, writes the review made from those plans to the job summary and uploads the saved plans; on a push
// to main, a deploy job per environment, in the description's order, gated by its GitHub environment's reviewers, that
// applies exactly those saved plans with the deployer identity.
// --check exits 1 when the committed file differs from what the description gives (the test suite checks too).
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { configPath, loadPlatform, PlatformConfigError } from "../config/load";
import { azureClientIdVariable, pipelineRoleArn, PipelineRole, VAULT_GITHUB_AUTH_PATH, vaultPipelineName } from "../config/pipeline";
import { DEFAULT_RUNNER } from "../config/checks/pipeline-ci";
import type { Platform } from "../config/schema";
import { checkWorkflow } from "../guardrails/rules/workflow";
import { stackNames } from "../stacks/platform";

export const WORKFLOW_FILE = path.join(__dirname, "..", ".github", "workflows", "platform.yml");

/** Actions pinned by full commit SHA (a tag can be moved; a commit cannot), with the release each SHA is. */
export const ACTIONS = {
  checkout: { uses: "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683", version: "v4.2.2" },
  setupNode: { uses: "actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020", version: "v4.4.0" },
  setupTerraform: { uses: "hashicorp/setup-terraform@b9cd54a3c349d3f38e8881555d616ced269862dd", version: "v3.1.2" },
  uploadArtifact: { uses: "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02", version: "v4.6.2" },
  downloadArtifact: { uses: "actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093", version: "v4.3.0" },
  // gitleaks/gitleaks-action's v3.0.0 tag (git rev-parse v3.0.0^{commit} in github.com/gitleaks/gitleaks-action).
  gitleaks: { uses: "gitleaks/gitleaks-action@e0c47f4f8be36e29cdc102c57e68cb5cbf0e8d1e", version: "v3.0.0" },
  awsCredentials: { uses: "aws-actions/configure-aws-credentials@b47578312673ae6fa5b5096b330d9fbac3d116df", version: "v4.2.1" },
  azureLogin: { uses: "azure/login@a457da9ea143d694b1b9c7c869ebb04ebe844ef5", version: "v2.3.0" },
} as const;

/** The Terraform the stacks need (write-only arguments, ephemeral variables). */
const TERRAFORM_VERSION = "1.11.4";
/** The AWS provider that @cdktf/provider-aws 20.1.0 is generated from. */
const AWS_PROVIDER_VERSION = "5.100.0";
const DEPLOY_PERMISSIONS = { "id-token": "write", contents: "read" };
/**
 * Days GitHub keeps the saved plans (retention-days of upload-artifact, 1 to 90). A saved plan holds the prior state and
 * the planned values (names, ARNs, policies; no secret value: none passes through Terraform, and the one write-only
 * value, Vault's database password, is never in a plan); short, since a deploy applies its own run's plan right away.
 */
export const PLAN_RETENTION_DAYS = 3;
/** The saved plan's file name in each stack's folder. */
export const PLAN_FILE = "tfplan";

type Step = Record<string, unknown>;

/** The Node.js the jobs run: 22, as the Lambdas (nodejs22.x) and the Azure function do; Node 20's life ended in April 2026. */
export const CI_NODE_VERSION = 22;

/**
 * @param fullHistory fetch every branch and its history: the plan job's review of a pull request builds the base
 * branch's revision (npm run review -- --base origin/<base>), which a shallow clone does not have
 */
function setupSteps(fullHistory = false): Step[] {
  return [
    // No token left in .git/config for later steps to find.
    { uses: ACTIONS.checkout.uses, with: { ...(fullHistory ? { "fetch-depth": 0 } : {}), "persist-credentials": false } },
    { uses: ACTIONS.setupNode.uses, with: { "node-version": CI_NODE_VERSION, cache: "npm" } },
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
 * not hold. Not bootstrap-<env>: a person applies it once. In stackNames' order, which is an order of their
 * dependencies: each backend's <backend>-<env> before its group stacks, which read its outputs.
 */
function stacksOf(platform: Platform, env: string): string[] {
  return stackNames(platform)
    .filter((r) => r.environment === env && (r.backend === "aws" || r.backend === "vault" || r.backend === "azure"))
    .map((r) => r.name);
}

/** The runs-on of an environment's plan and deploy jobs: pipeline.github.runsOn (validation refuses a hosted runner where it cannot reach). */
function runsOnOf(platform: Platform, env: string): string | string[] {
  const r = platform.environments[env].pipeline!.github.runsOn;
  return r === undefined ? DEFAULT_RUNNER : typeof r === "string" ? r : [...r];
}

const stackDir = (stack: string) => `cdktf.out/stacks/${stack}`;
const planJson = (stack: string) => `cdktf.out/plans/${stack}.json`;

/**
 * One step per stack: init (providers as the stack's lock file pins them after the first run), plan into a saved plan,
 * and its JSON for the review. The planner may not write the state lock; a plan changes nothing, so it runs without one
 * (the deploy job's apply takes the lock). Azure stacks are not refreshed: reading Key Vault secrets back needs a
 * data-plane role the planner lacks.
 */
function planSteps(stacks: string[]): Step[] {
  return stacks.map((stack) => ({
    name: `Plan ${stack}`,
    env: { TF_IN_AUTOMATION: "1", TERRAFORM_VAULT_SKIP_CHILD_TOKEN: "true" },
    run: [
      "set -euo pipefail",
      `terraform -chdir=${stackDir(stack)} init -input=false`,
      `terraform -chdir=${stackDir(stack)} plan -input=false -lock=false${stack.startsWith("azure-") ? " -refresh=false" : ""} -out=${PLAN_FILE}`,
      "mkdir -p cdktf.out/plans",
      `terraform -chdir=${stackDir(stack)} show -json ${PLAN_FILE} > ${planJson(stack)}`,
    ].join("\n"),
  }));
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
    // A finding fails the run (the action exits 1 on gitleaks' "leaks found" exit code). On a pull request it scans
    // the pull request's commits, on a push the pushed ones, so history needs fetch-depth: 0.
    "secret-scan": {
      name: "secret scan (gitleaks)",
      "runs-on": "ubuntu-latest",
      // pull-requests: read lists a pull request's commits; no write: the action's review comments are turned off.
      permissions: { contents: "read", "pull-requests": "read" },
      steps: [
        { uses: ACTIONS.checkout.uses, with: { "fetch-depth": 0, "persist-credentials": false } },
        {
          name: "Scan for secrets",
          uses: ACTIONS.gitleaks.uses,
          env: {
            GITHUB_TOKEN: "${{ secrets.GITHUB_TOKEN }}",
            // Required by gitleaks-action for repositories of an organization (free key from gitleaks.io).
            GITLEAKS_LICENSE: "${{ secrets.GITLEAKS_LICENSE }}",
            GITLEAKS_ENABLE_COMMENTS: "false",
          },
        },
      ],
    },
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
    // The plan job runs on pull requests (for review) and on pushes to main (the plan the deploy job applies). No
    // `environment:` here: its token's subject is repo:<owner>/<name>:pull_request or :ref:refs/heads/main, which
    // only the read-only planner trusts, and the environment's reviewers approve the deploy job, after this plan.
    const planArgs = stacks.map((stack) => `--plan-json ${stack}=${planJson(stack)}`).join(" ");
    jobs[`plan-${env}`] = {
      name: `plan ${env}`,
      needs: ["secret-scan", "test"],
      "runs-on": runsOnOf(platform, env),
      permissions: DEPLOY_PERMISSIONS,
      steps: [
        ...setupSteps(true),
        { name: "Synthesize", run: "npm run synth" },
        ...loginSteps(platform, env, "planner"),
        ...planSteps(stacks),
        {
          // A change only a person can apply (a write-only password CI does not hold) fails here, before any approval.
          name: "Refuse changes only a person can apply",
          run: `node dist/plan-check.js ${stacks.map((stack) => `${stack}=${planJson(stack)}`).join(" ")}`,
        },
        {
          // Written to the summary even when guardrails fail, or when synth or a plan failed (then from the synthesized
          // JSON, and saying so); the job fails afterwards with the review's exit code.
          name: "Review",
          if: "always()",
          run: [
            "set -uo pipefail",
            `plans="${planArgs}"`,
            `for f in ${stacks.map(planJson).join(" ")}; do [ -s "$f" ] || plans=""; done`,
            // On a pull request the review opens with what the change does against its base branch (docs/review.md,
            // "Reviewing a change"): access gained and lost, trust, rotation, deletions.
            'base=""; if [ -n "${GITHUB_BASE_REF:-}" ]; then base="--base origin/${GITHUB_BASE_REF}"; fi',
            // An outdir of its own: the review synthesizes the app again, and the planned stack folders stay as planned.
            `npm run --silent review -- --env ${env} --json --outdir cdktf.out/review-run \${plans:---skip-plan} $base`,
            "status=$?",
            `cat cdktf.out/review-run/review/${env}.md >> "$GITHUB_STEP_SUMMARY" || echo "no review was written" >> "$GITHUB_STEP_SUMMARY"`,
            "exit $status",
          ].join("\n"),
        },
        {
          uses: ACTIONS.uploadArtifact.uses,
          if: "always()",
          with: {
            name: `review-${env}`,
            path: `cdktf.out/review-run/review/${env}.md\ncdktf.out/review-run/review/${env}.json`,
            "if-no-files-found": "warn",
            "retention-days": PLAN_RETENTION_DAYS,
          },
        },
        {
          // The saved plans with the synthesized stacks they were made from (the deploy job re-runs init, which installs
          // the providers the lock file pins, so .terraform/ stays behind). Hidden files are left out by default
          // since upload-artifact v4.4.0; the lock file is one.
          name: "Upload the saved plans",
          uses: ACTIONS.uploadArtifact.uses,
          with: {
            name: `plan-${env}`,
            path: [...stacks.map(stackDir), "!cdktf.out/stacks/*/.terraform/"].join("\n"),
            "include-hidden-files": true,
            "if-no-files-found": "error",
            "retention-days": PLAN_RETENTION_DAYS,
          },
        },
      ],
    };
  }
  envs.forEach((env, i) => {
    const stacks = stacksOf(platform, env);
    jobs[`deploy-${env}`] = {
      name: `deploy ${env}`,
      if: "github.event_name == 'push' && github.ref == 'refs/heads/main'",
      needs: [`plan-${env}`, ...(i === 0 ? [] : [`deploy-${envs[i - 1]}`])],
      "runs-on": runsOnOf(platform, env),
      // The GitHub environment gates the job (required reviewers, who read plan-<env>'s summary first) and is the
      // subject the deployer trusts.
      environment: platform.environments[env].pipeline!.github.environment,
      // Two deploys of one environment never overlap; a queued one waits instead of cancelling a running apply.
      concurrency: { group: `deploy-${env}`, "cancel-in-progress": false },
      permissions: DEPLOY_PERMISSIONS,
      // No checkout and no npm: the job runs Terraform on the reviewed artifact, nothing else of the repository.
      steps: [
        { uses: ACTIONS.setupTerraform.uses, with: { terraform_version: TERRAFORM_VERSION, terraform_wrapper: false } },
        { name: "Download the reviewed plans", uses: ACTIONS.downloadArtifact.uses, with: { name: `plan-${env}`, path: "cdktf.out/stacks" } },
        ...loginSteps(platform, env, "deployer"),
        ...stacks.map((stack) => ({
          // A saved plan: no re-plan, no prompt. Terraform refuses it ("Saved plan is stale") when the state changed
          // since the plan, so a change made in between fails the job instead of being overwritten.
          name: `Apply the reviewed plan of ${stack}`,
          env: { TF_IN_AUTOMATION: "1", TERRAFORM_VAULT_SKIP_CHILD_TOKEN: "true" },
          run: [
            "set -euo pipefail",
            `terraform -chdir=${stackDir(stack)} init -input=false`,
            `terraform -chdir=${stackDir(stack)} apply -input=false ${PLAN_FILE}`,
          ].join("\n"),
        })),
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
