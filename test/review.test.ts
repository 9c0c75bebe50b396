// The review of the example, checked row by row: the access matrix and rotation table as derived from the
// synthesized resources, network exposure, the Mermaid diagram, change counts, and risky changes from a plan.
// No Terraform here (test/review-plan.test.ts runs the whole command once).
import { TerraformStack, Testing } from "cdktf";
import { guardrailReport } from "../constructs/guardrails";
import type { AwsSecretsStack } from "../stacks/aws-stack";
import { buildReview } from "../scripts/review/build";
import { classifyActions, summarizePlan } from "../scripts/review/changes";
import { renderMarkdown } from "../scripts/review/markdown";
import type { Review, ReviewedStack } from "../scripts/review/model";
import type { TerraformPlan } from "../scripts/terraform-offline";
import { synthExample, synthYaml } from "./helpers/synth";
import { freshStack } from "./guardrails-helpers";

const BACKENDS = { aws: "aws", vault: "vault", azure: "azure" } as const;

function reviewOf(env: string, stacks: Record<string, TerraformStack>, json: Record<string, any>, production = env === "prod"): Review {
  const names = ["aws", "vault", "azure"].map((b) => `${b}-${env}`).filter((n) => json[n]);
  const reviewed: ReviewedStack[] = names.map((name) => ({ name, backend: BACKENDS[name.split("-")[0] as keyof typeof BACKENDS], json: json[name] }));
  return buildReview({ environment: env, production, stacks: reviewed, guardrails: names.map((n) => guardrailReport(stacks[n])!) });
}

const example = synthExample();
const dev = reviewOf("dev", example.stacks, example.json);
const prod = reviewOf("prod", example.stacks, example.json);
const row = (r: { workload: string; secret: string; backend: string; permission: string }) => [r.workload, r.secret, r.backend, r.permission];

