// The AWS CDK twin of the platform's AWS stacks for N applications x 3 environments (npm run bench compares
// their synth times side by side). Each environment gets what aws-<env> holds: a customer-managed key, the
// secrets (a PostgreSQL master with single-user rotation; per application a database secret rotated with
// alternating users against that master, a JWT key rotated weekly, an API key a person sets), one rotation
// function per kind with its log group and error alarm, and an IRSA role per workload that reads its secrets.
// Plain JavaScript run by plain node, like the platform's compiled app.
//
//   node bench/awscdk/app.js <applications> <outdir> [no-validation]
//
// aws-cdk-lib 2.276 validates every template with its built-in CloudFormation validator (a WebAssembly engine)
// by default; "no-validation" turns that off (App's builtinCloudFormationValidation: false), for the comparison
// of synth alone.
"use strict";
const path = require("node:path");
const { App, Stack, Duration, RemovalPolicy } = require("aws-cdk-lib");
const kms = require("aws-cdk-lib/aws-kms");
const secretsmanager = require("aws-cdk-lib/aws-secretsmanager");
const lambda = require("aws-cdk-lib/aws-lambda");
const logs = require("aws-cdk-lib/aws-logs");
const iam = require("aws-cdk-lib/aws-iam");
const cloudwatch = require("aws-cdk-lib/aws-cloudwatch");

const applications = Number(process.argv[2] ?? 10);
const outdir = process.argv[3];
const bundles = path.resolve(__dirname, "..", "..", "dist", "lambda");
const ENVIRONMENTS = [
  { name: "dev", account: "111111111111", production: false },
  { name: "staging", account: "222222222222", production: false },
  { name: "prod", account: "333333333333", production: true },
];
const OIDC = (account) => `arn:aws:iam::${account}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE`;

class SecretsStack extends Stack {
  constructor(scope, id, env) {
    super(scope, id, { env: { account: env.account, region: "us-east-1" } });
    const key = new kms.Key(this, "environment-key", { enableKeyRotation: true, alias: `acme-${env.name}-secrets`, removalPolicy: RemovalPolicy.RETAIN });
    const functions = new Map();
    const rotationFunction = (kind, bundle, environment) => {
      if (functions.has(kind)) return functions.get(kind);
      const logGroup = new logs.LogGroup(this, `rotation-${kind}-logs`, { retention: logs.RetentionDays.ONE_YEAR, encryptionKey: key });
      const fn = new lambda.Function(this, `rotation-${kind}`, {
        functionName: `acme-${env.name}-rotate-${kind}`,
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: lambda.Architecture.ARM_64,
        handler: "index.handler",
        code: lambda.Code.fromAsset(path.join(bundles, bundle)),
        timeout: Duration.seconds(30),
        environment,
        logGroup,
      });
      key.grantEncryptDecrypt(fn);
      new cloudwatch.Alarm(this, `rotation-${kind}-errors`, { metric: fn.metricErrors({ period: Duration.minutes(5) }), threshold: 1, evaluationPeriods: 1 });
      functions.set(kind, fn);
      return fn;
    };
    const secret = (id, name) => new secretsmanager.Secret(this, id, { secretName: name, encryptionKey: key, removalPolicy: RemovalPolicy.RETAIN });

    const master = secret("dbadmin--master", `${env.name}/dbadmin/master`);
    master.addRotationSchedule("rotation", { rotationLambda: rotationFunction("postgres-single-user", "postgres.zip", { ROTATION_STRATEGY: "single-user" }), automaticallyAfter: Duration.days(30) });
    const alternating = rotationFunction("postgres-alternating-users", "postgres.zip", { ROTATION_STRATEGY: "alternating-users", MASTER_SECRET_ARN: master.secretArn });
    master.grantRead(alternating);

    for (let i = 0; i < applications; i++) {
      const app = `app${String(i).padStart(3, "0")}`;
      const database = secret(`${app}--database`, `${env.name}/${app}/database`);
      database.addRotationSchedule("rotation", { rotationLambda: alternating, automaticallyAfter: Duration.days(30), rotateImmediatelyOnUpdate: false });
      const jwt = secret(`${app}--jwt`, `${env.name}/${app}/jwt`);
      jwt.addRotationSchedule("rotation", { rotationLambda: rotationFunction("jwt", "jwt.zip"), automaticallyAfter: Duration.days(7) });
      const vendor = secret(`${app}--vendor`, `${env.name}/${app}/vendor`);
      const role = new iam.Role(this, `${app}--api`, {
        roleName: `acme-${env.name}-${app}-api`,
        assumedBy: new iam.FederatedPrincipal(
          OIDC(env.account),
          { StringEquals: { "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE:sub": `system:serviceaccount:${app}:${app}-api`, "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE:aud": "sts.amazonaws.com" } },
          "sts:AssumeRoleWithWebIdentity",
        ),
      });
      for (const s of [database, jwt, vendor]) s.grantRead(role);
    }
  }
}

const app = new App({ outdir, builtinCloudFormationValidation: process.argv[4] !== "no-validation" });
for (const env of ENVIRONMENTS) new SecretsStack(app, `aws-${env.name}`, env);
app.synth();
// For npm run bench: this process's CPU time, which a busy machine does not inflate.
const cpu = process.cpuUsage();
process.stdout.write(`${JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
