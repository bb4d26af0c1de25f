import { AutoscalingGroup } from '@cdktf/provider-aws/lib/autoscaling-group/index.js';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template/index.js';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener/index.js';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group/index.js';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record/index.js';
import { Route53Zone } from '@cdktf/provider-aws/lib/route53-zone/index.js';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule/index.js';
import type { Endpoint } from '@pgha/aws-kit';
import * as kit from '@pgha/aws-kit';
import { PORTS } from '@pgha/defaults';
import { dependable, Fn, type ITerraformDependable, TerraformLocal, Token } from 'cdktf';
import { Construct } from 'constructs';
import { EtcdStackError } from './errors.js';
import { type EtcdFaultTolerance, etcdFaultTolerance, placeMembers } from './placement.js';
import type { ClientSource, EtcdClusterProps } from './props.js';
import { MEMBER_TAG_KEY, renderEtcdMemberUserData } from './user-data.js';
import { ETCD_CLUSTER_DEFAULTS, validateClientSource, validateEtcdClusterProps } from './validate-props.js';

/** Default etcd client port; a cluster's own is `props.cluster.etcd.clientPort`, which the construct uses. */
export const ETCD_CLIENT_PORT = PORTS.etcdClient;
/** Default etcd peer port; a cluster's own is `props.cluster.etcd.peerPort`, which the construct uses. */
export const ETCD_PEER_PORT = PORTS.etcdPeer;
/**
 * Address the member A records hold until the member's boot script UPSERTs its own address (RFC 5737
 * TEST-NET-1, never routed). Terraform owns the records (so destroy removes them and peers never cache an
 * NXDOMAIN) but ignores changes to their value.
 */
export const ETCD_PLACEHOLDER_ADDRESS = '192.0.2.1';

/** One member of an {@link EtcdCluster}, as callers see it. */
export interface EtcdClusterMember {
  /** `etcd-<index>`. */
  readonly name: string;
  /** The member's DNS name (its `host` in the cluster description); put it in the certificate's SANs. */
  readonly dnsName: string;
  /** Availability zone of the member and its data volume. */
  readonly availabilityZone: string;
  /** Subnet the member's autoscaling group launches into. */
  readonly subnetId: string;
  /** Name of the Secrets Manager secret the deploy app writes this member's TLS material to. */
  readonly tlsSecretName: string;
  /** ARN of that secret (a token until apply). */
  readonly tlsSecretArn: string;
  /** Id of the member's persistent data volume (a token until apply). */
  readonly dataVolumeId: string;
  /** Name of the member's one-instance autoscaling group. */
  readonly autoScalingGroupName: string;
  /** ARN of the member's instance role (a token until apply). */
  readonly instanceRoleArn: string;
}

/**
 * An etcd v3 cluster of 3 or 5 members on AWS. Each member is a one-instance autoscaling group on its own
 * launch template (IMDSv2 only, no public address, encrypted root volume) with a persistent encrypted gp3
 * data volume in the member's zone that the boot script reattaches, a DNS name it keeps current, and an
 * instance role that can read only that member's TLS secret and attach only that member's volume.
 *
 * TLS material and secret values never pass through Terraform: the construct creates empty Secrets Manager
 * secrets, and the caller fills them (the pgha deploy app: a write-only secret version fed by an ephemeral
 * variable, so the value is in neither plan nor state).
 */
export class EtcdCluster extends Construct {
  /** Cluster name. */
  readonly clusterName: string;
  /** The members, in index order. */
  readonly members: readonly EtcdClusterMember[];
  /**
   * `<cluster name>.<zoneName>`: the domain of the member names (and of the client load balancer's name). No SRV
   * records are kept there: members bootstrap from the static member list of the cluster description (the
   * one the local target renders and the certificates are issued for), not from DNS discovery.
   */
  readonly discoveryDomain: string;
  /** Client endpoints of the members (`etcd-N.<domain>:<clientPort>`, 2379 by default), known at synth time. */
  readonly clientEndpoints: readonly Endpoint[];
  /** Client URLs of the members (`https://etcd-N.<domain>:<clientPort>`). */
  readonly clientUrls: readonly string[];
  /** Peer endpoints of the members (`etcd-N.<domain>:<peerPort>`, 2380 by default). */
  readonly peerEndpoints: readonly Endpoint[];
  /**
   * The client load balancer's endpoint (`etcd.<domain>:<clientPort>`), when `clientLoadBalancer` is on: it
   * listens on the members' client port, so one port serves clients whether they dial members or the balancer.
   */
  readonly loadBalancerEndpoint: Endpoint | undefined;
  /** Security group of the members. */
  readonly securityGroupId: string;
  /** Route 53 hosted zone holding the records (given or created). */
  readonly hostedZoneId: string;
  /** ARN of the KMS key encrypting the member secrets (given or created). */
  readonly kmsKeyArn: string;
  /** Quorum arithmetic of this placement. */
  readonly faultTolerance: EtcdFaultTolerance;