describe("access matrix of the example (dev)", () => {
  it("lists every grant, row by row", () => {
    expect(dev.access.map(row)).toEqual([
      ["deployer (Terraform's credentials)", "* (every secret in acme-dev-kv)", "azure", "manage (Key Vault Secrets Officer)"],
      // The Azure rotation function, on each secret it rotates and on its companion that holds the pending value;
      // its storage and telemetry roles reach no secret.
      ...["dev/dbadmin/master", "dev/myapp/database", "dev/myapp/jwt"].flatMap((p) =>
        [p, `${p} (pending value)`].map((secret) => ["function acme-dev-rotation", secret, "azure", "manage (Key Vault Secrets Officer)"]),
      ),
      // On Vault myapp's database is dynamic credentials and its jwt a transit key the workloads sign with; only
      // openai is a stored value there.
      ["k8s myapp-jobs/myapp-worker", "database/creds/dev-myapp (dynamic credentials)", "vault", "read (creds: read)"],
      ["k8s myapp-jobs/myapp-worker", "dev/myapp/database", "aws", "read (GetSecretValue, DescribeSecret)"],
      ["k8s myapp-jobs/myapp-worker", "dev/myapp/database", "azure", "read (Key Vault Secrets User)"],
      ["k8s myapp-jobs/myapp-worker", "dev/myapp/jwt", "aws", "read (GetSecretValue, DescribeSecret)"],
      ["k8s myapp-jobs/myapp-worker", "dev/myapp/jwt", "azure", "read (Key Vault Secrets User)"],
      ["k8s myapp-jobs/myapp-worker", "transit/keys/dev-myapp--jwt (transit signing key)", "vault", "sign (sign: update; verify: update; keys: read)"],
      ["k8s myapp/myapp-api", "database/creds/dev-myapp (dynamic credentials)", "vault", "read (creds: read)"],
      ["k8s myapp/myapp-api", "dev/myapp/database", "aws", "read (GetSecretValue, DescribeSecret)"],
      ["k8s myapp/myapp-api", "dev/myapp/database", "azure", "read (Key Vault Secrets User)"],
      ["k8s myapp/myapp-api", "dev/myapp/jwt", "aws", "read (GetSecretValue, DescribeSecret)"],
      ["k8s myapp/myapp-api", "dev/myapp/jwt", "azure", "read (Key Vault Secrets User)"],
      ["k8s myapp/myapp-api", "dev/myapp/openai", "aws", "read (GetSecretValue, DescribeSecret)"],
      ["k8s myapp/myapp-api", "dev/myapp/openai", "vault", "read (data: read; metadata: read)"],
      ["k8s myapp/myapp-api", "dev/myapp/openai", "azure", "read (Key Vault Secrets User)"],
      ["k8s myapp/myapp-api", "transit/keys/dev-myapp--jwt (transit signing key)", "vault", "sign (sign: update; verify: update; keys: read)"],
      ["k8s myapp/myapp-web", "dev/myapp/jwt", "aws", "read (GetSecretValue, DescribeSecret)"],
      ["k8s myapp/myapp-web", "dev/myapp/jwt", "azure", "read (Key Vault Secrets User)"],
      ["k8s myapp/myapp-web", "transit/keys/dev-myapp--jwt (transit signing key)", "vault", "sign (sign: update; verify: update; keys: read)"],
      ["lambda acme-dev-rotate-jwt", "dev/myapp/jwt", "aws", "rotate (DescribeSecret, GetSecretValue, PutSecretValue, UpdateSecretVersionStage)"],
      ["lambda acme-dev-rotate-postgres-alternating-users-dbadmin-master", "dev/dbadmin/master", "aws", "read (GetSecretValue, DescribeSecret)"],
      ["lambda acme-dev-rotate-postgres-alternating-users-dbadmin-master", "dev/myapp/database", "aws", "rotate (DescribeSecret, GetSecretValue, PutSecretValue, UpdateSecretVersionStage)"],
      ["lambda acme-dev-rotate-postgres-single-user", "dev/dbadmin/master", "aws", "rotate (DescribeSecret, GetSecretValue, PutSecretValue, UpdateSecretVersionStage)"],
    ]);
  });

  it("says how each principal authenticates, per backend", () => {
    const auth = (backend: string, secret = backend === "vault" ? "dev/myapp/openai" : "dev/myapp/jwt") => dev.access.find((r) => r.workload === "k8s myapp/myapp-api" && r.backend === backend && r.secret === secret)!.authentication;
    expect(auth("aws")).toBe("IRSA: EKS token for system:serviceaccount:myapp:myapp-api (aud sts.amazonaws.com) assumes role acme-dev-myapp-api");
    expect(auth("vault")).toBe("Vault Kubernetes auth: role dev-myapp-api at auth/kubernetes (aud https://kubernetes.default.svc, token ttl 3600s), policy dev-myapp-api");
    expect(auth("azure")).toBe(
      "AKS workload identity: system:serviceaccount:myapp:myapp-api (aud api://AzureADTokenExchange) federated to managed identity acme-dev-myapp-api",
    );
    expect(dev.access.find((r) => r.workload === "lambda acme-dev-rotate-jwt")!.authentication).toBe("Lambda execution role acme-dev-rotate-jwt");
  });

  it("names the stack each grant comes from", () => {
    expect(new Set(dev.access.map((r) => `${r.backend}:${r.stack}`))).toEqual(new Set(["aws:aws-dev", "vault:vault-dev", "azure:azure-dev"]));
  });

  it("prod grants the same shape with prod names, plus its break-glass role on every AWS secret", () => {
    const isBreakGlass = (r: { workload: string }) => r.workload.startsWith("break-glass ");
    expect(prod.access.filter((r) => !isBreakGlass(r)).map(row).map((r) => r.join(" | ").replace(/prod/g, "dev"))).toEqual(dev.access.map(row).map((r) => r.join(" | ")));
    expect(dev.access.filter(isBreakGlass)).toEqual([]);
    expect(prod.access.filter(isBreakGlass).map(row)).toEqual(
      ["prod/dbadmin/master", "prod/myapp/database", "prod/myapp/jwt", "prod/myapp/openai"].map((secret) => [
        "break-glass arn:aws:iam::333333333333:role/secrets-break-glass",
        secret,
        "aws",
        "read (GetSecretValue, excepted from the secret's read-deny)",
      ]),
    );
  });
});

