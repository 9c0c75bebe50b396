// Features built apart, checked together: AWS stack groups with the kubernetes-<env> stack, the bootstrap-<env>
// deployer, each secret's read-deny, a Secrets Manager endpoint the first group creates, the pipeline workflow and
// the review. One description exercises them all: a master secret in the first group, two more groups, IRSA
// workloads in both, an S3 state backend, and a CI pipeline.
import { App, TerraformStack } from "cdktf";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import type { Platform } from "../config/schema";
import { parsePlatform, PlatformConfigError } from "../config/load";
import { pipelineWorkflow } from "../scripts/pipeline-workflow";
import { buildReview } from "../scripts/review/build";
import { renderMarkdown } from "../scripts/review/markdown";
import type { ReviewedStack } from "../scripts/review/model";
import { buildPlatform, stackNames } from "../stacks/platform";
import { EXAMPLE_CA_FILE, toYaml } from "./helpers/descriptions";
import { decide } from "./helpers/iam-simulate";
import { resources, StackJson, synthPlatform } from "./helpers/synth";

const ACCOUNT = "111111111111";
const STATE = { type: "s3", bucket: "acme-tfstate-dev", region: "us-east-1" };

/** Three groups: dbadmin in the first, shop in team-b, billing (with its own master) in team-c. */
function threeGroups(): any {
  return {
    organization: "acme",
    environments: {
      dev: {
        aws: {
          accountId: ACCOUNT,
          region: "us-east-1",
          eks: { oidcProviderArn: `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC` },
          backend: STATE,
          network: {
            vpcId: "vpc-0a1b2c3d4e5f60001",
            subnetIds: ["subnet-0a1b2c3d4e5f60001"],
            securityGroupIds: ["sg-0a1b2c3d4e5f60001"],
            secretsManagerEndpoint: "create",
            endpointClientSecurityGroupIds: ["sg-0c1c2c3d4e5f6000e"],
          },
        },
        vault: { address: "https://vault.dev.example.com:8200", kubernetes: { host: "https://k8s.dev.example.com:6443", caCertFile: EXAMPLE_CA_FILE }, backend: STATE },
        kubernetes: { kubeconfigContext: "acme-dev", secretStoreBackend: "aws", backend: STATE },
        pipeline: { github: { repository: "acme/secrets-platform", environment: "dev" } },
      },
    },
    applications: {
      // The masters and their users live on AWS only: on Vault a single-user secret is a static role, and Vault and
      // the AWS Lambda would both rotate one database user (config/checks/placement.ts).
      dbadmin: { backends: ["aws"], secrets: { master: { type: "postgres", rotation: { strategy: "single-user", everyDays: 30 } } } },
      shop: {
        stackGroup: "team-b",
        secrets: {
          jwt: { type: "jwt", algorithm: "HS256", rotation: { everyDays: 7 } },
          pay: { type: "api-key", expiresAfterDays: 90 },
        },
        workloads: {
          api: { kubernetes: { namespace: "shop", serviceAccount: "shop-api", delivery: "external-secrets" }, reads: ["jwt", "pay"] },
          cron: { kubernetes: { namespace: "shop", serviceAccount: "shop-cron" }, reads: ["pay"] },
        },
      },
      billing: {
        stackGroup: "team-c",
        backends: ["aws"],
        secrets: {
          admin: { type: "postgres", rotation: { strategy: "single-user", everyDays: 30 } },
          db: { type: "postgres", rotation: { strategy: "alternating-users", everyDays: 30, masterSecret: "billing/admin" } },
        },
        workloads: { worker: { kubernetes: { namespace: "billing", serviceAccount: "billing-worker" }, reads: ["db"] } },
      },
    },
  };
}

/**
 * The whole app synthesized as `npm run synth` does: cross-stack references become remote state reads only when
 * the app synthesizes, not when one stack is rendered alone.
 */
