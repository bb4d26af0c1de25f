import { Instance } from '@cdktf/provider-aws/lib/instance/index.js';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener/index.js';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group/index.js';
import { LbTargetGroupAttachment } from '@cdktf/provider-aws/lib/lb-target-group-attachment/index.js';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record/index.js';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule/index.js';
import type { Endpoint } from '@pgha/aws-kit';
import * as kit from '@pgha/aws-kit';
import { PORTS } from '@pgha/defaults';
import { dependable, type ITerraformDependable, TerraformLocal } from 'cdktf';
import { Construct } from 'constructs';
import { PatroniStackError } from './errors.js';
import type { ClientSource, PatroniClusterProps, SubnetPlacement } from './props.js';
import { NODE_TAG_KEY, renderPatroniNodeUserData } from './user-data.js';
import {
  PATRONI_CLUSTER_DEFAULTS,
  validateClientSource,
  validatePatroniClusterProps,
} from './validate-props.js';

/**
 * The load balancer's primary listener (`PORTS.loadBalancerPrimary` of `@pgha/defaults`), and the default
 * PostgreSQL port on the nodes (a cluster's own is `props.cluster.patroni.postgresPort`, which the target groups
 * and node rules use).
 *
 * The listener ports stay fixed whatever the nodes' port: they are the client-facing contract (the manifest,
 * the local target's HAProxy and every client connect to 5432 for the primary and 5433 for replicas), while
 * `postgresPort` is where PostgreSQL listens on a node, behind the balancer. Following it would also let a
 * `postgresPort` of 5433 put both listeners on one port.
 */
export const POSTGRES_PORT = PORTS.loadBalancerPrimary;
/** The load balancer's replica listener (forwards to the nodes' `postgresPort`). */
export const REPLICA_PORT = PORTS.loadBalancerReplicas;
/** Default Patroni REST API port (TLS); a cluster's own is `props.cluster.patroni.restPort`. */
export const PATRONI_REST_PORT = PORTS.patroniRest;

/** One node of a {@link PatroniCluster}, as callers see it. */
export interface PatroniClusterNode {
  /** `pg-<index>`, Patroni's member name. */
  readonly name: string;
  /** Availability zone of the node and its data volume. */
  readonly availabilityZone: string;
  /** Subnet of the node. */
  readonly subnetId: string;
  /** EC2 instance id (a token until apply). */
  readonly instanceId: string;
  /** Private IPv4 address (a token until apply). */
  readonly privateIp: string;
  /** Secrets Manager secret the deploy app writes this node's TLS material to. */
  readonly tlsSecretName: string;
  /** ARN of that secret (a token until apply). */
  readonly tlsSecretArn: string;
  /** Id of the persistent data volume (a token until apply). */
  readonly dataVolumeId: string;
  /** ARN of the node's instance role (a token until apply). */
  readonly instanceRoleArn: string;
}

/**
 * Patroni + PostgreSQL nodes across availability zones behind an internal network load balancer:
 * `5432` reaches the primary only (health check `GET /primary` over HTTPS on the REST port, 8008 by default),
 * `5433` the replicas only (`GET /replica`); both forward to the nodes' `postgresPort` (5432 by default). Nodes run IMDSv2-only, without public addresses, with encrypted root and data
 * volumes, and an instance role that reads only the node's own TLS secret and the cluster passwords.
 *
 * The construct creates empty Secrets Manager secrets (KMS-encrypted with a customer key); the caller
 * fills them (the pgha deploy app: write-only secret versions fed by ephemeral variables), so no password or
 * private key enters Terraform's state, plan or the user-data through the construct.
 */
export class PatroniCluster extends Construct {
  /** Cluster name (Patroni scope). */
  readonly clusterName: string;
  /** The nodes, in index order. */
  readonly nodes: readonly PatroniClusterNode[];
  /** Read-write endpoint: the load balancer on 5432, routed to the current primary only. */
  readonly primaryEndpoint: Endpoint;
  /** Read-only endpoint: the load balancer on 5433, routed to healthy replicas only. */
  readonly replicaEndpoint: Endpoint;
  /** Security group of the nodes. */
  readonly securityGroupId: string;
  /** Security group of the load balancer. */
  readonly loadBalancerSecurityGroupId: string;
  /** Name of the secret holding the cluster passwords (written by the deploy app). */
  readonly passwordsSecretName: string;
  /** ARN of that secret (a token until apply). */
  readonly passwordsSecretArn: string;
  /** ARN of the KMS key encrypting the secrets (given or created). */
  readonly kmsKeyArn: string;