describe("who can read an AWS secret (each secret's read-deny)", () => {
  it("lists every secret's readers, and says in the Markdown that nothing else can read", () => {
    expect(prod.awsReadGuards.map((g) => g.secret)).toEqual(["prod/dbadmin/master", "prod/myapp/database", "prod/myapp/jwt", "prod/myapp/openai"]);
    expect(prod.awsReadGuards.find((g) => g.secret === "prod/myapp/openai")!.readers).toEqual([
      "arn:aws:iam::333333333333:role/secrets-break-glass",
      "arn:aws:iam::333333333333:role/acme-prod-myapp-api",
    ]);
    const text = renderMarkdown(prod);
    expect(text).toContain("**AWS: nothing else can read.** Each secret's resource policy denies `secretsmanager:GetSecretValue` to every principal not listed above for it");
    expect(text).toContain("Break-glass roles: `arn:aws:iam::333333333333:role/secrets-break-glass`.");
    expect(renderMarkdown(dev)).toContain("Break-glass roles: none.");
  });

  it("says plainly which secrets anyone with IAM permission can read when a read-deny is missing", () => {
    const json: any = structuredClone(example.json["aws-dev"]);
    for (const p of Object.values<any>(json.resource.aws_secretsmanager_secret_policy)) {
      if (!p.policy.includes("acme-dev-rotate-jwt")) continue;
      const doc = JSON.parse(p.policy);
      doc.Statement = doc.Statement.filter((s: any) => s.Action !== "secretsmanager:GetSecretValue");
      p.policy = JSON.stringify(doc);
    }
    const review = buildReview({ environment: "dev", production: false, stacks: [{ name: "aws-dev", backend: "aws", json }], guardrails: [] });
    expect(renderMarkdown(review)).toContain("**AWS: anyone whose IAM policy allows it can read** `dev/myapp/jwt`: its resource policy has no read-deny.");
  });
});

describe("access matrix shows what is really granted, not what the description says", () => {
  it("a statement added to the workload's role appears as a row", () => {
    const stack = freshStack<AwsSecretsStack>("aws", "dev");
    stack.secretAt("dev/dbadmin/master").grantRead(stack.workloadRoles.get("myapp/api")!);
    const review = buildReview({
      environment: "dev",
      production: false,
      stacks: [{ name: "aws-dev", backend: "aws", json: JSON.parse(Testing.synth(stack)) }],
      guardrails: [],
    });
    expect(review.access.filter((r) => r.workload === "k8s myapp/myapp-api").map((r) => r.secret)).toEqual([
      "dev/dbadmin/master",
      "dev/myapp/database",
      "dev/myapp/jwt",
      "dev/myapp/openai",
    ]);
  });

  it("a Resource \"*\" grant reads as every secret", () => {
    const stack = freshStack<AwsSecretsStack>("aws", "dev");
    stack.workloadRoles.get("myapp/api")!.addToPolicy({ actions: ["secretsmanager:GetSecretValue"], resources: ["*"] });
    const review = buildReview({ environment: "dev", production: false, stacks: [{ name: "aws-dev", backend: "aws", json: JSON.parse(Testing.synth(stack)) }], guardrails: [] });
    expect(review.access.map(row)).toContainEqual(["k8s myapp/myapp-api", "* (every secret)", "aws", "read (GetSecretValue)"]);
  });
});

