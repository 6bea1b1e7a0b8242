/**
 * `vethsim tui` end to end in a real pseudo-terminal: tmux runs it at 80x24, keys are sent one at a
 * time, the screen is read back, and after each way out — q, Ctrl-C, SIGTERM, SIGHUP — the terminal
 * must be as it was: main screen back (with what the shell printed before), cursor shown, the same
 * stty settings (raw mode off). tmux's server gets an environment without CI: ink draws only the
 * last frame when it believes it runs in CI.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/vethsim.js');
const ARTICLE = join(ROOT, 'scenarios/veth-same-ns-default.yaml');

const hasTmux = spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'CI' && k !== 'CONTINUOUS_INTEGRATION' && !k.startsWith('TMUX')));

class Tmux {
  readonly socket = `vethsim-tui-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  readonly dir = mkdtempSync(join(tmpdir(), 'vethsim-tui-'));

  run(...args: string[]): string {
    const r = spawnSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8', env });
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }

  /** A shell in the pane prints a marker, saves the tty settings, runs the UI, then saves them again. */
  start(args: string, vars = ''): void {
    const b = join(this.dir, 'before');
    const a = join(this.dir, 'after');
    const script = `echo BEFORE-THE-UI; stty -g > ${b}; ${vars} ${process.execPath} ${BIN} tui ${args}; echo EXIT=$?; stty -g > ${a}; cmp -s ${b} ${a} && echo STTY-SAME || echo STTY-CHANGED; sleep 60`;
    this.run('new-session', '-d', '-x', '80', '-y', '24', '-c', this.dir, `sh -c '${script}'`);
  }

  screen(): string {
    return this.run('capture-pane', '-p');
  }

  /** The screen with its SGR attributes (colour, inverse, bold) as escape sequences. */
  styled(): string {
    return this.run('capture-pane', '-p', '-e');
  }

  display(fmt: string): string {
    return this.run('display', '-p', fmt).trim();
  }

  keys(...keys: string[]): void {
    for (const k of keys) this.run('send-keys', k);
  }

  async waitFor(re: RegExp, ms = 30_000): Promise<string> {
    const end = Date.now() + ms;
    let s = '';
    while (Date.now() < end) {
      s = this.screen();
      if (re.test(s)) return s;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`screen never showed ${re}:\n${s}`);
  }

  /** The UI's node process: the pane shell's child. */
  uiPid(): number {
    const shell = this.display('#{pane_pid}');
    const children = readFileSync(`/proc/${shell}/task/${shell}/children`, 'utf8').trim().split(/\s+/);
    return Number(children[0]);
  }

  stop(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server'], { env });
    // A killed server may leave its socket behind (in $TMUX_TMPDIR or /tmp, under tmux-UID).
    rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, this.socket), { force: true });
    rmSync(this.dir, { recursive: true, force: true });
  }
}

let tmux: Tmux | undefined;
afterEach(() => {
  tmux?.stop();
  tmux = undefined;
});

beforeAll(() => {
  if (!hasTmux) console.warn('test/tui/pty.test.ts: tmux is not installed (apt-get install tmux); the end-to-end tests are skipped');
});

/** The terminal as the shell left it before the UI: main screen, cursor on, tty settings unchanged. */
async function expectRestored(t: Tmux, exit: number): Promise<void> {
  const s = await t.waitFor(/STTY-(SAME|CHANGED)/);
  expect(s).toContain(`EXIT=${exit}`);
  expect(s).toContain('STTY-SAME');
  expect(s).toMatch(/^BEFORE-THE-UI$/m);
  expect(s).not.toMatch(/Timeline|IP_LOCAL_SOURCE/);
  expect(t.display('#{alternate_on}')).toBe('0');
  expect(t.display('#{cursor_flag}')).toBe('1');
}

async function openArticle(t: Tmux, vars = ''): Promise<void> {
  t.start(ARTICLE, vars);
  await t.waitFor(/veth-same-ns-default +t=0\.000000s +ev 1\/42/);
  expect(t.display('#{alternate_on}')).toBe('1');
}