  private readonly sg: SecurityGroup;
  private readonly lbSg: SecurityGroup;
  private readonly preserveClientIp: boolean;
  private readonly postgresPort: number;
  private readonly instances: readonly Instance[];
  private clientRuleCount = 0;

  constructor(scope: Construct, id: string, props: PatroniClusterProps) {
    super(scope, id);
    validatePatroniClusterProps(props, `PatroniCluster '${this.node.path}'`);
    const p = { ...PATRONI_CLUSTER_DEFAULTS, ...kit.stripUndefined(props) };
    const cluster = p.cluster.name;
    const tags = kit.applyStandardTags(this, cluster, 'patroni', p.tags);
    this.clusterName = cluster;
    this.preserveClientIp = p.preserveClientIp;
    // The ports the user-data renders into Patroni's config: node rules, target groups and health checks use
    // them. The load balancer's own listeners stay on POSTGRES_PORT / REPLICA_PORT (see there).
    const { postgresPort, restPort } = p.cluster.patroni;
    this.postgresPort = postgresPort;
    const clientCidrs = p.allowedClientCidrs ?? p.cluster.patroni.allowedCidrs;

    // Encryption key and the cluster-wide passwords secret.
    this.kmsKeyArn = kit.addSecretsKey(this, {
      kmsKeyArn: p.kmsKeyArn,
      description: `pgha ${cluster}: Patroni passwords and node TLS secrets`,
      aliasName: `alias/pgha-${cluster}-patroni`,
    });
    this.passwordsSecretName = `pgha/${cluster}/patroni/passwords`;
    const passwords = kit.addSecretContainer(this, 'passwords-secret', {
      name: this.passwordsSecretName,
      description: `pgha ${cluster}: PostgreSQL and Patroni REST passwords (value set by the deploy app)`,
      kmsKeyArn: this.kmsKeyArn,
      recoveryWindowDays: p.secretRecoveryWindowDays,
    });
    this.passwordsSecretArn = passwords.arn;

    // Security groups: clients -> load balancer SG -> node SG.
    this.sg = new SecurityGroup(this, 'security-group', {
      name: `${cluster}-patroni`,
      description: `pgha ${cluster}: Patroni nodes`,
      vpcId: p.vpcId,
    });
    this.lbSg = new SecurityGroup(this, 'lb-security-group', {
      name: `${cluster}-patroni-lb`,
      description: `pgha ${cluster}: PostgreSQL load balancer`,
      vpcId: p.vpcId,
    });
    this.securityGroupId = this.sg.id;
    this.loadBalancerSecurityGroupId = this.lbSg.id;
    const nodeIngress = (rid: string, port: number, from: ClientSource, description: string) =>
      kit.addTcpIngress(this, rid, { securityGroupId: this.sg.id, port, from, description });
    const fromLb = { securityGroupId: this.lbSg.id };
    const fromPeers = { securityGroupId: this.sg.id };
    nodeIngress('pg-from-lb', postgresPort, fromLb, 'PostgreSQL from the load balancer');
    nodeIngress('rest-from-lb', restPort, fromLb, 'Patroni REST health checks from the load balancer');
    nodeIngress('pg-from-peers', postgresPort, fromPeers, 'replication and pg_rewind between nodes');
    nodeIngress('rest-from-peers', restPort, fromPeers, 'Patroni REST between nodes');
    // The admin source (verify, operators): the REST API's read endpoints on the nodes (unsafe methods need the
    // REST password), PostgreSQL through the load balancer (and on the nodes when client IPs are preserved).
    const adminSources = kit.adminSources(p.adminAccess);
    adminSources.forEach((source, i) => {
      nodeIngress(`admin-${i + 1}-rest`, restPort, source, 'Patroni REST API: admin access (verify)');
    });
    if (p.sshKeyName !== undefined) {
      (p.sshAllowedCidrs ?? []).forEach((cidr, i) => {
        nodeIngress(`ssh-${i + 1}`, 22, { cidr }, 'SSH');
      });
    }
    new VpcSecurityGroupEgressRule(this, 'egress-vpc', {
      securityGroupId: this.sg.id,
      ipProtocol: 'tcp',
      fromPort: 0,
      toPort: 65535,
      cidrIpv4: p.vpcCidr,
      description: 'etcd, peers and VPC endpoints',
    });
    kit.addWebEgress(this, this.sg.id, 'AWS APIs (Secrets Manager, SSM) and package mirrors');
    new VpcSecurityGroupEgressRule(this, 'lb-egress-pg', {
      securityGroupId: this.lbSg.id,
      ipProtocol: 'tcp',
      fromPort: postgresPort,
      toPort: postgresPort,
      referencedSecurityGroupId: this.sg.id,
      description: 'PostgreSQL on the nodes',
    });
    new VpcSecurityGroupEgressRule(this, 'lb-egress-rest', {
      securityGroupId: this.lbSg.id,
      ipProtocol: 'tcp',
      fromPort: restPort,
      toPort: restPort,
      referencedSecurityGroupId: this.sg.id,
      description: 'health checks of the Patroni REST API',
    });

    // Load balancer and target groups.
    const lb = kit.addInternalNlb(this, 'lb', {
      name: `${cluster}-pg`,
      subnets: p.subnets,
      securityGroupId: this.lbSg.id,
    });
    const targetGroup = (rid: string, name: string, path: string) =>
      new LbTargetGroup(this, rid, {
        name: `${cluster}-pg-${name}`,
        port: postgresPort,
        protocol: 'TCP',
        targetType: 'instance',
        vpcId: p.vpcId,
        preserveClientIp: p.preserveClientIp ? 'true' : 'false',
        deregistrationDelay: String(p.deregistrationDelaySeconds),
        connectionTermination: true,
        healthCheck: {
          enabled: true,
          protocol: 'HTTPS',
          port: String(restPort),
          path,
          matcher: '200',
          interval: p.healthCheckIntervalSeconds,
          timeout: p.healthCheckTimeoutSeconds,
          healthyThreshold: p.healthyThresholdCount,
          unhealthyThreshold: p.unhealthyThresholdCount,
        },
        // A node that stops answering /primary loses its open connections too, not only new ones.
        targetHealthState: [{ enableUnhealthyConnectionTermination: true }],
      });
    const replicaPath =
      p.replicaMaxLagBytes === undefined ? '/replica' : `/replica?lag=${p.replicaMaxLagBytes}`;
    const primaryTg = targetGroup('primary-target-group', 'primary', '/primary');
    const replicaTg = targetGroup('replica-target-group', 'replica', replicaPath);
    new LbListener(this, 'primary-listener', {
      loadBalancerArn: lb.arn,
      port: POSTGRES_PORT,
      protocol: 'TCP',
      defaultAction: [{ type: 'forward', targetGroupArn: primaryTg.arn }],
    });
    new LbListener(this, 'replica-listener', {
      loadBalancerArn: lb.arn,
      port: REPLICA_PORT,
      protocol: 'TCP',
      defaultAction: [{ type: 'forward', targetGroupArn: replicaTg.arn }],
    });
    let host = lb.dnsName;
    if (p.loadBalancerDns !== undefined) {
      new Route53Record(this, 'lb-dns-record', {
        zoneId: p.loadBalancerDns.hostedZoneId,
        name: p.loadBalancerDns.recordName,
        type: 'A',
        alias: { name: lb.dnsName, zoneId: lb.zoneId, evaluateTargetHealth: false },
      });
      host = p.loadBalancerDns.recordName;
    }
    this.primaryEndpoint = { host, port: POSTGRES_PORT };
    this.replicaEndpoint = { host, port: REPLICA_PORT };

    // Nodes.
    const renderUserData = p.userData ?? renderPatroniNodeUserData;
    const instances: Instance[] = [];
    this.nodes = p.cluster.patroni.nodes.map(({ name, host }, i) => {
      const placement = p.subnets[i % p.subnets.length] as SubnetPlacement;
      const n = new Construct(this, `node-${i + 1}`);
      const base = kit.addHostBase(n, {
        clusterName: cluster,
        component: 'patroni',
        name,
        kind: 'Patroni node',
        tags,
        ownerTagKey: NODE_TAG_KEY,
        availabilityZone: placement.availabilityZone,
        kmsKeyArn: this.kmsKeyArn,
        settings: p,
        policy: {
          name: 'node',
          secretsSid: 'Secrets',
          instanceSid: 'AttachToOwnNodeInstance',
          moreSecretArns: [passwords.arn],
        },
      });
      const nodeTags = base.tags;

      const userData = renderUserData({
        cluster: p.cluster,
        nodeName: name,
        tlsSecretArn: base.tlsSecret.arn,
        passwordsSecretArn: passwords.arn,
        dataVolumeId: base.dataVolume.id,
        superuserCidrs: p.adminAccess?.cidrs ?? [],
        packages: p.packages,
      });
      const userDataIssue = kit.userDataProblem(name, userData);
      if (userDataIssue !== undefined) {
        throw new PatroniStackError(
          'PATRONI_STACK_INVALID_PROPS',
          `PatroniCluster '${this.node.path}': ${userDataIssue}`,
        );
      }
      // Kept as a Terraform local: the template (with its references) stays readable in cdk.tf.json.
      const userDataLocal = new TerraformLocal(n, 'user-data', userData);

      const instance = new Instance(n, 'instance', {
        ami: p.amiId,
        instanceType: p.instanceType,
        subnetId: placement.subnetId,
        vpcSecurityGroupIds: [this.sg.id],
        iamInstanceProfile: base.instanceProfile.name,
        associatePublicIpAddress: false,
        ...(p.sshKeyName === undefined ? {} : { keyName: p.sshKeyName }),
        metadataOptions: kit.IMDSV2_REQUIRED,
        rootBlockDevice: {
          volumeType: 'gp3',
          volumeSize: p.rootVolumeSizeGiB,
          encrypted: true,
          deleteOnTermination: true,
          // Not volume_tags: with the data volume attached by the boot script, the provider would read and
          // rewrite that volume's tags as well, a diff on every plan.
          tags: { ...nodeTags, Name: `${cluster}-${name}-root` },
        },
        userData: userDataLocal.asString,
        tags: { ...nodeTags, Name: `${cluster}-${name}` },
        // A new AMI or user-data must not replace or restart every node in one apply: roll them one at a
        // time with `terraform apply -replace=<node instance>`.
        lifecycle: { ignoreChanges: ['ami', 'user_data'] },
        // The first boot reads the node's secrets and attaches its volume with this policy.
        dependsOn: [base.policy],
      });
      instances.push(instance);
      new Route53Record(n, 'dns-record', {
        zoneId: p.hostedZoneId,
        name: host,
        type: 'A',
        ttl: p.dnsTtlSeconds,
        records: [instance.privateIp],
      });
      new LbTargetGroupAttachment(n, 'primary-target', {
        targetGroupArn: primaryTg.arn,
        targetId: instance.id,
        port: postgresPort,
      });
      new LbTargetGroupAttachment(n, 'replica-target', {
        targetGroupArn: replicaTg.arn,
        targetId: instance.id,
        port: postgresPort,
      });
      return {
        name,
        availabilityZone: placement.availabilityZone,
        subnetId: placement.subnetId,
        instanceId: instance.id,
        privateIp: instance.privateIp,
        tlsSecretName: base.tlsSecretName,
        tlsSecretArn: base.tlsSecret.arn,
        dataVolumeId: base.dataVolume.id,
        instanceRoleArn: base.role.arn,
      };
    });

    this.instances = instances;

    for (const cidr of clientCidrs) this.allowClientsFrom({ cidr });
    adminSources.forEach((source, i) => {
      this.addClientRules(`admin-${i + 1}`, source, 'admin access');
    });
  }

