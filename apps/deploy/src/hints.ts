import { dirname } from 'node:path';
import { type AwsDeployErrorReason, DEFAULT_PLUGIN_DIR, isAwsDeployError } from '@pgha/aws-deploy';
import { type HintNames, type HintOption, shellWord } from '@pgha/local-cluster';
import { isRehearsalError, type RehearsalErrorReason } from '@pgha/rehearsal';

type Env = Readonly<Record<string, string | undefined>>;

interface Hinted {
  readonly hint?: string | undefined;
  readonly cause?: unknown;
}

/**
 * The reason of the AwsDeployError or RehearsalError behind `error`: itself, or the cause it was re-wrapped
 * from, hint kept.
 */
function reasonOf(error: Hinted): AwsDeployErrorReason | RehearsalErrorReason | undefined {
  let at: Hinted = error;
  for (let depth = 0; depth < 5; depth++) {
    if (isAwsDeployError(at) || isRehearsalError(at)) return at.reason;
    const cause = at.cause;
    if (typeof cause !== 'object' || cause === null || (cause as Hinted).hint !== at.hint) return undefined;
    at = cause as Hinted;
  }
  return undefined;
}

/**
 * The hint the CLI reports for an error: the error's own, except where a library says which of its checks
 * refused (`AwsDeployError.reason`, `RehearsalError.reason`, also behind a re-wrap that kept its hint): then
 * the CLI's words, which name its commands, flags and variables (the libraries know none of them). The
 * rehearsal's `work-dir-taken` is worded by the rehearse command, which reads the rehearsal in the way.
 */
export function cliHint(error: Hinted, env: Env): string | undefined {
  switch (reasonOf(error)) {
    case 'no-credentials':
      return 'sign in (aws configure / aws sso login, or export AWS_PROFILE); on EC2 with an instance role set AWS_EC2_METADATA_DISABLED=false; or run plan --offline for a plan that contacts nothing';
    case 'no-provider-mirror': {
      const pluginDir = env.PGHA_TF_PLUGIN_DIR ?? DEFAULT_PLUGIN_DIR;
      return `put hashicorp/aws 5.100.0 there (terraform providers mirror ${pluginDir}, on a machine with network), set PGHA_TF_PLUGIN_DIR or TF_CLI_CONFIG_FILE (a filesystem_mirror), or plan without --offline`;
    }
    case 'apply-failed':
      return 'what was created before the failure is in the Terraform state: fix what the lines above name and run the deploy again to finish, or remove it with pnpm run destroy -- --target aws --config FILE';
    case 'state-of-other-target':
      return 'give the AWS cluster another name (--cluster or clusterName) or another --state-dir';
    case 'needs-root':
      return 'run it as root (sudo -E pnpm run rehearse -- ...), or add --apply-only to stop after the apply';
    case 'work-dir-foreign':
      return 'give an empty or new directory with --work-dir (a rehearsal removes its work dir at --destroy)';
    case 'not-a-rehearsal':
      return 'it is not a rehearsal work dir (or not this one): check --work-dir, --state-dir and --cluster';
    default:
      return error.hint;
  }
}

const FLAGS: Record<HintOption, string> = {
  cluster: '--cluster',
  stateRoot: '--state-dir',
  nodesRoot: '--nodes-dir',
  addressBase: '--address-base',
  network: '--network',
  allowUnsafe: '--allow-unsafe-components',
};

/**
 * How the local runtime's hints read to users of this CLI: its commands and flags, not the library's
 * functions. An operation keeps the cluster and the state dir, so it acts on that deployment and not on the
 * default one.
 */
export const CLI_HINT_NAMES: HintNames = {
  operation: (operation, deployment) => {
    const args = ['--cluster', deployment.cluster, '--state-dir', dirname(deployment.stateDir)];
    if (operation === 'purge') args.push('--purge');
    const command = operation === 'purge' ? 'destroy' : operation;
    return `pnpm run ${command} -- ${args.map(shellWord).join(' ')}`;
  },
  deployment: (d) => `--state-dir ${shellWord(dirname(d.stateDir))} --cluster ${shellWord(d.cluster)}`,
  option: (name, value) => (value === undefined ? FLAGS[name] : `${FLAGS[name]} ${value}`),
  install: () => 'as root, pnpm run components -- --install',
};
