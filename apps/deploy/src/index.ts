export { type Io, run, USAGE } from './cli.js';
export { DeployError, type DeployErrorCode, type ErrorKind, isDeployError } from './errors.js';
export type { DeployEvent, Emit } from './events.js';
export { type DeployLocalOptions, type DeployLocalResult, deployLocal } from './local/deploy.js';
export { type DestroyResult, destroyLocal } from './local/destroy.js';
export { type Layout, layoutFor } from './local/layout.js';
export type { ConnectionInfo, Manifest } from './local/manifest.js';
export { type LocalStatus, type StatusRow, statusLocal } from './local/status.js';
export { type AddressPlan, addressPlan, DEFAULTS, type LocalOptions, validateOptions } from './options.js';