function synthApp(p: Platform): { json: Record<string, StackJson>; stacks: Record<string, TerraformStack> } {
  const outdir = mkdtempSync(path.join(os.tmpdir(), "integration-groups-"));
  try {
    const app = new App({ outdir });
    const refs = buildPlatform(app, p);
    app.synth();
    const read = (name: string) => JSON.parse(readFileSync(path.join(outdir, "stacks", name, "cdk.tf.json"), "utf8"));
    return {
      json: Object.fromEntries(refs.map((r) => [r.name, read(r.name)])),
      stacks: Object.fromEntries(refs.map((r) => [r.name, app.node.findChild(r.name) as TerraformStack])),
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const platform = parsePlatform(toYaml(threeGroups()), "test");
const { json, stacks } = synthApp(platform);
const awsStacks = ["aws-dev", "aws-dev-team-b", "aws-dev-team-c"];

const all = (stack: StackJson, type: string): any[] => Object.values(resources(stack, type));
const policyOf = (r: any) => (typeof r.policy === "string" ? JSON.parse(r.policy) : r.policy);
const statements = (stack: StackJson, type: string) => all(stack, type).flatMap((r) => policyOf(r).Statement as any[]);
const asArray = (v: unknown): string[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String);

describe("a workload in a stack group, seen from its group's kubernetes stack", () => {
  // kubernetes-dev-<group> holds the group's service accounts (kubernetes-dev the first group's: none here).
  const accounts = ["kubernetes-dev", "kubernetes-dev-team-b", "kubernetes-dev-team-c"].flatMap((s) =>
    all(json[s], "kubernetes_service_account_v1").map((a) => ({ ...a, stack: s })),
  );
  const annotation = (sa: string) => accounts.find((a) => a.metadata.name === sa)?.metadata.annotations["eks.amazonaws.com/role-arn"] as string;
  const stackOf = (sa: string) => accounts.find((a) => a.metadata.name === sa)?.stack;

  it("puts each service account in its group's kubernetes stack", () => {
    expect(stackOf("shop-api")).toBe("kubernetes-dev-team-b");
    expect(stackOf("shop-cron")).toBe("kubernetes-dev-team-b");
    expect(stackOf("billing-worker")).toBe("kubernetes-dev-team-c");
  });

  it("takes its IRSA role from the remote state of the group stack that holds the role, never from another group's", () => {
    expect(annotation("shop-api")).toMatch(/^\$\{data\.terraform_remote_state\.cross-stack-reference-input-aws-dev-team-b\.outputs\.[^}]*shop--api[^}]*\}$/);
    expect(annotation("shop-cron")).toMatch(/cross-stack-reference-input-aws-dev-team-b\.outputs\.[^}]*shop--cron/);
    expect(annotation("billing-worker")).toMatch(/cross-stack-reference-input-aws-dev-team-c\.outputs\.[^}]*billing--worker/);
  });

  it("reads that state where the group stack writes it, and is deployed after the group stacks", () => {
    const remote = json["kubernetes-dev-team-b"].data?.terraform_remote_state ?? {};
    expect(remote["cross-stack-reference-input-aws-dev-team-b"].config.key).toBe("secrets-platform/aws-dev-team-b.tfstate");
    expect(json["aws-dev-team-b"].terraform?.backend?.s3?.key).toBe("secrets-platform/aws-dev-team-b.tfstate");
    // Each group's kubernetes stack reads only its own group's state, and keeps a state of its own.
    expect(Object.keys(json["kubernetes-dev-team-c"].data?.terraform_remote_state ?? {})).toEqual(["cross-stack-reference-input-aws-dev-team-c"]);
    expect(json["kubernetes-dev-team-b"].terraform?.backend?.s3?.key).toBe("secrets-platform/kubernetes-dev-team-b.tfstate");
    expect(stacks["kubernetes-dev-team-b"].dependencies.map((d) => d.node.id).sort()).toEqual(["aws-dev-team-b"]);
    expect(stacks["kubernetes-dev-team-c"].dependencies.map((d) => d.node.id).sort()).toEqual(["aws-dev-team-c"]);
  });
});