  /**
   * Makes every node's instance depend on `dependencies` (the secret versions holding the node's TLS material
   * and the passwords): a node whose first boot ran before its secrets had values would only retry until then.
   */
  addBootDependency(...dependencies: ITerraformDependable[]): void {
    for (const instance of this.instances)
      instance.dependsOn = [...(instance.dependsOn ?? []), ...dependencies.map(dependable)];
  }

  /**
   * Allows a CIDR block or a security group to connect through the load balancer (5432 and 5433); with
   * client IP preservation on, also on the nodes' `postgresPort`. Construct ids of the rules follow call order
   * (`client-1-primary`, `client-1-replica`, ...), starting with `allowedClientCidrs`.
   */
  allowClientsFrom(source: ClientSource): void {
    validateClientSource(source, `PatroniCluster '${this.node.path}'.allowClientsFrom()`);
    this.clientRuleCount += 1;
    this.addClientRules(`client-${this.clientRuleCount}`, source, 'clients');
  }

  /** `<prefix>-primary`, `<prefix>-replica` on the load balancer, `<prefix>-node` with client IPs preserved. */
  private addClientRules(prefix: string, source: ClientSource, who: string): void {
    const rule = (rid: string, sg: SecurityGroup, port: number, description: string) =>
      kit.addTcpIngress(this, rid, { securityGroupId: sg.id, port, from: source, description });
    rule(`${prefix}-primary`, this.lbSg, POSTGRES_PORT, `PostgreSQL ${who}, primary`);
    rule(`${prefix}-replica`, this.lbSg, REPLICA_PORT, `PostgreSQL ${who}, replicas`);
    if (this.preserveClientIp)
      rule(`${prefix}-node`, this.sg, this.postgresPort, `PostgreSQL ${who} (client IP preserved)`);
  }
}