describe.skipIf(!hasTmux)('vethsim tui in a real terminal (tmux)', () => {
  it('draws the UI, steps to the drop and shows why; q restores the terminal exactly', async () => {
    tmux = new Tmux();
    await openArticle(tmux);
    tmux.keys(']');
    const s = await tmux.waitFor(/✗ DROP IP_LOCAL_SOURCE/);
    expect(s.split('\n')[0]).toMatch(/ev 14\/42/);
    expect(s).toMatch(/accept_local veth1=0 all=0 → 0/);
    tmux.keys('3');
    await tmux.waitFor(/accept_local +0 +0 +0 +0/);
    tmux.keys('q');
    await expectRestored(tmux, 0);
  });

  it('NO_COLOR: no colour or inverse at all, the selection and drops still marked by glyphs', async () => {
    const sgr = /\x1b\[[0-9;]*m/g;
    const colours = (s: string) => (s.match(sgr) ?? []).filter((x) => x !== '\x1b[m' && x !== '\x1b[0m' && x !== '\x1b[39m' && x !== '\x1b[49m');
    tmux = new Tmux();
    await openArticle(tmux);
    tmux.keys(']');
    await tmux.waitFor(/✗ DROP IP_LOCAL_SOURCE/);
    expect(colours(tmux.styled()).length).toBeGreaterThan(0);
    tmux.keys('q');
    await expectRestored(tmux, 0);
    tmux.stop();

    tmux = new Tmux();
    await openArticle(tmux, 'NO_COLOR=1');
    tmux.keys(']');
    const s = await tmux.waitFor(/✗ DROP IP_LOCAL_SOURCE/);
    expect(colours(tmux.styled())).toEqual([]);
    expect(s).toMatch(/▶✗0\.008002 veth1 arp_proce/);
    expect(s).toMatch(/accept_local veth1=0 all=0 → 0 +◀/);
    tmux.keys('q');
    await expectRestored(tmux, 0);
  });

  it('Ctrl-C quits and restores the terminal', async () => {
    tmux = new Tmux();
    await openArticle(tmux);
    tmux.keys('n', 'C-c');
    await expectRestored(tmux, 0);
  });

  it('SIGTERM and SIGHUP restore the terminal too (exit 143, 129)', async () => {
    for (const [signal, exit] of [['SIGTERM', 143], ['SIGHUP', 129]] as const) {
      tmux = new Tmux();
      await openArticle(tmux);
      process.kill(tmux.uiPid(), signal);
      await expectRestored(tmux, exit);
      tmux.stop();
      tmux = undefined;
    }
  });

  it('a terminal made smaller than 80x24 gets a message, and the UI comes back when it grows', async () => {
    tmux = new Tmux();
    await openArticle(tmux);
    tmux.keys(']');
    await tmux.waitFor(/✗ DROP IP_LOCAL_SOURCE/);
    tmux.run('resize-window', '-x', '70', '-y', '20');
    await tmux.waitFor(/needs a terminal of at least 80x24;\nthis one is 70x20\./);
    tmux.run('resize-window', '-x', '100', '-y', '30');
    const s = await tmux.waitFor(/ev 14\/42.*\n.*Timeline/);
    expect(s.split('\n')[0]).toMatch(/^ veth-same-ns-default {2}t=0\.008002s {2}ev 14\/42/);
    tmux.keys('q');
    await expectRestored(tmux, 0);
  });

  it('a file it cannot open is reported before the screen changes, exit 2', async () => {
    tmux = new Tmux();
    tmux.start('no-such-file.yaml');
    const s = await tmux.waitFor(/EXIT=2/);
    expect(s).toMatch(/no-such-file\.yaml/);
    expect(s).not.toMatch(/^ +at /m);
    await expectRestored(tmux, 2);
  });

  it('with no file, the picker lists the bundled scenarios and filters by typing; Enter opens one', async () => {
    tmux = new Tmux();
    tmux.start('');
    await tmux.waitFor(/choose a scenario +\d+ of \d+/);
    tmux.keys('same-ns-fixed');
    const s = await tmux.waitFor(/choose a scenario +1 of \d+ +filter: same-ns-fixed/);
    expect(s).toMatch(/▶ veth-same-ns-fixed +veth pair in one namespace after the sysctl fix/);
    tmux.keys('Enter');
    await tmux.waitFor(/veth-same-ns-fixed +t=/);
    tmux.keys('q');
    await expectRestored(tmux, 0);
  });
});

describe('vethsim tui without a terminal', () => {
  it('exits 2 with a clear message when stdin is not a TTY', () => {
    const r = spawnSync(process.execPath, [BIN, 'tui', ARTICLE], { encoding: 'utf8', input: '', env });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`vethsim tui: needs a terminal (standard input and output must be a TTY); for a report without one: vethsim run --explain ${ARTICLE}\n`);
    expect(r.stdout).toBe('');
  });
});