describe("rotation table of the example (dev)", () => {
  it("lists every secret on every backend with its mechanism and cadence, row by row", () => {
    expect(dev.rotation.map((r) => [r.secret, r.backend, r.type, r.mechanism, r.cadence, r.finding ?? "ok"])).toEqual([
      ["dev/dbadmin/master", "aws", "postgres", "AWS Lambda acme-dev-rotate-postgres-single-user", "every 30 days, first rotation once a value is put", "ok"],
      ["dev/myapp/database", "aws", "postgres", "AWS Lambda acme-dev-rotate-postgres-alternating-users-dbadmin-master", "every 30 days, first rotation once a value is put", "ok"],
      ["dev/myapp/jwt", "aws", "jwt", "AWS Lambda acme-dev-rotate-jwt", "every 7 days, first rotation on create", "ok"],
      ["dev/myapp/openai", "aws", "api-key", "none", "never (value put by a person)", "ok"],
      ["database/creds/dev-myapp", "vault", "postgres (dynamic)", "Vault dynamic role", "lease 1h, at most 1d", "ok"],
      ["dev/myapp/openai", "vault", "api-key", "none", "never", "ok"],
      ["transit/keys/dev-myapp--jwt", "vault", "jwt (transit rsa-2048)", "Vault transit auto-rotate", "every 7 days", "ok"],
      // The Azure rotation function lists them in ROTATION_SECRETS; their pending companions are no rows of their own.
      ["dev/dbadmin/master", "azure", "postgres", "Azure Function acme-dev-rotation", "every 30 days, on SecretNearExpiry", "ok"],
      ["dev/myapp/database", "azure", "postgres", "Azure Function acme-dev-rotation", "every 30 days, on SecretNearExpiry", "ok"],
      ["dev/myapp/jwt", "azure", "jwt", "Azure Function acme-dev-rotation", "every 7 days, on SecretNearExpiry", "ok"],
      ["dev/myapp/openai", "azure", "api-key", "none", "expires 90 days after creation", "ok"],
    ]);
  });

  it("reads the Azure function's ROTATION_SECRETS: a listed secret rotates by the Azure Function, an unlisted rotatable one is a finding", () => {
    const json: any = structuredClone(example.json["azure-dev"]);
    const settings = { "myapp--jwt": { type: "jwt", everyDays: 7, algorithm: "RS256" }, "dbadmin--master": { type: "postgres", strategy: "single-user", everyDays: 30 } };
    json.resource.azurerm_function_app_flex_consumption = { rotation: { name: "acme-dev-rotation", app_settings: { ROTATION_SECRETS: JSON.stringify(settings) } } };
    const review = buildReview({ environment: "dev", production: false, stacks: [{ name: "azure-dev", backend: "azure", json }], guardrails: [] });
    expect(review.rotation.map((r) => [r.secret, r.mechanism, r.strategy, r.cadence, r.finding ?? "ok"])).toEqual([
      ["dev/dbadmin/master", "Azure Function acme-dev-rotation", "single-user", "every 30 days, on SecretNearExpiry", "ok"],
      ["dev/myapp/database", "none", "none", "never expires", "rotatable secret with no rotation on azure: its value there never changes"],
      ["dev/myapp/jwt", "Azure Function acme-dev-rotation", "new value each rotation", "every 7 days, on SecretNearExpiry", "ok"],
      ["dev/myapp/openai", "none", "none (value put by a person)", "expires 90 days after creation", "ok"],
    ]);
    const text = renderMarkdown(review);
    expect(text).toContain("**1 rotatable secret with no rotation where it is placed:** `dev/myapp/database` on azure.");
    expect(text).toContain("| `dev/myapp/jwt` | azure | jwt | Azure Function acme-dev-rotation | new value each rotation | every 7 days, on SecretNearExpiry |  | ok |");
  });

  it("a rotatable secret stored without rotation on AWS or in Vault's KV is a finding", () => {
    const aws: any = structuredClone(example.json["aws-dev"]);
    delete aws.resource.aws_secretsmanager_secret_rotation;
    const vault: any = structuredClone(example.json["vault-dev"]);
    vault.output.kv_secret_types.value["dev/myapp/session"] = "token";
    const review = buildReview({ environment: "dev", production: false, stacks: [{ name: "aws-dev", backend: "aws", json: aws }, { name: "vault-dev", backend: "vault", json: vault }], guardrails: [] });
    expect(review.rotation.filter((r) => r.finding).map((r) => [r.secret, r.backend])).toEqual([
      ["dev/dbadmin/master", "aws"],
      ["dev/myapp/database", "aws"],
      ["dev/myapp/jwt", "aws"],
      ["dev/myapp/session", "vault"],
    ]);
  });
});

