// Examples of the description's blocks for the reference (docs/description.md), where the example description
// (config/platform.yaml) has none short enough to show. Keyed by the block's section title; each is YAML whose
// one top-level key is the block's own (a list item for a block of a list; the whole file for the top level).
// test/description-schema.test.ts checks every example against the schema at the block's path.
const backendS3 = `backend: { type: s3, bucket: acme-tfstate-prod, region: us-east-1, key: secrets-platform/prod.tfstate }
`;
const backendAzurerm = `backend:
  type: azurerm
  resourceGroupName: rg-tfstate-prod
  storageAccountName: acmetfstateprod
  containerName: tfstate
`;

export const BLOCK_EXAMPLES: Record<string, string> = {
  "top level": `organization: acme
environments:
  dev:
    aws: { accountId: "111111111111", region: us-east-1 }
applications:
  myapp:
    secrets:
      openai: { type: api-key, expiresAfterDays: 90 }
    workloads:
      api:
        kubernetes: { namespace: myapp, serviceAccount: myapp-api }
        reads: [openai]
`,
  "environments.<environment>": `dev:
  production: false
  aws: { accountId: "111111111111", region: us-east-1 }
  vault:
    address: https://vault.dev.example.com:8200
    kubernetes: { host: "https://k8s.dev.example.com:6443", caCertFile: example-kubernetes-ca.pem }
`,
  "environments.<environment>.aws": `aws:
  accountId: "111111111111"
  region: us-east-1
  eks:
    oidcProviderArn: arn:aws:iam::111111111111:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLEDEV
  network:
    subnetIds: [subnet-0a1b2c3d4e5f60001, subnet-0a1b2c3d4e5f60002]
    securityGroupIds: [sg-0a1b2c3d4e5f60001]
  recoveryWindowDays: 30
`,
  "environments.<environment>.aws.alerts": `alerts:
  enabled: true
  snsTopicArn: arn:aws:sns:us-east-1:111111111111:secrets-oncall
`,
  "environments.<environment>.azure.alerts": `alerts:
  enabled: true
  actionGroupId: /subscriptions/00000000-0000-0000-0000-000000000003/resourceGroups/rg-monitoring-prod/providers/Microsoft.Insights/actionGroups/secrets-oncall
`,
  "environments.<environment>.azure": `azure:
  subscriptionId: 00000000-0000-0000-0000-000000000001
  tenantId: 00000000-0000-0000-0000-0000000000aa
  location: eastus
  resourceGroupName: rg-secrets-dev
  privateEndpoint:
    subnetId: /subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-network-dev/providers/Microsoft.Network/virtualNetworks/vnet-dev/subnets/private-endpoints
    virtualNetworkId: /subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-network-dev/providers/Microsoft.Network/virtualNetworks/vnet-dev
  aksOidcIssuerUrl: https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-0000000000aa/11111111-1111-1111-1111-111111111111/
  logAnalyticsWorkspaceId: /subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-monitoring-dev/providers/Microsoft.OperationalInsights/workspaces/law-dev
`,
  "environments.<environment>.kubernetes.clusters.<cluster>": `payments-eks:
  kubeconfigContext: acme-prod-eks
  oidcIssuerUrl: https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLEPROD
  awsOidcProviderArn: arn:aws:iam::333333333333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLEPROD
  host: https://k8s.prod.example.com:6443
  caCertFile: example-kubernetes-ca.pem
`,
  "environments.<environment>.vault.audit[] (type file)": `- type: file
  path: stdout
`,
  "environments.<environment>.vault.audit[] (type syslog)": `- type: syslog
  tag: vault
  facility: AUTH
`,
  "environments.<environment>.vault.audit[] (type socket)": `- type: socket
  address: logs.example.com:9000
  socketType: tcp
`,
  "environments.<environment>.aws.backend (type s3)": backendS3,
  "environments.<environment>.vault.backend (type s3)": backendS3,
  "environments.<environment>.vault.backend (type azurerm)": backendAzurerm,
  "environments.<environment>.azure.backend (type s3)": backendS3,
  "environments.<environment>.azure.backend (type azurerm)": backendAzurerm,
  "environments.<environment>.kubernetes.backend (type s3)": backendS3,
  "environments.<environment>.kubernetes.backend (type azurerm)": backendAzurerm,
  "environments.<environment>.kubernetes.clusters.<cluster>.backend (type s3)": backendS3,
  "environments.<environment>.kubernetes.clusters.<cluster>.backend (type azurerm)": backendAzurerm,
  "environments.<environment>.applications.<application>.secrets.<secret>": `stripe:
  adopt: { azure: stripe-live-key }
`,
  "environments.<environment>.applications.<application>.secrets.<secret>.adopt": `adopt: { azure: stripe-live-key, vault: legacy/billing/stripe }
`,
  "applications.<application>.secrets.<secret>.adopt (type postgres)": `adopt:
  aws: arn:aws:secretsmanager:us-east-1:111111111111:secret:legacy/billing/database-AbC123
  vault: legacy/billing/database
`,
  "applications.<application>.secrets.<secret>.adopt (type jwt)": `adopt:
  aws: arn:aws:secretsmanager:us-east-1:111111111111:secret:legacy/billing/signing-AbC123
  vault: legacy/billing/signing
`,
  "applications.<application>.secrets.<secret>.adopt (type token)": `adopt:
  aws: arn:aws:secretsmanager:us-east-1:111111111111:secret:legacy/billing/session-AbC123
  vault: legacy/billing/session
`,
  "applications.<application>.secrets.<secret>.adopt (type api-key)": `adopt:
  aws: arn:aws:secretsmanager:us-east-1:111111111111:secret:legacy/billing/stripe-AbC123
  vault: legacy/billing/stripe
`,
  "environments.<environment>.vault.databases.<database>": `reporting:
  host: pg-reporting.dev.example.com
  dbname: warehouse
  username: vault_reporting
  tlsCaFile: example-database-ca.pem
`,
  "environments.<environment>.applications.<application>": `legacy:
  backends: [aws]
`,
  "applications.<application>.secrets.<secret> (type token)": `session-key:
  type: token
  length: 64
  rotation: { everyDays: 7 }
`,
  "applications.<application>.secrets.<secret>.rotation (type token)": `rotation:
  scheduleExpression: rate(7 days)
`,
  "applications.<application>.workloads.<workload>.approle": `approle:
  secretIdTtlSeconds: 600
  secretIdNumUses: 1
  boundCidrs: [10.20.0.0/16]
`,
  "applications.<application>.workloads.<workload>.kubernetes.secrets.<secret>": `database:
  secretName: myapp-db
  template:
    DATABASE_URL: "postgresql://{{ .username }}:{{ .password | urlquery }}@{{ .host }}:{{ .port }}/{{ .dbname }}"
  refreshInterval: 1h
`,
  stacks: `stacks:
  maxResources: 500
`,
};