describe("each secret's read-deny across stack groups", () => {
  /** Role names a secret's policy leaves out of the GetSecretValue deny. */
  const exceptions = (stack: string) =>
    Object.fromEntries(
      all(json[stack], "aws_secretsmanager_secret_policy").map((p) => {
        const deny = policyOf(p).Statement.find((s: any) => s.Effect === "Deny" && asArray(s.Action).includes("secretsmanager:GetSecretValue"));
        const secret = all(json[stack], "aws_secretsmanager_secret").find((s) => p.secret_arn.includes(`${s.name.replace(/\//g, "--").split("--").slice(1).join("--")}_secret`));
        return [secret?.name, asArray(deny.Condition.ArnNotLike["aws:PrincipalArn"]).map((a) => a.replace(`arn:aws:iam::${ACCOUNT}:role/`, "")).sort()];
      }),
    );

  it("excepts exactly the workloads that read the secret and the functions that rotate or use it, in the group stack that holds them", () => {
    expect(exceptions("aws-dev")).toEqual({ "dev/dbadmin/master": ["acme-dev-rotate-postgres-single-user"] });
    expect(exceptions("aws-dev-team-b")).toEqual({
      "dev/shop/jwt": ["acme-dev-shop-api", "acme-dev-team-b-rotate-jwt"],
      "dev/shop/pay": ["acme-dev-shop-api", "acme-dev-shop-cron"],
    });
    expect(exceptions("aws-dev-team-c")).toEqual({
      // The master: its own rotation, and the alternating-users function that logs in with it.
      "dev/billing/admin": ["acme-dev-team-c-rotate-postgres-alternating-users-billing-admin", "acme-dev-team-c-rotate-postgres-single-user"],
      "dev/billing/db": ["acme-dev-billing-worker", "acme-dev-team-c-rotate-postgres-alternating-users-billing-admin"],
    });
  });

  it("names only roles that the environment's stacks really create", () => {
    const created = new Set(awsStacks.flatMap((s) => all(json[s], "aws_iam_role").map((r) => r.name)));
    for (const s of awsStacks) for (const names of Object.values(exceptions(s)) as string[][]) for (const n of names) expect(created).toContain(n);
  });

  it("refuses an alternating-users secret whose master is in another group, naming both groups and the fix", () => {
    const d = threeGroups();
    d.applications.shop.secrets.orders = { type: "postgres", rotation: { strategy: "alternating-users", everyDays: 30, masterSecret: "billing/admin" } };
    d.applications.shop.backends = ["aws"]; // on Vault it would be dynamic logins, which need vault.database
    let issues: string[] = [];
    try {
      parsePlatform(toYaml(d), "test");
    } catch (e) {
      if (!(e instanceof PlatformConfigError)) throw e;
      issues = e.issues.map((i) => `${i.path}: ${i.message}`);
    }
    expect(issues).toEqual([
      "applications.shop.secrets.orders.rotation.masterSecret: billing/admin is in stack group team-c and shop in stack group team-b; " +
        "a rotation function reaches only a master in its own stack: give shop and billing the same stackGroup, or give this group a master of its own",
    ]);
  });
});

describe("the Secrets Manager endpoint the first group creates", () => {
  it("exists once, in aws-dev, and admits the client security groups as well as the functions", () => {
    const endpoints = awsStacks.map((s) => all(json[s], "aws_vpc_endpoint").length);
    expect(endpoints).toEqual([1, 0, 0]);
    const sources = all(json["aws-dev"], "aws_vpc_security_group_ingress_rule").map((r) => r.referenced_security_group_id ?? r.cidr_ipv4);
    expect(sources).toEqual(expect.arrayContaining(["sg-0a1b2c3d4e5f60001", "sg-0c1c2c3d4e5f6000e"]));
  });

  it("makes every group stack that rotates wait for aws-dev, since Terraform cannot depend on another stack's resource", () => {
    for (const group of ["aws-dev-team-b", "aws-dev-team-c"]) {
      expect(all(json[group], "aws_secretsmanager_secret_rotation").length).toBeGreaterThan(0);
      expect(stacks[group].dependencies.map((d) => d.node.id)).toContain("aws-dev");
    }
  });

  it("adds no such dependency when the endpoint is the VPC's own (existing)", () => {
    const d = threeGroups();
    d.environments.dev.aws.network.secretsManagerEndpoint = "existing";
    delete d.environments.dev.aws.network.endpointClientSecurityGroupIds;
    const other = synthPlatform(parsePlatform(toYaml(d), "test"), { backends: ["aws"] });
    expect(other.stacks["aws-dev-team-b"].dependencies).toEqual([]);
  });
});

