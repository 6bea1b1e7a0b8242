/**
 * The real kernel's figures beside the simulator's, measured in the same bench run: veth hops per second
 * under a ping flood between two namespaces (with and without tcpdump on both ends), and namespaces set
 * up per second through `ip -batch`. Everything runs in a private network and mount namespace of its own
 * (`unshare --net --mount`, a fresh tmpfs on /run), torn down when the shell ends: the machine's own
 * namespace is never touched, traffic stays between the two namespaces made here.
 */
import { spawnSync } from 'node:child_process';

export interface KernelFigures {
  readonly kernel_hops_per_sec: number;
  readonly kernel_hops_per_sec_captured: number;
  readonly kernel_namespaces_per_sec: number;
}

const PINGS = 20_000;
const NAMESPACES = 200;

/** Why the kernel cannot be measured here, or undefined. */
export function kernelUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  for (const tool of ['unshare', 'ip', 'ping', 'tcpdump']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  return undefined;
}

/** The shell that runs inside the private namespaces; prints "name nanoseconds" lines. */
function script(): string {
  const ns = (i: number) => `n${i}`;
  const batch: string[] = [];
  for (let i = 0; i < NAMESPACES; i++) batch.push(`netns add ${ns(i)}`, `link add v${i} netns ${ns(i)} type veth peer name p${i}`, `link set p${i} up`);
  const inside: string[] = [];
  for (let i = 0; i < NAMESPACES; i++) inside.push(`ip -n ${ns(i)} -batch - <<EOF\naddr add 10.${(i >> 8) & 255}.${i & 255}.1/24 dev v${i}\nlink set v${i} up\nEOF`);
  return [
    'set -e',
    'mount --make-rprivate /',
    'mount -t tmpfs none /run',
    'mkdir -p /run/netns',
    'now() { date +%s%N; }',
    'ip netns add a',
    'ip netns add b',
    'ip link add va netns a type veth peer name vb netns b',
    'ip -n a addr add 10.250.0.1/24 dev va',
    'ip -n b addr add 10.250.0.2/24 dev vb',
    'ip -n a link set va up',
    'ip -n b link set vb up',
    'ip netns exec a ping -c 1 -W 2 -q 10.250.0.2 >/dev/null',
    `t=$(now); ip netns exec a ping -f -q -c ${PINGS} 10.250.0.2 >/dev/null; echo "flood $(( $(now) - t ))"`,
    'ip netns exec a tcpdump -nnt -i va >/dev/null 2>&1 & ta=$!',
    'ip netns exec b tcpdump -nnt -i vb >/dev/null 2>&1 & tb=$!',
    'sleep 1',
    `t=$(now); ip netns exec a ping -f -q -c ${PINGS} 10.250.0.2 >/dev/null; echo "captured $(( $(now) - t ))"`,
    'kill $ta $tb; wait $ta $tb 2>/dev/null || true',
    `t=$(now); ip -batch - <<EOF\n${batch.join('\n')}\nEOF`,
    ...inside,
    'echo "setup $(( $(now) - t ))"',
  ].join('\n');
}

export function measureKernel(): KernelFigures {
  const r = spawnSync('unshare', ['--net', '--mount', 'sh', '-c', script()], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`kernel figures: the private namespace's script failed (exit ${r.status}): ${r.stderr.trim()}`);
  const ns = new Map(r.stdout.trim().split('\n').map((l) => l.split(' ') as [string, string]).map(([k, v]) => [k, Number(v)]));
  const per = (key: string, n: number) => Math.round(n / ((ns.get(key) as number) / 1e9));
  // Each echo is two veth hops: the request one way, the reply back.
  return {
    kernel_hops_per_sec: per('flood', 2 * PINGS),
    kernel_hops_per_sec_captured: per('captured', 2 * PINGS),
    kernel_namespaces_per_sec: per('setup', NAMESPACES),
  };
}