describe("network exposure of the example (dev)", () => {
  it("flags nothing and names every way in", () => {
    expect(dev.network.filter((r) => r.flagged)).toEqual([]);
    expect(dev.network.map((r) => `${r.backend} ${r.resource}`)).toEqual([
      "aws Lambda acme-dev-rotate-jwt",
      "aws Lambda acme-dev-rotate-postgres-alternating-users-dbadmin-master",
      "aws Lambda acme-dev-rotate-postgres-single-user",
      "aws VPC endpoint com.amazonaws.us-east-1.secretsmanager",
      "aws Secret resource policies (4)",
      "vault Vault",
      "vault Kubernetes API (token review)",
      "azure Key Vault acme-dev-kv",
      "azure Private endpoint acme-dev-kv-pe",
    ]);
    const kv = dev.network.find((r) => r.resource === "Key Vault acme-dev-kv")!;
    expect(kv.exposure).toBe("public network access disabled; firewall default Deny (bypass AzureServices, 0 IP rules, 0 subnets); RBAC on");
    expect(dev.network.find((r) => r.resource === "Vault")!.exposure).toBe("https://vault.dev.example.com:8200");
    expect(dev.network.find((r) => r.resource === "Secret resource policies (4)")!.exposure).toBe("block_public_policy on every secret; requests without TLS denied");
    expect(dev.network.find((r) => r.resource === "Lambda acme-dev-rotate-jwt")!.exposure).toBe(
      "in VPC subnets subnet-0a1b2c3d4e5f60001, subnet-0a1b2c3d4e5f60002, security groups sg-0a1b2c3d4e5f60001",
    );
    expect(dev.network.find((r) => r.resource === "VPC endpoint com.amazonaws.us-east-1.secretsmanager")!.exposure).toMatch(
      /private DNS on: every client of the VPC reaches the service through it, ingress tcp\/443 from sg-0a1b2c3d4e5f60001; tcp\/443 from 10\.10\.0\.0\/16$/,
    );
    expect(dev.network.find((r) => r.resource === "Kubernetes API (token review)")!.exposure).toBe("https://k8s.dev.example.com:6443, cluster CA pinned");
  });

  it("says where Secrets Manager is reached when the VPC's existing endpoint serves the functions (staging)", () => {
    const staging = reviewOf("staging", example.stacks, example.json);
    expect(staging.network.find((r) => r.resource === "Secrets Manager from the VPC")).toEqual({
      backend: "aws",
      resource: "Secrets Manager from the VPC",
      exposure: "through the VPC's existing endpoint or a NAT, neither managed here (secretsManagerEndpoint: existing or none)",
      flagged: false,
    });
  });

  it("flags as broken a private-DNS endpoint that admits only the rotation functions", () => {
    const json: any = structuredClone(example.json["aws-dev"]);
    for (const [name, r] of Object.entries<any>(json.resource.aws_vpc_security_group_ingress_rule)) if (r.cidr_ipv4) delete json.resource.aws_vpc_security_group_ingress_rule[name];
    const review = buildReview({ environment: "dev", production: false, stacks: [{ name: "aws-dev", backend: "aws", json }], guardrails: [] });
    const endpoint = review.network.find((r) => r.resource.startsWith("VPC endpoint"))!;
    expect(endpoint).toMatchObject({ flagged: true, flag: "broken", exposure: expect.stringContaining("admits only the rotation functions, so every other client in the VPC times out") });
    expect(renderMarkdown(review)).toMatch(/\| aws \| VPC endpoint com\.amazonaws\.us-east-1\.secretsmanager \| .* \| \*\*broken\*\* \|/);
  });

  it("stops calling the Kubernetes token review ok when the cluster's CA is absent", () => {
    const json: any = structuredClone(example.json["vault-dev"]);
    for (const c of Object.values<any>(json.resource.vault_kubernetes_auth_backend_config)) delete c.kubernetes_ca_cert;
    const review = buildReview({ environment: "dev", production: false, stacks: [{ name: "vault-dev", backend: "vault", json }], guardrails: [] });
    const row = review.network.find((r) => r.resource === "Kubernetes API (token review)")!;
    expect(row).toMatchObject({ flagged: true, flag: "broken" });
    expect(row.exposure).toContain("no cluster CA: Vault checks the API server against its system trust store, and every Kubernetes login fails");
    expect(renderMarkdown(review)).toContain("| **broken** |");
  });

  it("flags a Key Vault opened to the internet", () => {
    const stack = freshStack("azure", "dev");
    const json = JSON.parse(Testing.synth(stack));
    const [name] = Object.keys(json.resource.azurerm_key_vault);
    json.resource.azurerm_key_vault[name].public_network_access_enabled = true;
    json.resource.azurerm_key_vault[name].network_acls.default_action = "Allow";
    const review = buildReview({ environment: "dev", production: false, stacks: [{ name: "azure-dev", backend: "azure", json }], guardrails: [] });
    expect(review.network.find((r) => r.resource === "Key Vault acme-dev-kv")).toMatchObject({
      flagged: true,
      exposure: expect.stringContaining("public network access enabled; firewall default Allow"),
    });
  });
});

