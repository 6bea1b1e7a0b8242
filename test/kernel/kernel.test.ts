/**
 * Kernel mode against the real kernel: the bundled scenarios agree with what they expect, a wrong
 * expectation is shown as a diff, record writes only stable results, and a run killed midway leaves
 * nothing behind. Without root or the tools, every test here is skipped with the reason.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';
import { runKernel } from '../../src/kernel/run.js';
import { checkExpectation, renderVerdict } from '../../src/report/compare.js';
import { BIN, hostNetnsList, kernelSkipReason, processCommandLines, ROOT, runCli } from '../helpers/kernel.js';

const skip = kernelSkipReason();
const title = (t: string) => (skip ? `${t} (skipped: ${skip})` : t);

function tempScenario(name: string, body: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'vethsim-')), `${name}.yaml`);
  writeFileSync(file, `name: ${name}\ntitle: ${name}\n${body}`);
  return file;
}

async function until(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(skip !== undefined)(title('kernel mode'), () => {
  const files = readdirSync(join(ROOT, 'scenarios')).filter((f) => f.endsWith('.yaml'));
  it.each(files)('%s: the kernel agrees with the recorded expectation', async (f) => {
    const s = loadScenario(join(ROOT, 'scenarios', f));
    const report = await runKernel(s);
    const v = checkExpectation(s.expect ?? {}, report);
    expect(v.ok, renderVerdict(v, { expected: 'expect', actual: 'kernel' })).toBe(true);
  });

  it('conform: the simulator and the kernel agree on the article scenarios, point by point', async () => {
    const r = await runCli(['conform', 'scenarios/veth-same-ns-fixed.yaml', 'scenarios/veth-same-ns-ubuntu.yaml']);
    expect(r.stdout).toMatch(/^veth-same-ns-fixed +lo +match$/m);
    expect(r.stdout).toContain('2 of 2 scenarios agree with the kernel');
    expect(r.code).toBe(0);
  });

  it('reports a wrong expectation with a readable diff and exit 1', async () => {
    const file = tempScenario('wrong', 'script: |\n  echo hi\n  ip -br link show lo\nexpect:\n  output: |\n    hello\n    lo               UNKNOWN        00:00:00:00:00:00 <LOOPBACK,UP,LOWER_UP>\n');
    const r = await runCli(['kernel', '--check', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('DIFF   output');
    expect(r.stdout).toContain('    -hello\n    +hi\n');
    expect(r.stdout).toMatch(/^ {5}lo +UNKNOWN/m);
  });

  it('records a stable scenario into its file, after which the check passes', async () => {
    const file = tempScenario('stable', 'script: |\n  ip l a veth0 type veth peer name veth1\n  ip -br link show veth0\n');
    const r = await runCli(['record', file]);
    expect(r.stdout).toContain('recorded (3 kernel runs agree)');
    expect(r.code).toBe(0);
    const s = loadScenario(file);
    expect(s.expect?.output).toMatch(/^veth0@veth1 +DOWN +[0-9a-f:]{17} <BROADCAST,MULTICAST,M-DOWN>/);
    expect((await runCli(['kernel', '--check', file])).code).toBe(0);
  });

  it('refuses to record a scenario whose runs differ, and shows how', async () => {
    const file = tempScenario('unstable', 'script: |\n  cat /proc/sys/kernel/random/uuid\n');
    const before = readFileSync(file, 'utf8');
    const r = await runCli(['record', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('not recorded — runs 1 and 2 differ, so the scenario depends on timing');
    expect(r.stdout).toContain('DIFF   output');
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it.each(['SIGKILL', 'SIGINT'] as const)('a run stopped by %s midway leaves no namespace, mount or process behind', async (signal) => {
    const tag = signal === 'SIGKILL' ? 'vskk' : 'vski';
    const file = tempScenario(
      `killed-${tag}`,
      `script: |\n  ip netns add ${tag}ns\n  ip l a ${tag}0 type veth peer name ${tag}1\n  ip l s ${tag}1 netns ${tag}ns\n  ip l s ${tag}0 up\n  tcpdump -nnt -i ${tag}0 &\n  ovs-vsctl add-br ${tag}br\n  sleep 31.${tag.length}\n`,
    );
    const mountsBefore = readFileSync('/proc/self/mountinfo', 'utf8');
    const child = spawn(process.execPath, [BIN, 'kernel', file], { stdio: 'ignore' });
    const mine = () => processCommandLines().filter((l) => l.includes(tag) || l.includes(`sleep 31.${tag.length}`) || /ovs-vswitchd|ovsdb-server/.test(l));
    try {
      await until('the run reaches its sleep', () => processCommandLines().some((l) => l.includes(`sleep 31.${tag.length}`)));
      expect(mine().some((l) => l.includes('tcpdump'))).toBe(true);
    } finally {
      child.kill(signal);
    }
    await until('the run and everything it started are gone', () => child.exitCode !== null || child.signalCode !== null);
    await until('no process of the run is left', () => mine().length === 0);
    expect(hostNetnsList()).toBe('');
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).toBe(mountsBefore);
  });
});

describe('kernel preflight', () => {
  it('says that kernel mode needs root, for a user who is not', async () => {
    const { kernelPreflight } = await import('../../src/kernel/preflight.js');
    expect(kernelPreflight({ ovs: false, uid: 1000 })).toContain('kernel mode needs root (it makes network namespaces): run it as root, e.g. with sudo');
  });
});