describe("the bootstrap deployer of an environment split into groups", () => {
  const deployer = statements(json["bootstrap-dev"], "aws_iam_role_policy");
  const deployerPolicy = all(json["bootstrap-dev"], "aws_iam_role_policy").find((p) => String(p.role).includes("aws-deployer"));
  const plannerPolicy = all(json["bootstrap-dev"], "aws_iam_role_policy").find((p) => String(p.role).includes("aws-planner"));
  const boundary = `arn:aws:iam::${ACCOUNT}:policy/secrets-platform-ci/acme-dev-workload-boundary`;
  /** IAM's decision (iam-simulate), with the condition keys a deploy's request carries (the role's boundary). */
  const allowed = async (policy: any, action: string, arn: string) =>
    (await decide(
      { identity: [policyOf(policy).Statement].flat() },
      { action, resource: arn, context: action === "iam:CreateRole" ? { "iam:PermissionsBoundary": boundary } : {}, principal: `arn:aws:iam::${ACCOUNT}:role/secrets-platform-ci/acme-dev-ci` },
    )) === "Allowed";

  it("has a deployer and a planner policy to check", async () => {
    expect(deployer.length).toBeGreaterThan(10);
    expect(deployerPolicy).toBeDefined();
    expect(plannerPolicy).toBeDefined();
  });

  it("may create every group's key alias, and no alias of another environment", async () => {
    const aliases = awsStacks.flatMap((s) => all(json[s], "aws_kms_alias").map((a) => a.name as string));
    expect(aliases).toEqual(["alias/acme-dev-secrets", "alias/acme-dev-team-b-secrets", "alias/acme-dev-team-c-secrets"]);
    for (const a of aliases) expect(await allowed(deployerPolicy, "kms:CreateAlias", `arn:aws:kms:us-east-1:${ACCOUNT}:${a}`)).toBe(true);
    expect(await allowed(deployerPolicy, "kms:CreateAlias", `arn:aws:kms:us-east-1:${ACCOUNT}:alias/acme-prod-secrets`)).toBe(false);
  });

  it("may manage every group's roles, functions and secrets, and none of another environment", async () => {
    for (const s of awsStacks) {
      for (const r of all(json[s], "aws_iam_role")) expect(await allowed(deployerPolicy, "iam:CreateRole", `arn:aws:iam::${ACCOUNT}:role/${r.name}`)).toBe(true);
      for (const f of all(json[s], "aws_lambda_function")) {
        expect(await allowed(deployerPolicy, "lambda:CreateFunction", `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${f.function_name}`)).toBe(true);
      }
      for (const x of all(json[s], "aws_secretsmanager_secret")) {
        expect(await allowed(deployerPolicy, "secretsmanager:CreateSecret", `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:${x.name}-AbCdEf`)).toBe(true);
      }
    }
    expect(await allowed(deployerPolicy, "iam:CreateRole", `arn:aws:iam::${ACCOUNT}:role/acme-prod-shop-api`)).toBe(false);
    expect(await allowed(deployerPolicy, "secretsmanager:CreateSecret", `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:prod/shop/jwt-AbCdEf`)).toBe(false);
  });

  it("may write the state and lock of every AWS stack it deploys, and the planner read them", async () => {
    for (const s of awsStacks) {
      const key = `arn:aws:s3:::acme-tfstate-dev/secrets-platform/${s}.tfstate`;
      expect(await allowed(deployerPolicy, "s3:PutObject", key)).toBe(true);
      expect(await allowed(deployerPolicy, "s3:PutObject", `${key}.tflock`)).toBe(true);
      expect(await allowed(plannerPolicy, "s3:GetObject", key)).toBe(true);
    }
  });

  it("may write the state and lock of every Vault stack it deploys, its group stacks too", async () => {
    for (const s of ["vault-dev", "vault-dev-team-b", "vault-dev-team-c"]) {
      const key = `arn:aws:s3:::acme-tfstate-dev/secrets-platform/${s}.tfstate`;
      expect(await allowed(deployerPolicy, "s3:PutObject", key)).toBe(true);
      expect(await allowed(deployerPolicy, "s3:PutObject", `${key}.tflock`)).toBe(true);
      expect(await allowed(plannerPolicy, "s3:GetObject", key)).toBe(true);
    }
  });

  it("holds no right on the kubernetes stack, which Terraform applies with a kubeconfig, not with AWS IAM", async () => {
    // kubernetes-dev's only AWS contact is reading the group stacks' state (above); its own state is not the CI's.
    expect(await allowed(deployerPolicy, "s3:PutObject", "arn:aws:s3:::acme-tfstate-dev/secrets-platform/kubernetes-dev.tfstate")).toBe(false);
    expect(statements(json["bootstrap-dev"], "aws_iam_role_policy").some((s) => asArray(s.Action).some((a) => a.startsWith("eks:")))).toBe(false);
  });
});