describe("who-can-read-what diagram", () => {
  it("has one edge per principal and secret, labelled per backend", () => {
    expect(dev.mermaid.split("\n")[0]).toBe("flowchart LR");
    expect(dev.mermaid).toContain('w3["k8s myapp/myapp-api"]');
    expect(dev.mermaid).toContain('s4[("dev/myapp/database")]');
    expect(dev.mermaid).toContain('w3 -->|"aws: read, vault: read, azure: read"| s8');
    // On Vault the database is dynamic credentials and the jwt a transit key: edges of their own.
    expect(dev.mermaid).toContain('w3 -->|"aws: read, azure: read"| s4');
    expect(dev.mermaid).toContain('w3 -->|"vault: sign"| s9');
    expect(dev.mermaid).toContain('w0 -->|"azure: manage"| s0');
    // The Azure rotation function manages the secrets it rotates and their pending companions.
    expect(dev.mermaid).toContain('w1["function acme-dev-rotation"]');
    expect(dev.mermaid).toContain('w1 -->|"azure: manage"| s4');
    expect(dev.mermaid).toContain('w1 -->|"azure: manage"| s5');
    expect(dev.mermaid).toContain('s5[("dev/myapp/database (pending value)")]');
    expect(dev.mermaid.split("\n").filter((l) => l.includes("-->"))).toHaveLength(22);
  });
});

