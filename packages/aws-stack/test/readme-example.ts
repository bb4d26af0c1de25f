import { type AwsConfig, addAwsProvider, addPghaClusters, addStackBackend } from '@pgha/aws-stack';
import { App, TerraformStack } from 'cdktf';

const config: AwsConfig = {
  clusterName: 'main',
  region: 'eu-west-1',
  vpcId: 'vpc-0123456789abcdef0',
  vpcCidr: '10.20.0.0/16',
  subnets: [
    { subnetId: 'subnet-0a1a1a1a1a1a1a1a1', availabilityZone: 'eu-west-1a' },
    { subnetId: 'subnet-0b2b2b2b2b2b2b2b2', availabilityZone: 'eu-west-1b' },
    { subnetId: 'subnet-0c3c3c3c3c3c3c3c3', availabilityZone: 'eu-west-1c' },
  ],
  amiId: 'ami-0123456789abcdef0',
  amiOs: 'debian-13', // what the instances install: PostgreSQL 17, Patroni 4, etcd 3.5 from Debian 13
  zoneName: 'pgha.internal',
  adminAccess: { cidrs: ['10.20.200.0/24'] }, // where pgha-verify and operators run
};

const app = new App({ outdir: 'cdktf.out' });
const stack = new TerraformStack(app, config.clusterName);
addStackBackend(stack, { type: 'local', path: 'terraform.tfstate' });
addAwsProvider(stack, config.region, false);
const { etcd, patroni } = addPghaClusters(stack, config);
app.synth(); // cdktf.out/stacks/main/cdk.tf.json: terraform init, plan, apply there

console.log(etcd.clientUrls.length, patroni.nodes.map((n) => n.name).join(' ')); // 3 pg-1 pg-2 pg-3