describe("the pipeline workflow with stack groups", () => {
  const workflow = parse(pipelineWorkflow(platform));

  it("applies the saved plans of aws-dev and vault-dev before those of their group stacks, which read their outputs", () => {
    const applied = workflow.jobs["deploy-dev"].steps
      .filter((s: any) => /terraform .* apply /.test(String(s.run ?? "")))
      .map((s: any) => /-chdir=cdktf\.out\/stacks\/(\S+) apply/.exec(s.run)![1]);
    expect(applied).toEqual(["aws-dev", "aws-dev-team-b", "aws-dev-team-c", "vault-dev", "vault-dev-team-b", "vault-dev-team-c"]);
    // Each apply is its own step, so the order of the steps is the order of the applies: dependencies first.
    for (const group of ["aws-dev-team-b", "aws-dev-team-c"]) {
      for (const dep of stacks[group].dependencies.map((d) => d.node.id)) expect(applied.indexOf(dep)).toBeLessThan(applied.indexOf(group));
    }
  });

  it("plans every group stack, and uploads its saved plan", () => {
    const job = workflow.jobs["plan-dev"];
    const planned = job.steps.filter((s: any) => String(s.name ?? "").startsWith("Plan ")).map((s: any) => s.name.slice("Plan ".length));
    expect(planned).toEqual(["aws-dev", "aws-dev-team-b", "aws-dev-team-c", "vault-dev", "vault-dev-team-b", "vault-dev-team-c"]);
    const upload = job.steps.find((s: any) => s.with?.name === "plan-dev");
    expect(upload.with.path.split("\n").slice(0, -1)).toEqual(planned.map((p: string) => `cdktf.out/stacks/${p}`));
  });

  it("lists every stack of the description in the deploy job or says which it leaves out", () => {
    const text = pipelineWorkflow(platform);
    const names = stackNames(platform).map((r) => r.name);
    for (const n of names.filter((n) => !n.startsWith("kubernetes-") && !n.startsWith("bootstrap-"))) expect(text).toContain(n);
    expect(text).toMatch(/kubernetes-<env>.*not deployed here/);
  });
});

describe("the review of an environment split into groups", () => {
  const reviewed: ReviewedStack[] = [...awsStacks.map((name) => ({ name, backend: "aws" as const, json: json[name] })), { name: "vault-dev", backend: "vault" as const, json: json["vault-dev"] }];
  const review = buildReview({ environment: "dev", production: false, stacks: reviewed, guardrails: [] });

  it("lists every reader of every AWS secret, from whichever group stack it lives in", () => {
    const readers = (secret: string) => review.access.filter((r) => r.backend === "aws" && r.secret === secret).map((r) => `${r.stack} ${r.workload}`).sort();
    expect(readers("dev/shop/pay")).toEqual(["aws-dev-team-b k8s shop/shop-api", "aws-dev-team-b k8s shop/shop-cron"]);
    expect(readers("dev/billing/db")).toEqual(["aws-dev-team-c k8s billing/billing-worker", "aws-dev-team-c lambda acme-dev-team-c-rotate-postgres-alternating-users-billing-admin"]);
    expect(readers("dev/dbadmin/master")).toEqual(["aws-dev lambda acme-dev-rotate-postgres-single-user"]);
  });

  it("keeps its claim that nothing else can read true: every secret has a read-deny, and each principal it excepts is a row of the matrix", () => {
    const secretsInStacks = awsStacks.flatMap((s) => all(json[s], "aws_secretsmanager_secret").map((x) => x.name)).sort();
    expect(review.awsReadGuards.map((g) => g.secret).sort()).toEqual(secretsInStacks);
    for (const guard of review.awsReadGuards) {
      expect(guard.readers?.length).toBeGreaterThan(0);
      const rows = review.access.filter((r) => r.backend === "aws" && r.secret === guard.secret);
      for (const arn of guard.readers ?? []) {
        const role = arn.split("/").pop() as string;
        expect(rows.some((r) => r.stack === guard.stack && r.authentication.includes(role))).toBe(true);
      }
    }
  });

  it("counts the CI deployer out of the readers: no read-deny excepts it and its policy allows no read, and the Markdown says it can still change who reads", () => {
    const deployerArn = `arn:aws:iam::${ACCOUNT}:role/secrets-platform-ci/acme-dev-ci_deployer`;
    for (const guard of review.awsReadGuards) expect(guard.readers).not.toContain(deployerArn);
    const deployerActions = all(json["bootstrap-dev"], "aws_iam_role_policy")
      .filter((p) => String(p.role).includes("aws-deployer"))
      .flatMap((p) => policyOf(p).Statement.filter((st: any) => st.Effect === "Allow").flatMap((st: any) => asArray(st.Action)));
    expect(deployerActions.filter((a) => /GetSecretValue|secretsmanager:\*/.test(a))).toEqual([]);
    expect(renderMarkdown(review)).toContain("Whoever deploys these stacks (the CI deployer of bootstrap-<env>, where there is one) is not listed, so it is denied too; it can still change these policies and roles");
  });

  it("says the group stacks' functions reach Secrets Manager through the endpoint aws-dev creates, not through one unmanaged", () => {
    const rows = review.network.filter((r) => r.resource === "Secrets Manager from the VPC");
    expect(rows.map((r) => r.exposure)).toEqual([
      "through the interface endpoint that aws-dev creates (secretsManagerEndpoint: create); aws-dev is deployed first",
      "through the interface endpoint that aws-dev creates (secretsManagerEndpoint: create); aws-dev is deployed first",
    ]);
  });
});
