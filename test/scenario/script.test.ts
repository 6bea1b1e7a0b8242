import { describe, expect, it } from 'vitest';
import { splitScript } from '../../src/scenario/script.js';
import { ScenarioError } from '../../src/scenario/errors.js';

describe('splitScript', () => {
  it('drops comments and blank lines and keeps file line numbers', () => {
    const lines = splitScript('# make the pair\nip l a veth0 type veth peer name veth1\n\nping -I veth0 10.1.1.3 -c 2  # go\n', 'f.yaml', 10);
    expect(lines.map((l) => [l.line, l.text])).toEqual([
      [11, 'ip l a veth0 type veth peer name veth1'],
      [13, 'ping -I veth0 10.1.1.3 -c 2'],
    ]);
    expect(lines[1]?.words).toEqual(['ping', '-I', 'veth0', '10.1.1.3', '-c', '2']);
  });

  it('joins a trailing backslash with the next line, reported at the first', () => {
    const [l] = splitScript('ip link add veth0 \\\n  type veth peer name veth1\n', 'f.yaml', 5);
    expect(l?.line).toBe(5);
    expect(l?.words).toEqual(['ip', 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1']);
  });

  it("marks a trailing '&' as background and removes it", () => {
    const [l] = splitScript('ip netns exec ns1 tcpdump -nnt -i veth0 &', 'f.yaml', 1);
    expect(l).toMatchObject({ background: true, text: 'ip netns exec ns1 tcpdump -nnt -i veth0' });
    expect(l?.words).toEqual(['ip', 'netns', 'exec', 'ns1', 'tcpdump', '-nnt', '-i', 'veth0']);
  });

  it("keeps a '#' inside a word in its word, as bash does (tcpdump -#)", () => {
    const [l] = splitScript('tcpdump -nnt -# -i veth1 a#b \\#c # comment &', 'f.yaml', 1);
    expect(l?.words).toEqual(['tcpdump', '-nnt', '-#', '-i', 'veth1', 'a#b', '#c']);
    expect(l?.background).toBe(false);
    const [m] = splitScript('tcpdump -nnt -# -i veth1 &', 'f.yaml', 1);
    expect(m).toMatchObject({ background: true, words: ['tcpdump', '-nnt', '-#', '-i', 'veth1'] });
  });

  it('keeps redirections as operators and $VAR literal', () => {
    const [a, b] = splitScript('echo 1 > /proc/sys/net/ipv4/conf/all/rp_filter\necho $HOME "a # b"', 'f.yaml', 1);
    expect(a?.words).toEqual(['echo', '1', { op: '>' }, '/proc/sys/net/ipv4/conf/all/rp_filter']);
    expect(b?.words).toEqual(['echo', '$HOME', 'a # b']);
  });

  it.each([
    ['echo "open', 3, 'unterminated " quote'],
    ["echo 'open", 3, "unterminated ' quote"],
    ['ip link \\', 3, "ends inside a '\\' continuation"],
    ['&', 3, "unexpected token '&'"],
  ])('rejects %j with file:line', (script, line, message) => {
    let err: unknown;
    try {
      splitScript(script, 'bad.yaml', 3);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ScenarioError);
    expect((err as ScenarioError).message).toContain(`bad.yaml:${line}: `);
    expect((err as ScenarioError).message).toContain(message);
  });
});
