// Bad AWS descriptions for the endpoint choice, the database's network and break-glass roles: each is refused
// with the field path and what to change.
import { parsePlatform, PlatformConfigError } from "../config/load";
import { minimalDescription, toYaml } from "./helpers/descriptions";

function issuesOf(change: (d: any) => void): { path: string; message: string }[] {
  const d = minimalDescription();
  change(d);
  try {
    parsePlatform(toYaml(d), "test description");
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(PlatformConfigError);
    return [...(err as PlatformConfigError).issues];
  }
}

const aws = (d: any) => d.environments.dev.aws;
const NET = "environments.dev.aws.network";
const withNetwork = (extra: Record<string, unknown>) => (d: any) => (aws(d).network = { subnetIds: ["subnet-0abc"], securityGroupIds: ["sg-0abc"], ...extra });
const rotatingPostgres = (d: any) => (d.applications.myapp.secrets.db = { type: "postgres", rotation: { strategy: "single-user", everyDays: 30 } });
const asProduction = (d: any) => (d.environments.dev.production = true);

test.each<[string, (d: any) => void]>([
  ["a network without an endpoint choice (existing, the default)", withNetwork({})],
  ["create with the VPC's CIDR blocks", withNetwork({ vpcId: "vpc-0abc", secretsManagerEndpoint: "create", vpcCidrBlocks: ["10.0.0.0/16"] })],
  ["create with client security groups", withNetwork({ vpcId: "vpc-0abc", secretsManagerEndpoint: "create", endpointClientSecurityGroupIds: ["sg-0def"] })],
  ["none", withNetwork({ secretsManagerEndpoint: "none" })],
  ["a rotating PostgreSQL secret without a network outside production (a warning at synth)", rotatingPostgres],
  ["break-glass roles with a path", (d) => (aws(d).breakGlassRoleArns = ["arn:aws:iam::111111111111:role/emergency/secrets-break-glass"])],
])("accepts %s", (_what, change) => {
  expect(issuesOf(change)).toEqual([]);
});

test.each<[string, (d: any) => void, string, RegExp]>([
  [
    "create without the VPC id",
    withNetwork({ secretsManagerEndpoint: "create", vpcCidrBlocks: ["10.0.0.0/16"] }),
    `${NET}.vpcId`,
    /is required with secretsManagerEndpoint: create/,
  ],
  [
    "create that would admit only the rotation functions",
    withNetwork({ vpcId: "vpc-0abc", secretsManagerEndpoint: "create" }),
    `${NET}.secretsManagerEndpoint`,
    /private DNS.*every client in the VPC.*vpcCidrBlocks.*endpointClientSecurityGroupIds, or use existing/,
  ],
  [
    "client CIDR blocks for an endpoint the stack does not create",
    withNetwork({ vpcCidrBlocks: ["10.0.0.0/16"] }),
    `${NET}.vpcCidrBlocks`,
    /is used only with secretsManagerEndpoint: create \(it is existing\)/,
  ],
  [
    "client security groups with none",
    withNetwork({ secretsManagerEndpoint: "none", endpointClientSecurityGroupIds: ["sg-0def"] }),
    `${NET}.endpointClientSecurityGroupIds`,
    /is used only with secretsManagerEndpoint: create \(it is none\)/,
  ],
  ["the former boolean", withNetwork({ secretsManagerEndpoint: true }), `${NET}.secretsManagerEndpoint`, /must be create, existing or none \(the former true is create/],
  ["a CIDR block that is not one", withNetwork({ vpcId: "vpc-0abc", secretsManagerEndpoint: "create", vpcCidrBlocks: ["10.0.0.0"] }), `${NET}.vpcCidrBlocks[0]`, /IPv4 CIDR/],
  [
    "production rotating PostgreSQL without a network",
    (d) => (rotatingPostgres(d), asProduction(d)),
    NET,
    /is required: environment dev is production and rotates PostgreSQL secrets \(myapp\/db\).*add network: \{ subnetIds/,
  ],
  ["a break-glass user instead of a role", (d) => (aws(d).breakGlassRoleArns = ["arn:aws:iam::111111111111:user/alice"]), "environments.dev.aws.breakGlassRoleArns[0]", /must be an IAM role ARN/],
])("refuses %s, naming the field", (_what, change, at, message) => {
  expect(issuesOf(change)).toEqual(expect.arrayContaining([{ path: at, message: expect.stringMatching(message) }]));
});
