import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadScenario, parseScenario } from '../../src/scenario/load.js';
import { ScenarioErrors } from '../../src/scenario/errors.js';

const SCENARIOS = join(import.meta.dirname, '../../scenarios');

function errorsOf(text: string): string[] {
  try {
    parseScenario(text, 'x.yaml');
  } catch (e) {
    if (e instanceof ScenarioErrors) return e.errors.map((x) => x.message);
    throw e;
  }
  return [];
}

const GOOD = `name: demo
title: a demo
script: |
  ip l a veth0 type veth peer name veth1
  tcpdump -nnt -i veth0 &
  ip netns exec ns1 tcpdump -nnt -i veth1 &
  ping -I veth0 10.1.1.3 -c 2
`;

describe('parseScenario', () => {
  it('reads a valid scenario: lines, captures in script order, defaults', () => {
    const s = parseScenario(GOOD, 'demo.yaml');
    expect(s).toMatchObject({ name: 'demo', title: 'a demo', ipv6: false, description: undefined, expect: undefined });
    expect(s.script.map((l) => l.line)).toEqual([4, 5, 6, 7]);
    expect(s.captures.map((c) => [c.point, c.line])).toEqual([
      ['veth0', 5],
      ['ns1/veth1', 6],
    ]);
  });

  it('reads expect blocks keyed by capture point', () => {
    const s = parseScenario(`${GOOD}expect:\n  captures:\n    veth0: |\n      ARP\n    ns1/veth1: ""\n  output: |\n    PING\n`, 'd.yaml');
    expect([...(s.expect?.captures ?? [])]).toEqual([
      ['veth0', 'ARP\n'],
      ['ns1/veth1', ''],
    ]);
    expect(s.expect?.output).toBe('PING\n');
  });

  it.each([
    ['an unknown key', `${GOOD}colour: blue\n`, "x.yaml:8: unknown key 'colour'"],
    ['a missing script', 'name: a\ntitle: b\n', "x.yaml:1: missing 'script'"],
    ['a missing name', 'title: b\nscript: ip l\n', "x.yaml:1: missing 'name'"],
    ['a bad name', GOOD.replace('name: demo', 'name: Demo_1'), "x.yaml:1: bad name 'Demo_1'"],
    ['a non-boolean ipv6', `${GOOD}ipv6: maybe\n`, "x.yaml:8: 'ipv6' must be true or false"],
    ['an unbounded ping', GOOD.replace(' -c 2', ''), 'x.yaml:7: ping without -c or -w would never end'],
    ['a foreground tcpdump', GOOD.replace('-i veth0 &', '-i veth0'), 'x.yaml:5: a foreground tcpdump would never end'],
    ['a background non-capture', GOOD.replace('ping -I veth0 10.1.1.3 -c 2', 'sleep 5 &'), "x.yaml:7: only a capture ('tcpdump ... &') can run in the background"],
    ['a capture without -i', GOOD.replace('-i veth0 &', '&'), "x.yaml:5: a capture needs '-i IF'"],
    ['a capture point twice', GOOD.replace('ip l a veth0 type veth peer name veth1', 'tcpdump -i veth0 &'), "x.yaml:5: capture point 'veth0' is already captured at line 4"],
    ['an unterminated quote', GOOD.replace('ip l a', 'echo "ip l a'), 'x.yaml:4: unterminated " quote'],
    ['an expectation for no capture', `${GOOD}expect:\n  captures:\n    veth0: ""\n    ns1/veth1: ""\n    veth9: ""\n`, "x.yaml:12: expect.captures has 'veth9'"],
    ['a capture with no expectation', `${GOOD}expect:\n  captures:\n    veth0: ""\n`, "x.yaml:9: expect.captures has no block for 'ns1/veth1'"],
    ['an unknown expect key', `${GOOD}expect:\n  stdout: x\n`, "x.yaml:9: unknown key 'expect.stdout'"],
    ['a YAML syntax error', 'name: a\ntitle: [b\nscript: x\n', 'x.yaml:'],
    ['a duplicate key', `${GOOD}name: again\n`, 'x.yaml:8: '],
    ['not a mapping', '- a\n- b\n', 'x.yaml:1: a scenario is a YAML mapping'],
    ['an empty script', 'name: a\ntitle: b\nscript: |\n  # nothing\n', "x.yaml:3: 'script' has no commands"],
  ])('reports %s as file:line', (_what, text, message) => {
    const errors = errorsOf(text);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.some((e) => e.startsWith(message))).toBe(true);
  });

  it('refuses what bash would expand — variables, $?, command substitution — naming the line; single quotes keep it literal', () => {
    const script = (line: string) => `name: x\ntitle: x\nscript: |\n  ${line}\n`;
    expect(errorsOf(script('echo "exit $?"'))).toEqual(["x.yaml:4: shell expansion '$?' is not simulated: bash would expand it, and a scenario has no variables or command output of its own — write the value"]);
    expect(errorsOf(script('ip netns exec $NS ip a'))[0]).toMatch(/^x\.yaml:4: shell expansion '\$NS' is not simulated/);
    expect(errorsOf(script('echo `ip -br a`'))[0]).toMatch(/^x\.yaml:4: shell expansion '`ip -br a`'/);
    expect(errorsOf(script('ping -c $(echo 1) 10.1.1.1'))[0]).toMatch(/^x\.yaml:4: shell expansion '\$\('/);
    expect(errorsOf(script("echo '$HOME' a\\$b"))).toEqual([]);
  });

  it('reports every problem of a file, not just the first', () => {
    const errors = errorsOf('name: BAD\ncolour: x\nscript: |\n  ping 10.1.1.3\n');
    expect(errors).toEqual([
      "x.yaml:2: unknown key 'colour' (expected one of: name, title, description, ipv6, script, expect)",
      "x.yaml:1: bad name 'BAD': use lower-case letters, digits and '-'",
      "x.yaml:1: missing 'title'",
      'x.yaml:4: ping without -c or -w would never end: add \'-c N\'',
    ]);
  });

  it('never throws anything but ScenarioErrors, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'name:title script|\n-&#"\'\\ ip ping tcpdump -i -c 2 expect captures output'.split('')), maxLength: 200 }), (text) => {
        try {
          parseScenario(text, 'r.yaml');
        } catch (e) {
          if (!(e instanceof ScenarioErrors)) throw e;
          for (const x of e.errors) expect(x.message).toMatch(/^r\.yaml(:\d+)?: /);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('names a missing file', () => {
    expect(() => loadScenario('/nonexistent/s.yaml')).toThrow('/nonexistent/s.yaml: no such file');
  });

  it('refuses a directory and a device that never ends, without reading them', () => {
    expect(() => loadScenario(SCENARIOS)).toThrow(`${SCENARIOS}: is a directory, not a scenario file`);
    expect(() => loadScenario('/dev/zero')).toThrow('/dev/zero: is not a regular file');
  });

  it('refuses bytes that are not UTF-8, naming each line and the first bad byte on it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'vethsim-load-')), 'latin1.yaml');
    const text = Buffer.concat([
      Buffer.from('name: latin1\ntitle: t\nscript: |\n  ip link add v'),
      Buffer.from([0xe9]), // 'é' in Latin-1
      Buffer.from('0 type veth peer name v1\n  echo caf\u00e9\n  echo '),
      Buffer.from([0xe2, 0x82]), // a three-byte sequence cut short
      Buffer.from(' x\n'),
    ]);
    writeFileSync(file, text);
    expect(errorsOfFile(file)).toEqual([
      `${file}:4: byte 0xe9 at column 16 is not UTF-8: scenario files are UTF-8 text`,
      `${file}:6: byte 0xe2 at column 8 is not UTF-8: scenario files are UTF-8 text`,
    ]);
  });
});

function errorsOfFile(file: string): string[] {
  try {
    loadScenario(file);
  } catch (e) {
    if (e instanceof ScenarioErrors) return e.errors.map((x) => x.message);
    throw e;
  }
  return [];
}

describe('bundled scenarios', () => {
  const files = readdirSync(SCENARIOS).filter((f) => f.endsWith('.yaml'));
  it('exist', () => expect(files.length).toBeGreaterThanOrEqual(6));
  it.each(files)('%s loads, is named after its file and has an expectation', (f) => {
    const s = loadScenario(join(SCENARIOS, f));
    expect(s.name).toBe(f.replace(/\.yaml$/, ''));
    expect(s.description).toBeTruthy();
    expect(s.expect?.output).toBeDefined();
  });
});
