import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { synthToTemp, tempDirForFile } from './support.js';

/**
 * The user-data exactly as synthesized into the example stack (the Terraform locals the launch templates
 * and instances use), rendered the way Terraform will render it: each `${reference}` replaced by a value of
 * the right shape, then checked by the independent tools: `cloud-init schema` and `shellcheck`.
 */
const { doc } = synthToTemp();
const locals = (doc.locals ?? {}) as Record<string, string>;

const DUMMY: [RegExp, string][] = [
  [
    /^aws_secretsmanager_secret\.[^.]+\.arn$/,
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pgha/main/x-AbCdEf',
  ],
  [/^aws_ebs_volume\.[^.]+\.id$/, 'vol-0123456789abcdef0'],
  [/^aws_route53_zone\.[^.]+\.zone_id$/, 'Z0123456789ABCDEFGHIJ'],
];

/** Renders a Terraform template string that holds only plain references (what the constructs emit). */
function renderTemplate(template: string): string {
  if (/%\{/.test(template.replace(/%%\{/g, ''))) throw new Error('template directive in user-data');
  return template
    .replace(/(?<!\$)\$\{([^}]+)\}/g, (_, ref: string) => {
      const hit = DUMMY.find(([re]) => re.test(ref.trim()));
      if (!hit) throw new Error(`unexpected reference in user-data: ${ref}`);
      return hit[1];
    })
    .replace(/\$\$\{/g, '${')
    .replace(/%%\{/g, '%{');
}

const userData = Object.entries(locals)
  .filter(([, v]) => typeof v === 'string' && v.startsWith('#cloud-config'))
  .map(([name, template]) => ({ name, text: renderTemplate(template) }));
const work = tempDirForFile('pgha-userdata-');
const run = promisify(execFile);
const have = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

describe('user-data inside the synthesized example stack', () => {
  test('one cloud-config per etcd member and Patroni node, each referenced by its launch template or instance', () => {
    expect(userData.map((u) => u.name.replace(/_user-data_[0-9A-F]+$/, '')).sort()).toEqual([
      'etcd_member-1',
      'etcd_member-2',
      'etcd_member-3',
      'patroni_node-1',
      'patroni_node-2',
      'patroni_node-3',
    ]);
    const resources = doc.resource as Record<string, Record<string, Record<string, unknown>>>;
    const uses = [
      ...Object.values(resources.aws_launch_template ?? {}).map((lt) => lt.user_data),
      ...Object.values(resources.aws_instance ?? {}).map((i) => i.user_data),
    ];
    expect(uses.sort()).toEqual(
      userData
        .map((u) => (u.name.startsWith('etcd') ? `\${base64encode(local.${u.name})}` : `\${local.${u.name}}`))
        .sort(),
    );
  });

  test.skipIf(!have('cloud-init') && !process.env.CI).each(userData.map((u) => [u.name, u.text] as const))(
    'cloud-init schema accepts %s',
    async (name, text) => {
      const file = join(work, `${name}.yaml`);
      writeFileSync(file, text);
      const { stdout } = await run('cloud-init', ['schema', '--config-file', file], { encoding: 'utf8' });
      expect(stdout).toMatch(/Valid cloud-config/);
    },
  );

  test.skipIf(!have('shellcheck') && !process.env.CI).each(userData.map((u) => [u.name, u.text] as const))(
    'shellcheck passes the shell scripts of %s',
    async (name, text) => {
      const files = (parse(text) as { write_files?: { path: string; content: string }[] }).write_files ?? [];
      const scripts = files.filter((f) => /^#!\/bin\/(ba)?sh\b/.test(f.content));
      expect(scripts.map((s) => s.path)).toEqual([
        '/usr/local/sbin/pgha-install-components',
        '/usr/local/sbin/pgha-boot',
      ]);
      for (const script of scripts) {
        const file = join(work, `${name}-${script.path.replace(/\//g, '_')}.sh`);
        writeFileSync(file, script.content);
        // Rejects (failing the test) with shellcheck's findings when it exits non-zero.
        const { stdout, stderr } = await run('shellcheck', ['--severity=style', file], { encoding: 'utf8' });
        expect(stdout + stderr).toBe('');
      }
    },
  );
});