  private readonly sg: SecurityGroup;
  private readonly lbSg: SecurityGroup | undefined;
  private readonly asgs: readonly AutoscalingGroup[];
  private readonly clientPort: number;
  private clientRuleCount = 0;

  constructor(scope: Construct, id: string, props: EtcdClusterProps) {
    super(scope, id);
    validateEtcdClusterProps(props, `EtcdCluster '${this.node.path}'`);
    const p = { ...ETCD_CLUSTER_DEFAULTS, ...kit.stripUndefined(props) };
    const cluster = p.cluster.name;
    const tags = kit.applyStandardTags(this, cluster, 'etcd', p.tags);

    this.clusterName = cluster;
    this.discoveryDomain = `${cluster}.${p.zoneName}`;
    const zones = new Set(p.subnets.map((s) => s.availabilityZone));
    const memberInputs = p.cluster.etcd.members;
    // The ports the user-data renders into etcd's config: every rule, target group and endpoint uses them.
    const { clientPort, peerPort } = p.cluster.etcd;
    this.clientPort = clientPort;
    this.faultTolerance = etcdFaultTolerance(memberInputs.length, zones.size);

    // Encryption key for the member secrets.
    this.kmsKeyArn = kit.addSecretsKey(this, {
      kmsKeyArn: p.kmsKeyArn,
      description: `pgha ${cluster}: etcd member TLS secrets`,
      aliasName: `alias/pgha-${cluster}-etcd`,
    });

    // DNS zone.
    if (p.hostedZoneId !== undefined) {
      this.hostedZoneId = p.hostedZoneId;
    } else {
      const zone = new Route53Zone(this, 'hosted-zone', {
        name: p.zoneName,
        comment: `pgha ${cluster}: etcd discovery`,
        vpc: [{ vpcId: p.vpcId }],
        // The members UPSERT their own A records; a zone created here may be destroyed with them in it.
        forceDestroy: true,
      });
      this.hostedZoneId = zone.zoneId;
    }

    // Security groups.
    this.sg = new SecurityGroup(this, 'security-group', {
      name: `${cluster}-etcd`,
      description: `pgha ${cluster}: etcd members`,
      vpcId: p.vpcId,
    });
    this.securityGroupId = this.sg.id;
    const ingress = (rid: string, port: number, description: string, from: ClientSource, sg = this.sg) =>
      kit.addTcpIngress(this, rid, { securityGroupId: sg.id, port, from, description });
    const fromMembers = { securityGroupId: this.sg.id };
    ingress('peer-ingress', peerPort, 'etcd peer traffic between members', fromMembers);
    ingress('client-ingress-members', clientPort, 'etcd client traffic between members', fromMembers);
    const memberEgress = (rid: string, from: number, to: number, description: string) =>
      new VpcSecurityGroupEgressRule(this, rid, {
        securityGroupId: this.sg.id,
        ipProtocol: 'tcp',
        fromPort: from,
        toPort: to,
        referencedSecurityGroupId: this.sg.id,
        description,
      });
    if (Math.abs(peerPort - clientPort) === 1) {
      // Adjacent ports (the default 2379-2380): one range rule.
      const both = 'etcd client and peer traffic to the other members';
      memberEgress('egress-members', Math.min(clientPort, peerPort), Math.max(clientPort, peerPort), both);
    } else {
      // Apart: a rule each, so the range between them stays closed.
      memberEgress('egress-members', clientPort, clientPort, 'etcd client traffic to the other members');
      memberEgress('egress-members-peer', peerPort, peerPort, 'etcd peer traffic to the other members');
    }
    kit.addWebEgress(this, this.sg.id, 'AWS APIs (EC2, Route 53, Secrets Manager, SSM) and package mirrors');

    // Members.
    const placements = placeMembers(memberInputs.length, p.subnets);
    const dnsNames = memberInputs.map((m) => m.host);
    const renderUserData = p.userData ?? renderEtcdMemberUserData;
    const members: EtcdClusterMember[] = [];
    const asgs: AutoscalingGroup[] = [];
    placements.forEach((placement, i) => {
      const name = (memberInputs[i] as { name: string }).name;
      const dnsName = dnsNames[i] as string;
      const m = new Construct(this, `member-${i + 1}`);
      const base = kit.addHostBase(m, {
        clusterName: cluster,
        component: 'etcd',
        name,
        kind: 'etcd member',
        tags,
        ownerTagKey: MEMBER_TAG_KEY,
        availabilityZone: placement.availabilityZone,
        kmsKeyArn: this.kmsKeyArn,
        settings: p,
        policy: {
          name: 'member',
          secretsSid: 'TlsSecret',
          instanceSid: 'AttachToOwnMemberInstance',
          moreStatements: [
            {
              Sid: 'UpsertOwnARecord',
              Effect: 'Allow',
              Action: ['route53:ChangeResourceRecordSets'],
              Resource: [`arn:${p.partition}:route53:::hostedzone/${this.hostedZoneId}`],
              Condition: {
                'ForAllValues:StringEquals': {
                  'route53:ChangeResourceRecordSetsNormalizedRecordNames': [dnsName],
                  'route53:ChangeResourceRecordSetsRecordTypes': ['A'],
                  'route53:ChangeResourceRecordSetsActions': ['UPSERT'],
                },
              },
            },
            {
              Sid: 'WaitForDnsChange',
              Effect: 'Allow',
              Action: ['route53:GetChange'],
              Resource: [`arn:${p.partition}:route53:::change/*`],
            },
          ],
        },
      });
      const memberTags = base.tags;

      const userData = renderUserData({
        cluster: p.cluster,
        memberName: name,
        recordName: dnsName,
        dnsTtlSeconds: p.dnsTtlSeconds,
        tlsSecretArn: base.tlsSecret.arn,
        dataVolumeId: base.dataVolume.id,
        hostedZoneId: this.hostedZoneId,
        packages: p.packages,
      });
      const userDataIssue = kit.userDataProblem(name, userData);
      if (userDataIssue !== undefined)
        throw new EtcdStackError(
          'ETCD_STACK_INVALID_PROPS',
          `EtcdCluster '${this.node.path}': ${userDataIssue}`,
        );
      // Kept as a Terraform local: the template (with its references) stays readable in cdk.tf.json.
      const userDataLocal = new TerraformLocal(m, 'user-data', userData);

      const instanceTags = { ...memberTags, Name: `${cluster}-${name}` };
      const template = new LaunchTemplate(m, 'launch-template', {
        name: `${cluster}-${name}`,
        description: `pgha ${cluster}: etcd member ${name}`,
        imageId: p.amiId,
        instanceType: p.instanceType,
        updateDefaultVersion: true,
        iamInstanceProfile: { arn: base.instanceProfile.arn },
        metadataOptions: kit.IMDSV2_REQUIRED,
        networkInterfaces: [
          {
            deviceIndex: 0,
            associatePublicIpAddress: 'false',
            deleteOnTermination: 'true',
            securityGroups: [this.sg.id],
          },
        ],
        blockDeviceMappings: [
          {
            deviceName: p.rootDeviceName,
            ebs: {
              volumeSize: p.rootVolumeSizeGiB,
              volumeType: 'gp3',
              encrypted: 'true',
              deleteOnTermination: 'true',
            },
          },
        ],
        tagSpecifications: [
          { resourceType: 'instance', tags: instanceTags },
          { resourceType: 'volume', tags: { ...memberTags, Name: `${cluster}-${name}-root` } },
        ],
        userData: Fn.base64encode(userDataLocal.asString),
      });
      const asg = new AutoscalingGroup(m, 'asg', {
        name: `${cluster}-${name}`,
        minSize: 1,
        maxSize: 1,
        desiredCapacity: 1,
        vpcZoneIdentifier: [placement.subnetId],
        launchTemplate: { id: template.id, version: Token.asString(template.latestVersion) },
        healthCheckType: 'EC2',
        healthCheckGracePeriod: 300,
        // The first boot reads the member's secret and attaches its volume with this policy.
        dependsOn: [base.policy],
        tag: Object.entries({ ...memberTags, Name: `${cluster}-${name}` }).map(([key, value]) => ({
          key,
          value,
          // The launch template tags the instance and its root volume itself.
          propagateAtLaunch: false,
        })),
      });
      asgs.push(asg);

      new Route53Record(m, 'dns-record', {
        zoneId: this.hostedZoneId,
        name: dnsName,
        type: 'A',
        ttl: p.dnsTtlSeconds,
        records: [ETCD_PLACEHOLDER_ADDRESS],
        lifecycle: { ignoreChanges: ['records'] },
      });

      members.push({
        name,
        dnsName,
        availabilityZone: placement.availabilityZone,
        subnetId: placement.subnetId,
        tlsSecretName: base.tlsSecretName,
        tlsSecretArn: base.tlsSecret.arn,
        dataVolumeId: base.dataVolume.id,
        autoScalingGroupName: asg.name,
        instanceRoleArn: base.role.arn,
      });
    });
    this.members = members;
    this.asgs = asgs;

    this.clientEndpoints = dnsNames.map((host) => ({ host, port: clientPort }));
    this.peerEndpoints = dnsNames.map((host) => ({ host, port: peerPort }));
    this.clientUrls = dnsNames.map((host) => `https://${host}:${clientPort}`);

    // Optional client load balancer.
    if (p.clientLoadBalancer) {
      const lbSg = new SecurityGroup(this, 'client-lb-security-group', {
        name: `${cluster}-etcd-lb`,
        description: `pgha ${cluster}: etcd client load balancer`,
        vpcId: p.vpcId,
      });
      this.lbSg = lbSg;
      new VpcSecurityGroupEgressRule(this, 'client-lb-egress', {
        securityGroupId: lbSg.id,
        ipProtocol: 'tcp',
        fromPort: clientPort,
        toPort: clientPort,
        referencedSecurityGroupId: this.sg.id,
        description: 'to the etcd members (traffic and health checks)',
      });
      ingress('client-ingress-lb', clientPort, 'etcd clients through the load balancer', {
        securityGroupId: lbSg.id,
      });
      const lb = kit.addInternalNlb(this, 'client-lb', {
        name: `${cluster}-etcd`,
        subnets: p.subnets,
        securityGroupId: lbSg.id,
      });
      const tg = new LbTargetGroup(this, 'client-lb-target-group', {
        name: `${cluster}-etcd-client`,
        port: clientPort,
        protocol: 'TCP',
        targetType: 'instance',
        vpcId: p.vpcId,
        // Client certificates are required, so an HTTPS check (which sends none) would fail: check TCP.
        healthCheck: {
          protocol: 'TCP',
          port: 'traffic-port',
          interval: 10,
          healthyThreshold: 2,
          unhealthyThreshold: 2,
        },
        preserveClientIp: 'false',
        deregistrationDelay: '10',
      });
      new LbListener(this, 'client-lb-listener', {
        loadBalancerArn: lb.arn,
        port: clientPort,
        protocol: 'TCP',
        defaultAction: [{ type: 'forward', targetGroupArn: tg.arn }],
      });
      for (const asg of asgs) asg.targetGroupArns = [tg.arn];
      const lbName = `etcd.${this.discoveryDomain}`;
      new Route53Record(this, 'client-lb-dns-record', {
        zoneId: this.hostedZoneId,
        name: lbName,
        type: 'A',
        alias: { name: lb.dnsName, zoneId: lb.zoneId, evaluateTargetHealth: true },
      });
      this.loadBalancerEndpoint = { host: lbName, port: clientPort };
    } else {
      this.lbSg = undefined;
      this.loadBalancerEndpoint = undefined;
    }

    // The admin source (verify, etcdctl with the verify client certificate): the client port only.
    kit.adminSources(p.adminAccess).forEach((source, i) => {
      const description = 'etcd clients: admin access (verify, etcdctl)';
      ingress(`admin-ingress-${i + 1}`, clientPort, description, source);
      if (this.lbSg !== undefined)
        ingress(`admin-lb-ingress-${i + 1}`, clientPort, description, source, this.lbSg);
    });

    for (const source of p.allowClientsFrom ?? []) this.allowClientsFrom(source);
  }

  /**
   * Allows a CIDR block or a security group on the cluster's client port (2379 by default; of the members, and of the client load
   * balancer when there is one). Construct ids of the rules follow call order (`client-ingress-1`, ...).
   */
  allowClientsFrom(source: ClientSource): void {
    validateClientSource(source, `EtcdCluster '${this.node.path}'.allowClientsFrom()`);
    this.clientRuleCount += 1;
    const n = this.clientRuleCount;
    const target = (sg: SecurityGroup, rid: string, description: string) =>
      kit.addTcpIngress(this, rid, {
        securityGroupId: sg.id,
        port: this.clientPort,
        from: source,
        description,
      });
    target(this.sg, `client-ingress-${n}`, 'etcd clients');
    if (this.lbSg !== undefined)
      target(this.lbSg, `client-lb-ingress-${n}`, 'etcd clients of the load balancer');
  }

  /**
   * Makes every member's autoscaling group depend on `dependencies` (the secret versions holding the members'
   * TLS material): a member whose first boot ran before its secret had a value would only retry until it has.
   */
  addBootDependency(...dependencies: ITerraformDependable[]): void {
    for (const asg of this.asgs) asg.dependsOn = [...(asg.dependsOn ?? []), ...dependencies.map(dependable)];
  }
}
