import { Instance } from '@cdktf/provider-aws/lib/instance/index.js';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import * as kit from '@pgha/aws-kit';
import { Construct } from 'constructs';

/** Props of a one-instance monitoring host next to a pgha cluster. */
export interface MonitorHostProps {
  readonly clusterName: string;
  readonly vpcId: string;
  readonly subnet: kit.SubnetPlacement;
  readonly amiId: string;
  readonly instanceType?: string;
  readonly dataVolumeSizeGiB?: number;
  /** Who may scrape the host's metrics port. */
  readonly allowScrapersFrom: readonly kit.ClientSource[];
  readonly tags?: Readonly<Record<string, string>>;
}

const DEFAULTS = {
  instanceType: 't3.small',
  dataVolumeSizeGiB: 10,
  secretRecoveryWindowDays: 7,
  partition: 'aws',
};

const RULES: readonly kit.Rule<MonitorHostProps>[] = [
  kit.commonRules.vpcId,
  kit.commonRules.amiId,
  kit.commonRules.instanceType(DEFAULTS.instanceType),
  kit.commonRules.dataVolumeSize,
  kit.commonRules.reservedTags,
  (p) => kit.clusterNameProblem(p.clusterName),
  (p) =>
    p.allowScrapersFrom
      .map((s, i) => kit.clientSourceProblem(`allowScrapersFrom[${i}]`, s, 'metrics must stay private'))
      .filter((x) => x !== undefined),
];

export class MonitorHost extends Construct {
  readonly tlsSecretName: string;

  constructor(scope: Construct, id: string, props: MonitorHostProps) {
    super(scope, id);
    const problems = kit.collectProblems(props, RULES);
    if (problems.length > 0)
      throw new Error(kit.invalidPropsMessage(`MonitorHost '${this.node.path}'`, problems));
    const p = { ...DEFAULTS, ...kit.stripUndefined(props) };
    const tags = kit.applyStandardTags(this, p.clusterName, 'monitor', p.tags);

    // A customer managed key, the host's data volume, an empty TLS secret and a role scoped to exactly those.
    const kmsKeyArn = kit.addSecretsKey(this, {
      description: `pgha ${p.clusterName}: monitor TLS secret`,
      aliasName: `alias/pgha-${p.clusterName}-monitor`,
    });
    const host = kit.addHostBase(this, {
      clusterName: p.clusterName,
      component: 'monitor',
      name: 'monitor-1',
      kind: 'monitoring host',
      tags,
      ownerTagKey: 'pgha:monitor',
      availabilityZone: p.subnet.availabilityZone,
      kmsKeyArn,
      settings: p,
      policy: { name: 'monitor', secretsSid: 'TlsSecret', instanceSid: 'AttachToOwnMonitorInstance' },
    });
    this.tlsSecretName = host.tlsSecretName;

    const sg = new SecurityGroup(this, 'security-group', {
      name: `${p.clusterName}-monitor`,
      vpcId: p.vpcId,
    });
    p.allowScrapersFrom.forEach((from, i) => {
      kit.addTcpIngress(this, `scrape-${i + 1}`, {
        securityGroupId: sg.id,
        port: 9100,
        from,
        description: 'metrics',
      });
    });
    kit.addWebEgress(this, sg.id, 'AWS APIs (Secrets Manager, EC2, SSM) and package mirrors');

    new Instance(this, 'instance', {
      ami: p.amiId,
      instanceType: p.instanceType,
      subnetId: p.subnet.subnetId,
      vpcSecurityGroupIds: [sg.id],
      iamInstanceProfile: host.instanceProfile.name,
      associatePublicIpAddress: false,
      metadataOptions: kit.IMDSV2_REQUIRED,
      rootBlockDevice: { volumeType: 'gp3', encrypted: true },
      tags: { ...host.tags, Name: `${p.clusterName}-monitor-1` },
    });
  }
}
