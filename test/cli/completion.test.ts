import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { completionModel } from '../../src/cli/commands/completion/model.js';
import { renderFish, renderZsh } from '../../src/cli/commands/completion/render.js';
import { createProgram } from '../../src/cli/program.js';
import { runCliInProcess } from '../helpers/run-cli.js';
import { useTempDir } from '../helpers/temp-dir.js';

const io = {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: {},
  cwd: process.cwd(),
  now: () => new Date(),
};

describe('completion', () => {
  const tempDir = useTempDir();

  /** Sources the generated bash script in a real bash and asks it to complete `words` (the last one is the cursor's). */
  function bashComplete(script: string, words: string[]): string[] {
    const file = join(tempDir(), 'completion.bash');
    writeFileSync(file, script);
    const line = ['smtp2go-portal', ...words].map((w) => `'${w}'`).join(' ');
    const out = execFileSync(
      'bash',
      [
        '-c',
        `source "${file}"; COMP_WORDS=(${line}); COMP_CWORD=${words.length}; _smtp2go_portal; printf '%s\\n' "\${COMPREPLY[@]}"`,
      ],
      { encoding: 'utf8' },
    );
    return out
      .split('\n')
      .filter((w) => w !== '')
      .sort();
  }

  it('bash: completes commands, nested subcommands, options per command, and option choices', async () => {
    const { stdout, code } = await runCliInProcess(['completion', 'bash']);
    expect(code).toBe(0);
    expect(bashComplete(stdout, [''])).toEqual(
      expect.arrayContaining(['completion', 'configure', 'doctor', 'reconcile', 'send-test', 'webhook']),
    );
    expect(bashComplete(stdout, ['reconcile', '--'])).toEqual(
      expect.arrayContaining(['--since', '--reply', '--dry-run']),
    );
    expect(bashComplete(stdout, ['webhook', ''])).toEqual(expect.arrayContaining(['register', 'unregister']));
    expect(bashComplete(stdout, ['webhook', 'register', '--'])).toEqual(
      expect.arrayContaining(['--public-url', '--events', '--dry-run', '--json', '--db', '--help']),
    );
    expect(bashComplete(stdout, ['webhook', 'register', '--'])).not.toContain('--listener');
    expect(bashComplete(stdout, ['--v'])).toEqual(['--version']);
    expect(bashComplete(stdout, ['--db', 'x.db', 'doctor', '--l'])).toEqual(['--listener']);
    // issue 14: the renamed flags' old spellings still parse but are not offered.
    expect(bashComplete(stdout, ['webhook', 'register', '--'])).not.toContain('--url');
    expect(bashComplete(stdout, ['webhook', 'trigger', '--'])).toEqual(
      expect.arrayContaining(['--listener', '--url']),
    );
    expect(bashComplete(stdout, ['webhook', 'trigger', '--'])).not.toContain('--to');
    expect(bashComplete(stdout, ['webhook', 'replay', '--'])).not.toContain('--to');
    expect(bashComplete(stdout, ['send-test', '--'])).toContain('--to');
    expect(bashComplete(stdout, ['configure', '--region', ''])).toEqual(['au', 'eu', 'global', 'us']);
    expect(bashComplete(stdout, ['completion', ''])).toEqual(['bash', 'fish', 'zsh']);
    expect(bashComplete(stdout, ['webhook', 'trigger', ''])).toEqual(
      expect.arrayContaining(['bounce', 'click', 'delivered', 'open', 'processed', 'resubscribe']),
    );
    expect(bashComplete(stdout, ['webhook', 'trigger', 'b'])).toEqual(['bounce']);
    expect(bashComplete(stdout, ['webhook', 'trigger', '--reply', '1', 'o'])).toEqual(['open']);
    // An option's value is not mistaken for a subcommand.
    expect(bashComplete(stdout, ['--db', 'webhook', 'doctor', '--t'])).toEqual(['--timeout']);
  });

  it("issue 14: the README's completion lines work as written on a fresh HOME", () => {
    const root = join(import.meta.dirname, '..', '..');
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const block = /## `completion`\n\n```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const home = tempDir();
    const bin = join(home, 'bin');
    mkdirSync(bin);
    writeFileSync(
      join(bin, 'smtp2go-portal'),
      `#!/bin/sh\nexec "${process.execPath}" "${join(root, 'bin', 'smtp2go-portal.js')}" "$@"\n`,
    );
    chmodSync(join(bin, 'smtp2go-portal'), 0o755);
    execFileSync('bash', ['-e', '-c', block ?? ''], {
      env: { HOME: home, PATH: `${bin}:${process.env.PATH ?? ''}`, CI: '1' },
      cwd: home,
    });
    for (const file of [
      '.local/share/bash-completion/completions/smtp2go-portal',
      '.zfunc/_smtp2go-portal',
      '.config/fish/completions/smtp2go-portal.fish',
    ]) {
      expect(existsSync(join(home, file)), file).toBe(true);
    }
    expect(readFileSync(join(home, '.zfunc/_smtp2go-portal'), 'utf8')).toMatch(/^#compdef smtp2go-portal/);
    execFileSync('bash', ['-n', join(home, '.local/share/bash-completion/completions/smtp2go-portal')]);
  });

  it('covers every command and option in the live tree, including one added later', () => {
    const program = createProgram(io);
    program.command('added-later').option('--brand-new <x>', 'a later option');
    const nodes = completionModel(program);
    const later = nodes.find((node) => node.path === 'added-later');
    expect(later?.options.flatMap((o) => o.names)).toContain('--brand-new');
    for (const command of allCommands(program)) {
      const node = nodes.find((n) => n.name === command.name() && n.path.endsWith(command.name()));
      expect(node, command.name()).toBeDefined();
      // Hidden options are the old spellings of renamed flags: they parse but are not offered.
      for (const option of command.options) {
        if (option.hidden) expect(node?.options.flatMap((o) => o.names)).not.toContain(option.long);
        else expect(node?.options.flatMap((o) => o.names)).toContain(option.long);
      }
    }
    expect(renderZsh(nodes, 'smtp2go-portal')).toContain('--brand-new');
    expect(renderFish(nodes, 'smtp2go-portal')).toContain('-l brand-new -r');
  });

  it('zsh and fish scripts name every subcommand with its description', async () => {
    const zsh = (await runCliInProcess(['completion', 'zsh'])).stdout;
    expect(zsh.startsWith('#compdef smtp2go-portal')).toBe(true);
    expect(zsh).toContain("'register:create or update this portal");
    expect(zsh).toContain('compdef _smtp2go_portal smtp2go-portal');
    expect(zsh).not.toMatch(/"webhook register"\) echo '[^']*--version/);
    const fish = (await runCliInProcess(['completion', 'fish'])).stdout;
    // The guard lists every webhook subcommand, whichever exist in this build.
    expect(fish).toMatch(
      /-n '__fish_seen_subcommand_from webhook; and not __fish_seen_subcommand_from [a-z ]*\bregister\b[a-z ]*' -a register/,
    );
    expect(fish).toContain(
      "-n '__fish_seen_subcommand_from webhook; and __fish_seen_subcommand_from unregister' -l yes -s y",
    );
    expect(fish).toContain("-l region -x -a 'us eu au global'");
  });

  it('bash parses its own script (bash -n) and an unknown shell is a usage error', async () => {
    const file = join(tempDir(), 'c.bash');
    writeFileSync(file, (await runCliInProcess(['completion', 'bash'])).stdout);
    execFileSync('bash', ['-n', file]);
    const bad = await runCliInProcess(['completion', 'powershell']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bash, zsh, fish/);
  });
});

function allCommands(command: Command): Command[] {
  return command.commands.flatMap((child) => [child, ...allCommands(child)]);
}