describe("changes", () => {
  it("counts every synthesized resource as a create, saying why, when no plan ran", () => {
    for (const c of dev.changes) {
      const json = example.json[c.stack];
      const resources = Object.values(json.resource ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
      expect(c).toMatchObject({ source: "synthesized JSON", counts: { create: resources, update: 0, replace: 0, delete: 0 }, risky: [] });
      expect(c.note).toContain("No state is available offline");
    }
  });

  it("classifies Terraform's action lists", () => {
    expect(classifyActions(["create"])).toBe("create");
    expect(classifyActions(["delete", "create"])).toBe("replace");
    expect(classifyActions(["create", "delete"])).toBe("replace");
    expect(classifyActions(["update"])).toBe("update");
    expect(classifyActions(["delete"])).toBe("delete");
    expect(classifyActions(["no-op"])).toBe("no-op");
  });

  it("flags every replace or delete of a secret, key or vault in a plan, and nothing else", () => {
    const change = (address: string, actions: string[]) => ({ address, type: address.split(".")[0], name: address.split(".")[1], change: { actions } });
    const plan: TerraformPlan = {
      resource_changes: [
        change("aws_secretsmanager_secret.db", ["delete"]),
        change("aws_kms_key.key", ["delete", "create"]),
        change("aws_iam_role.role", ["delete", "create"]),
        change("aws_iam_role_policy.p", ["update"]),
        change("aws_lambda_function.fn", ["create"]),
        change("aws_cloudwatch_log_group.logs", ["no-op"]),
        change("aws_secretsmanager_secret_rotation.r", ["delete"]),
      ],
    };
    const summary = summarizePlan("aws-prod", "aws", plan);
    expect(summary.counts).toEqual({ create: 1, update: 1, replace: 2, delete: 2 });
    expect(summary.risky).toEqual([
      { address: "aws_secretsmanager_secret.db", type: "aws_secretsmanager_secret", action: "delete", why: "deletes the secret and all its versions (after the recovery window)" },
      { address: "aws_kms_key.key", type: "aws_kms_key", action: "replace", why: "replaces the key that decrypts every secret of the environment (after the deletion window)" },
    ]);

    const review = buildReview({
      environment: "prod",
      production: true,
      stacks: [{ name: "aws-prod", backend: "aws", json: example.json["aws-prod"] }],
      plans: { "aws-prod": plan },
      guardrails: [],
    });
    const markdown = renderMarkdown(review);
    expect(markdown).toContain("| aws-prod | terraform plan | 1 | 1 | 2 | 2 | **2** |");
    expect(markdown).toContain("**Risky changes** (a secret, key or vault is replaced or deleted):");
    expect(markdown).toContain("| aws-prod | `aws_secretsmanager_secret.db` | **delete** | deletes the secret and all its versions (after the recovery window) |");
  });
});

describe("the Markdown review", () => {
  const markdown = renderMarkdown(dev);

  it("has every section, and says the guardrails passed", () => {
    for (const heading of ["# Review of environment `dev`", "## Changes per stack", "## Access matrix", "## Who can read what", "## Rotation", "## Network exposure", "## Guardrails", "### Suppressions"]) {
      expect(markdown).toContain(heading);
    }
    expect(markdown).toContain("**Guardrails: passed.**");
    expect(markdown).toContain("```mermaid\nflowchart LR");
    expect(markdown).toContain("| k8s myapp/myapp-api | `dev/myapp/openai` | vault | read (data: read; metadata: read) |");
  });

  it("marks production and lists failing findings with their fix", () => {
    const stack = freshStack<AwsSecretsStack>("aws", "prod");
    stack.key.key.enableKeyRotation = false;
    const review = buildReview({
      environment: "prod",
      production: true,
      stacks: [{ name: "aws-prod", backend: "aws", json: JSON.parse(Testing.synth(stack)) }],
      guardrails: [guardrailReport(stack)!],
    });
    expect(review.passed).toBe(false);
    const text = renderMarkdown(review);
    expect(text).toContain("# Review of environment `prod` (production)");
    expect(text).toContain("**Guardrails: FAILED** with 1 finding;");
    expect(text).toContain("| SP-AWS-004 | `aws-prod/environment-key/key` | enable_key_rotation is false | Set enable_key_rotation = true on the key (EnvironmentKey does). |");
  });
});

describe("a Vault-only description with AppRole and dynamic credentials (test/vault-fixtures)", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SECOND_DESCRIPTION } = require("./vault-fixtures");
  const { stacks, json } = synthYaml(SECOND_DESCRIPTION);
  const qa = reviewOf("qa", stacks, json, false);

  it("lists AppRole and Kubernetes logins with KV paths, and only the creds/ path for dynamic secrets", () => {
    expect(qa.access.map(row)).toEqual([
      ["approle qa-orders-batch", "pg/creds/qa-orders (dynamic credentials)", "vault", "read (creds: read)"],
      ["approle qa-orders-batch", "qa/orders/stripe", "vault", "read (data: read; metadata: read)"],
      ["approle qa-reports-exporter", "pg/static-creds/qa-reports--warehouse (static role)", "vault", "read (static-creds: read)"],
      ["k8s billing/billing-worker", "pg/creds/qa-billing-core (dynamic credentials)", "vault", "read (creds: read)"],
      ["k8s billing/billing-worker", "qa/billing-core/token", "vault", "read (data: read; metadata: read)"],
      ["k8s orders/orders-api", "pg/creds/qa-orders (dynamic credentials)", "vault", "read (creds: read)"],
      ["k8s orders/orders-api", "transit/keys/qa-orders--signing (transit signing key)", "vault", "sign (sign: update; verify: update; keys: read)"],
    ]);
    expect(qa.access[0].authentication).toBe(
      "Vault AppRole: role qa-orders-batch at auth/approle-qa (role id + secret id, secret id ttl 3600s, from 10.20.0.0/16), policy qa-orders-batch",
    );
    expect(qa.access.find((r) => r.workload === "k8s orders/orders-api")!.authentication).toBe(
      "Vault Kubernetes auth: role qa-orders-api at auth/k8s-qa (aud vault-qa, token ttl 900s), policy qa-orders-api",
    );
  });

  it("lists Vault's mechanisms in the rotation table: dynamic leases, the static role's period, the transit key's auto-rotation", () => {
    expect(qa.rotation.filter((r) => r.mechanism !== "none").map((r) => [r.secret, r.type, r.mechanism, r.cadence, r.function])).toEqual([
      ["pg/creds/qa-billing-core", "postgres (dynamic)", "Vault dynamic role", "lease 30m, at most 2h", "Vault database engine, connection postgres (pg.qa.example.com:5432/orders)"],
      ["pg/creds/qa-orders", "postgres (dynamic)", "Vault dynamic role", "lease 30m, at most 2h", "Vault database engine, connection postgres (pg.qa.example.com:5432/orders)"],
      ["pg/static-creds/qa-reports--warehouse", "postgres (static role)", "Vault static role", "every 30 days", "Vault database engine, connection postgres (pg.qa.example.com:5432/orders)"],
      ["transit/keys/qa-orders--signing", "jwt (transit ecdsa-p256)", "Vault transit auto-rotate", "every 7 days", "Vault transit engine"],
    ]);
    // Not a day-long credential: Vault revokes a lease with the token that created it.
    for (const r of qa.rotation.filter((x) => x.mechanism === "Vault dynamic role")) {
      expect(r.strategy).toBe("new login per lease, dropped when the lease ends or the Vault token that read it expires");
    }
    expect(qa.rotation.find((r) => r.mechanism === "Vault static role")!.strategy).toBe("Vault changes the password of existing user reports_warehouse");
    // The stored values are api-keys a person puts: nothing to rotate, no finding.
    expect(qa.rotation.filter((r) => r.mechanism === "none").map((r) => [r.secret, r.type, r.finding ?? "ok"])).toEqual([
      ["qa/archive/key", "api-key", "ok"],
      ["qa/billing-core/token", "api-key", "ok"],
      ["qa/orders/stripe", "api-key", "ok"],
      ["qa/reports/unused", "api-key", "ok"],
    ]);
  });

  it("flags an AppRole that can log in from any address", () => {
    expect(qa.network.filter((r) => r.flagged).map((r) => r.resource)).toEqual(["AppRole qa-reports-exporter"]);
  });
});
