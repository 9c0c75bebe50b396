// Adopting existing secrets (issue 23, docs/adopting.md): the description's adopt fields, what each backend's stack
// synthesizes from them (an import block on AWS only, the existing name everywhere as the contract, never a value),
// the review's import section and warnings, and the refusals.
import { exampleDescription, issuesOf, toYaml } from "./helpers/descriptions";
import { resources, synthYaml, type StackJson } from "./helpers/synth";
import { kubeObjects } from "./helpers/kubernetes";
import { buildReview } from "../review/build";
import { renderMarkdown } from "../review/markdown";
import { summarizePlan } from "../review/changes";
import { guardrailReport } from "../guardrails";
import { offlineWorkspace } from "../scripts/terraform-offline";
import { runReview } from "../review/run";
import { parsePlatform } from "../config/load";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const STRIPE_ARN = "arn:aws:secretsmanager:us-east-1:111111111111:secret:legacy/stripe-AbC123";

/** The example's dev environment only, plus an application `legacy` whose secrets exist already. */
function adoptingDescription(): any {
  const d = exampleDescription();
  delete d.environments.staging;
  delete d.environments.prod;
  d.applications.legacy = {
    secrets: {
      stripe: { type: "api-key", adopt: { aws: STRIPE_ARN, vault: "legacy/stripe" } },
      session: { type: "token", rotation: { everyDays: 30 }, adopt: { aws: "legacy/session" } },
      plain: { type: "api-key" },
    },
    workloads: {
      "sync-aws": { kubernetes: { namespace: "legacy", serviceAccount: "legacy-aws", delivery: "external-secrets", backend: "aws" }, reads: ["stripe", "session"] },
      "sync-azure": { kubernetes: { namespace: "legacy-az", serviceAccount: "legacy-azure", delivery: "external-secrets", backend: "azure" }, reads: ["stripe"] },
      agent: { kubernetes: { namespace: "legacy", serviceAccount: "legacy-agent", delivery: "vault-agent" }, reads: ["stripe"] },
    },
  };
  // The Key Vault name is environment-specific: given per environment.
  d.environments.dev.applications = { legacy: { secrets: { stripe: { adopt: { azure: "stripe-key" } } } } };
  return d;
}

const { json, stacks } = synthYaml(toYaml(adoptingDescription()), { environments: ["dev"] });
const aws = json["aws-dev"];
const vault = json["vault-dev"];
const azure = json["azure-dev"];
const k8s = json["kubernetes-dev"];
const imports = (s: StackJson): Array<{ to: string; id: string }> => (s as any).import ?? [];
const awsSecret = (name: string) => Object.entries(resources(aws, "aws_secretsmanager_secret")).find(([, r]) => r.name === name);

describe("aws-dev", () => {
  it("imports exactly the adopted secrets, by the ARN or name given, into the secret resource of their path", () => {
    const byId = new Map(imports(aws).map((i) => [i.id, i.to]));
    expect([...byId.keys()].sort()).toEqual([STRIPE_ARN, "legacy/session"].sort());
    const [stripeName] = awsSecret("legacy/stripe")!;
    expect(byId.get(STRIPE_ARN)).toBe(`aws_secretsmanager_secret.${stripeName}`);
    expect(byId.get("legacy/session")).toBe(`aws_secretsmanager_secret.${awsSecret("legacy/session")![0]}`);
    // Not adopted: created under the convention, no import.
    expect(awsSecret("dev/legacy/plain")).toBeDefined();
    expect(awsSecret("dev/legacy/stripe")).toBeUndefined();
  });

  it("keeps the existing name as the contract: the secret, the workload's grant and the read-deny name it", () => {
    const [name, secret] = awsSecret("legacy/stripe")!;
    // The provider forces a replacement when name changes: the import must carry the existing name.
    expect(secret.name).toBe("legacy/stripe");
    // The platform's key and tags apply on the first apply.
    expect(secret.kms_key_id).toMatch(/^\$\{aws_kms_key\./);
    expect(secret.tags).toMatchObject({ application: "legacy", "managed-by": "secrets-platform" });
    const policy = Object.values(resources(aws, "aws_iam_role_policy")).map((p) => JSON.stringify(p.policy)).join("\n");
    expect(policy).toContain("arn:aws:secretsmanager:us-east-1:111111111111:secret:legacy/stripe-??????");
    expect(policy).not.toContain("secret:dev/legacy/stripe-");
    const resourcePolicy = Object.values(resources(aws, "aws_secretsmanager_secret_policy")).find((p) => p.secret_arn === `\${aws_secretsmanager_secret.${name}.arn}`)!;
    const deny = JSON.parse(resourcePolicy.policy).Statement.find((s: any) => s.Action === "secretsmanager:GetSecretValue");
    // Every workload that reads it has an IRSA role (delivery aside): exactly those, by the adopted secret's own policy.
    expect(deny.Condition.ArnNotLike["aws:PrincipalArn"].sort()).toEqual(["agent", "sync-aws", "sync-azure"].map((w) => `arn:aws:iam::111111111111:role/acme-dev-legacy-${w}`));
  });

  it("writes no value: no secret version, and an adopted rotating secret does not rotate at the apply", () => {
    expect(resources(aws, "aws_secretsmanager_secret_version")).toEqual({});
    expect(JSON.stringify(aws)).not.toMatch(/secret_string|secret_binary/);
    const [session] = awsSecret("legacy/session")!;
    const rotation = Object.values(resources(aws, "aws_secretsmanager_secret_rotation")).find((r) => r.secret_id === `\${aws_secretsmanager_secret.${session}.arn}`)!;
    expect(rotation.rotate_immediately).toBe(false);
    // A created token still gets its first value from the rotation at apply.
    const [jwt] = awsSecret("dev/myapp/jwt")!;
    expect(Object.values(resources(aws, "aws_secretsmanager_secret_rotation")).find((r) => r.secret_id === `\${aws_secretsmanager_secret.${jwt}.arn}`)!.rotate_immediately).toBe(true);
  });

  it("validates offline with Terraform and its import blocks; a plan needs the real account, since import reads the secret", () => {
    const ws = offlineWorkspace(aws);
    try {
      expect(ws.run(["validate", "-no-color"])).toMatch(/Success! The configuration is valid/);
      // With mock credentials the import's read of the existing secret fails: plan is not possible offline.
      let failure = "";
      try {
        ws.plan();
      } catch (e) {
        failure = (e as Error).message;
      }
      if (process.env.SHOW_IMPORT_PLAN) console.log(failure);
      expect(failure).toMatch(/terraform plan .* failed/);
      // The import reads the existing secret with DescribeSecret (by the name or ARN given), which mock credentials cannot.
      expect(failure).toMatch(/reading Secrets Manager Secret \(legacy\/session\): operation error Secrets Manager: DescribeSecret/);
    } finally {
      ws.dispose();
    }
  }, 180_000);
});

describe("vault-dev and azure-dev: no import, the existing name granted, nothing managed", () => {
  it("Vault grants the workload's policy on the adopted KV path, and manages no KV secret", () => {
    const policies = Object.values(resources(vault, "vault_policy")).map((p) => String(p.policy)).join("\n");
    expect(policies).toContain('path "secret/data/legacy/stripe"');
    expect(policies).toContain('path "secret/metadata/legacy/stripe"');
    expect(policies).not.toContain("secret/data/dev/legacy/stripe");
    // vault_kv_secret_v2's create and update both write data (terraform-provider-vault v5.6.0, kvSecretV2Write): none here.
    expect(resources(vault, "vault_kv_secret_v2")).toEqual({});
    expect(vault.output!.adopted_kv_paths.value).toEqual({ "dev/legacy/stripe": "legacy/stripe" });
    expect(vault.output!.kv_secret_paths.value).toContain("legacy/stripe");
  });

  it("Key Vault scopes the reader's role to the adopted secret, and creates no Key Vault secret for it", () => {
    const names = Object.values(resources(azure, "azurerm_key_vault_secret")).map((s) => s.name);
    expect(names).toContain("legacy--plain");
    expect(names).not.toContain("stripe-key");
    expect(names).not.toContain("legacy--stripe");
    const scopes = Object.values(resources(azure, "azurerm_role_assignment")).map((r) => String(r.scope));
    const onAdopted = scopes.filter((s) => s.endsWith("/secrets/stripe-key"));
    expect(onAdopted.length).toBeGreaterThan(0);
    // The versionless ARM id azurerm gives resource_versionless_id (parse.SecretVersionlessId at 4.55.0), as a literal
    // from the description, which SP-AZR-004 reads as one secret's scope.
    for (const s of onAdopted) {
      expect(s).toBe("/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-secrets-dev/providers/Microsoft.KeyVault/vaults/acme-dev-kv/secrets/stripe-key");
    }
    expect(scopes.some((s) => s.includes("legacy--stripe"))).toBe(false);
    expect(azure.output!.adopted_key_vault_secrets.value).toEqual({ "dev/legacy/stripe": "stripe-key" });
    expect((azure as any).import).toBeUndefined();
  });

  it("External Secrets and Vault Agent read the adopted names", () => {
    const es = kubeObjects(k8s).filter((o) => o.kind === "ExternalSecret");
    const keys = es.filter((o) => o.body.metadata.namespace.startsWith("legacy")).map((o) => `${o.body.spec.secretStoreRef.name}:${o.body.spec.dataFrom[0].extract.key}`).sort();
    expect(keys).toEqual(["legacy-sync-aws:legacy/session", "legacy-sync-aws:legacy/stripe", "legacy-sync-azure:stripe-key"]);
    const agent = JSON.stringify(k8s.output!["vault-agent-annotations-legacy-agent"].value);
    expect(agent).toContain("secret/data/legacy/stripe");
  });
});

describe("guardrails", () => {
  it("pass, with one suppression per adopted name that the conventions of SP-VLT-001 and SP-KUB-001 cannot know", () => {
    const reports = ["aws-dev", "vault-dev", "azure-dev", "kubernetes-dev"].map((n) => guardrailReport(stacks[n])!);
    expect(reports.flatMap((r) => r.findings)).toEqual([]);
    const suppressed = reports.flatMap((r) => r.suppressed.map((f) => `${f.ruleId} ${f.suppressedAt}`));
    // The Vault policies of the three workloads reading the adopted path, and the three ExternalSecrets of adopted names.
    expect(suppressed.filter((f) => f.startsWith("SP-VLT-001")).length).toBe(3);
    expect(suppressed.filter((f) => f.startsWith("SP-KUB-001")).length).toBe(3);
    const reasons = reports.flatMap((r) => r.suppressions.map((x) => x.reason)).filter((x: string) => /adopt/.test(x));
    expect(reasons).toEqual(expect.arrayContaining([expect.stringContaining("grants read on the adopted KV paths legacy/stripe of legacy")]));
    // Nothing else: the example's own suppressions stay what they were, none for myapp's conventional names.
    expect(suppressed.filter((f) => /SP-(VLT|KUB)-001/.test(f)).every((f) => /legacy/.test(f))).toBe(true);
    expect(suppressed.filter((f) => f.startsWith("SP-KUB-001")).sort()).toEqual(
      ["sync-aws--session", "sync-aws--stripe", "sync-azure--stripe"].map((x) => `SP-KUB-001 kubernetes-dev/external-secret-legacy--${x}`),
    );
  });
});

describe("review", () => {
  const stacks = [
    { name: "aws-dev", backend: "aws" as const, json: aws },
    { name: "vault-dev", backend: "vault" as const, json: vault },
    { name: "azure-dev", backend: "azure" as const, json: azure },
  ];
  const review = buildReview({ environment: "dev", production: false, stacks, guardrails: [] });

  it("shows the adopted secrets as imports, apart from creates", () => {
    expect(review.adoptions!.map((a) => [a.secret, a.backend, a.existing, a.how.split(" ")[0]])).toEqual([
      ["dev/legacy/session", "aws", "legacy/session", "import"],
      ["dev/legacy/stripe", "aws", STRIPE_ARN, "import"],
      ["dev/legacy/stripe", "azure", "stripe-key", "granted"],
      ["dev/legacy/stripe", "vault", "legacy/stripe", "granted"],
    ]);
    const awsChanges = review.changes.find((c) => c.stack === "aws-dev")!;
    const all = Object.values(aws.resource!).reduce((n, byName) => n + Object.keys(byName).length, 0);
    expect(awsChanges.imports).toBe(2);
    expect(awsChanges.counts.create).toBe(all - 2);
    const md = renderMarkdown(review);
    expect(md).toContain("## Adopted secrets");
    expect(md).toContain("**2 imports** of existing secrets, not counted as creates");
  });

  it("warns where the first apply changes the key, the policy, or starts rotation", () => {
    const [session, stripe] = review.adoptions!.filter((a) => a.backend === "aws");
    for (const a of [session, stripe]) {
      expect(a.warnings.join("\n")).toMatch(/\*\*KMS key:\*\*.*readers outside this platform.*lose access/);
      expect(a.warnings.join("\n")).toMatch(/\*\*Policy:\*\* its resource policy is replaced; only .*`arn:aws:iam::111111111111:role\/acme-dev-legacy-sync-aws`.* may read the value afterwards/);
      expect(a.warnings.join("\n")).toMatch(/keeps its existing name legacy\/\w+, not dev\/legacy\/\w+/);
    }
    expect(session.warnings.join("\n")).toMatch(/\*\*Rotation starts:\*\*.*\(not at the apply\)/);
    expect(stripe.warnings.join("\n")).not.toMatch(/Rotation starts/);
  });

  it("npm run review: validates the AWS stack with import blocks instead of planning it, and writes the import section", () => {
    const outdir = mkdtempSync(path.join(os.tmpdir(), "adopt-review-"));
    try {
      const result = runReview({ environment: "dev", platform: parsePlatform(toYaml(adoptingDescription()), "test"), outdir });
      const aws = result.review.changes.find((c) => c.stack === "aws-dev")!;
      expect(aws.source).toBe("synthesized JSON");
      expect(aws.imports).toBe(2);
      expect(aws.note).toMatch(/validated offline with terraform validate/);
      expect(result.review.passed).toBe(true);
      const md = readFileSync(result.markdownFile, "utf8");
      expect(md).toContain("## Adopted secrets");
      expect(md).toMatch(/\| `dev\/legacy\/stripe` \| aws \| `arn:aws:secretsmanager:us-east-1:111111111111:secret:legacy\/stripe-AbC123` \| import/);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 180_000);

  it("counts an import from a plan as an import, not a create", () => {
    const plan = {
      resource_changes: [
        { address: "aws_secretsmanager_secret.a", type: "aws_secretsmanager_secret", name: "a", change: { actions: ["update"], importing: { id: STRIPE_ARN } } },
        { address: "aws_secretsmanager_secret.b", type: "aws_secretsmanager_secret", name: "b", change: { actions: ["create"] } },
      ],
    };
    const s = summarizePlan("aws-dev", "aws", plan as any);
    expect(s.imports).toBe(1);
    expect(s.counts.create).toBe(1);
  });
});

describe("refusals", () => {
  const withAdopt = (mutate: (d: any) => void) => {
    const d = adoptingDescription();
    mutate(d);
    return issuesOf(d);
  };

  it("accepts the adopting description", () => {
    expect(issuesOf(adoptingDescription())).toEqual([]);
  });

  it("refuses an adoption on a backend where the application is not placed", () => {
    const issues = withAdopt((d) => {
      d.environments.dev.applications.legacy.backends = ["aws", "vault"];
    });
    expect(issues.filter((i) => i.includes(".adopt."))).toEqual([
      "environments.dev.applications.legacy.secrets.stripe.adopt.azure: adopts a secret on azure, but legacy is not placed on azure in environment dev (placed on aws, vault); remove it or place legacy on azure in dev",
    ]);
    expect(withAdopt((d) => (d.applications.legacy.backends = ["aws"]))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^applications\.legacy\.secrets\.stripe\.adopt\.vault: adopts a secret on vault, but legacy is placed on vault in no environment/),
        expect.stringMatching(/^environments\.dev\.applications\.legacy\.secrets\.stripe\.adopt\.azure: adopts a secret on azure, but legacy is not placed on azure/),
      ]),
    );
  });

  it("refuses two secrets adopting one name, and an adopted name another secret gets by convention", () => {
    expect(withAdopt((d) => (d.applications.legacy.secrets.plain.adopt = { aws: "legacy/stripe" }))).toEqual([
      expect.stringMatching(/^applications\.legacy\.secrets\.plain\.adopt\.aws: adopts "legacy\/stripe" on aws, which applications\.legacy\.secrets\.stripe\.adopt\.aws \(environment dev\) already names/),
    ]);
    expect(withAdopt((d) => (d.applications.legacy.secrets.plain.adopt = { azure: "Stripe-Key" }))).toEqual([
      expect.stringMatching(/^applications\.legacy\.secrets\.plain\.adopt\.azure: adopts "Stripe-Key" on azure, which environments\.dev\.applications\.legacy\.secrets\.stripe\.adopt\.azure \(environment dev\) already names/),
    ]);
    expect(withAdopt((d) => (d.applications.legacy.secrets.plain.adopt = { vault: "dev/myapp/openai" }))).toEqual([
      expect.stringMatching(/^applications\.legacy\.secrets\.plain\.adopt\.vault: adopts the name dev\/myapp\/openai on vault, which myapp\/openai in environment dev gets by convention \(Vault https:\/\/vault.dev.example.com:8200 mount secret\)/),
    ]);
  });

  it("refuses one application-level adoption shared by two environments on the same account", () => {
    const d = adoptingDescription();
    d.environments.qa = structuredClone(d.environments.dev);
    delete d.environments.qa.pipeline;
    delete d.environments.qa.kubernetes;
    d.environments.qa.azure.resourceGroupName = "rg-secrets-qa";
    d.environments.qa.applications = {};
    const issues = issuesOf(d).filter((i) => i.includes("adopt"));
    expect(issues).toEqual(expect.arrayContaining([
      expect.stringMatching(/^applications\.legacy\.secrets\.stripe\.adopt\.aws: adopts "legacy\/stripe" on aws, which applications\.legacy\.secrets\.stripe\.adopt\.aws \(environment dev\) already names \(aws account 111111111111 in us-east-1\)/),
    ]));
  });

  it.each([
    ["aws", "arn:aws:secretsmanager:us-east-1:111111111111:secret:legacy/stripe", /is not a Secrets Manager secret ARN; give arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>/],
    ["aws", "arn:aws:secretsmanager:us-east-1:999999999999:secret:legacy/stripe-AbC123", /names account 999999999999, but this environment's aws.accountId is 111111111111/],
    ["aws", "arn:aws:secretsmanager:eu-west-1:111111111111:secret:legacy/stripe-AbC123", /names region eu-west-1, but this environment's aws.region is us-east-1/],
    ["aws", "legacy stripe", /is not a Secrets Manager secret name \(1-512 ASCII letters, digits and \/_\+=\.@-\)/],
    ["aws", "legacy/stripe-AbC123", /ends in a hyphen and six characters.*give the secret's full ARN/],
    ["azure", "legacy_stripe", /is not a Key Vault secret name \(1-127 letters, digits and dashes\)/],
    ["azure", "https://kv.vault.azure.net/secrets/x", /is not a Key Vault secret name/],
    ["vault", "/legacy/stripe", /is not a KV v2 secret path/],
    ["vault", "legacy/*", /is not a KV v2 secret path/],
    ["vault", "legacy/../stripe", /is not a KV v2 secret path/],
    ["vault", "data/legacy/stripe", /starts with the API prefix data\//],
  ])("refuses %s adopt %s with a fix", (backend, value, message) => {
    const issues = withAdopt((d) => (d.applications.legacy.secrets.plain.adopt = { [backend]: value }));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(new RegExp(`^applications\\.legacy\\.secrets\\.plain\\.adopt\\.${backend}: `));
    expect(issues[0]).toMatch(message);
  });

  it("refuses an adoption where the backend keeps no stored value, or rotates it on Key Vault", () => {
    expect(withAdopt((d) => (d.applications.legacy.secrets.session.adopt = { vault: "legacy/session2" }))).toEqual([]);
    expect(withAdopt((d) => (d.applications.myapp.secrets.jwt.adopt = { vault: "legacy/jwt" }))).toEqual([
      expect.stringMatching(/^applications\.myapp\.secrets\.jwt\.adopt\.vault: myapp\/jwt is kept by Vault as a transit/),
    ]);
    expect(withAdopt((d) => (d.applications.legacy.secrets.session.adopt = { azure: "session" }))).toEqual([
      expect.stringMatching(/^applications\.legacy\.secrets\.session\.adopt\.azure: legacy\/session rotates on Key Vault.*not supported/),
    ]);
  });

  it("refuses an environment's adopt for a secret the application does not define, and unknown adopt fields", () => {
    expect(withAdopt((d) => (d.environments.dev.applications.legacy.secrets.nope = { adopt: { aws: "x/y" } }))).toEqual([
      expect.stringMatching(/^environments\.dev\.applications\.legacy\.secrets\.nope: names secret nope, which applications\.legacy\.secrets does not define/),
    ]);
    expect(withAdopt((d) => (d.applications.legacy.secrets.plain.adopt = { gcp: "x" })).join("\n")).toMatch(/applications\.legacy\.secrets\.plain\.adopt/);
  });
});

describe("the CSI driver", () => {
  it("mounts an adopted secret by its existing name, with no guardrail finding", () => {
    const d = adoptingDescription();
    d.applications.legacy.workloads.mount = { kubernetes: { namespace: "legacy", serviceAccount: "legacy-csi", delivery: "csi", backend: "aws" }, reads: ["stripe", "plain"] };
    const synthesized = synthYaml(toYaml(d), { environments: ["dev"] });
    // SP-KUB-004 knows conventional names only: the stack accepts the adopted one with a written suppression.
    const report = guardrailReport(synthesized.stacks["kubernetes-dev"])!;
    expect(report.findings).toEqual([]);
    expect(report.suppressed.map((f) => f.ruleId)).toContain("SP-KUB-004");
    const spc = kubeObjects(synthesized.json["kubernetes-dev"]).find((o) => o.kind === "SecretProviderClass" && o.name.includes("mount"));
    expect(spc).toBeDefined();
    const objects = String((spc!.body as any).spec.parameters.objects);
    // The adopted secret under the name given in adopt.aws (from its ARN), the other under the convention.
    expect(objects).toContain("objectName: legacy/stripe");
    expect(objects).toContain("objectName: dev/legacy/plain");
    expect(objects).not.toContain("dev/legacy/stripe");
  });
});
