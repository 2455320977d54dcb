// Where the CPU goes: each process's user + system time from /proc/<pid>/stat, its descendants
// included (a process that forks, as PostgreSQL does per connection, is counted whole), and the
// machine's busy time from /proc/stat, to tell Rapport's load from everyone else's.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessStat {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks: its own time and that of its children it has reaped. */
  ticks: number;
}

/** One process to account for: its own time only (the benchmark itself, whose children are counted apart) or its whole tree. */
export interface AccountedProcess {
  name: string;
  pid: number;
  tree: boolean;
}

/** CPU seconds used so far by each accounted process, and by the whole machine (busy, all cores). */
export interface CpuSample {
  at: number;
  seconds: Record<string, number>;
  machineBusySeconds: number;
}

/**
 * Parses a /proc/<pid>/stat line. The command name (field 2) is in parentheses and may hold
 * spaces and parentheses itself, so the fields are counted from the last ')'.
 */
export function parseProcessStat(line: string): ProcessStat {
  const close = line.lastIndexOf(')');
  if (close < 0) throw new Error(`not a /proc/<pid>/stat line: ${line.slice(0, 80)}`);
  const pid = Number(line.slice(0, line.indexOf('(')).trim());
  // After the name: state(3) ppid(4) … utime(14) stime(15) cutime(16) cstime(17).
  const fields = line
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const field = (number: number) => Number(fields[number - 3]);
  return { pid, ppid: field(4), ticks: field(14) + field(15) + field(16) + field(17) };
}

/** The busy clock ticks of all cores together from /proc/stat's first line: user, nice, system, irq and softirq. */
export function parseMachineBusyTicks(procStat: string): number {
  const cpu = procStat.split('\n').find((line) => line.startsWith('cpu '));
  if (!cpu) throw new Error('/proc/stat has no "cpu" line');
  // user nice system idle iowait irq softirq …
  const [user, nice, system, , , irq, softirq] = cpu.trim().split(/\s+/).slice(1).map(Number);
  return user + nice + system + (irq ?? 0) + (softirq ?? 0);
}

/** The ticks of `root` and every live descendant of it among `stats`. */
export function treeTicks(root: number, stats: ProcessStat[]): number {
  const children = new Map<number, ProcessStat[]>();
  for (const stat of stats) {
    const siblings = children.get(stat.ppid);
    if (siblings) siblings.push(stat);
    else children.set(stat.ppid, [stat]);
  }
  let total = 0;
  const pending = stats.filter((stat) => stat.pid === root);
  while (pending.length > 0) {
    const stat = pending.pop() as ProcessStat;
    total += stat.ticks;
    pending.push(...(children.get(stat.pid) ?? []));
  }
  return total;
}

let ticksPerSecond: number | undefined;

/** The kernel's clock ticks per second (`getconf CLK_TCK`; 100 on Linux where getconf is missing). */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond !== undefined) return ticksPerSecond;
  try {
    ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    ticksPerSecond = 100;
  }
  return ticksPerSecond;
}

const numericEntries = () => readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));

/** Every process's stat line that can still be read (a process may exit while the list is read). */
function allProcessStats(): ProcessStat[] {
  return numericEntries().flatMap((pid) => {
    try {
      return [parseProcessStat(readFileSync(`/proc/${pid}/stat`, 'utf8'))];
    } catch {
      return [];
    }
  });
}

/** The first process whose command line (its arguments) matches, for processes the benchmark did not spawn itself. */
export function findProcess(matches: (argv: string[]) => boolean): number | undefined {
  for (const pid of numericEntries()) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (argv.length > 0 && matches(argv)) return Number(pid);
    } catch {
      // Gone while the list was read.
    }
  }
  return undefined;
}

/** Whether this machine has /proc to read (the benchmark reports no CPU figures where it has not). */
export function canAccountCpu(): boolean {
  try {
    readFileSync('/proc/self/stat', 'utf8');
    return true;
  } catch {
    return false;
  }
}

export function sampleCpu(processes: AccountedProcess[]): CpuSample {
  const stats = allProcessStats();
  const hz = clockTicksPerSecond();
  const seconds: Record<string, number> = {};
  for (const { name, pid, tree } of processes) {
    const ticks = tree ? treeTicks(pid, stats) : (stats.find((stat) => stat.pid === pid)?.ticks ?? 0);
    seconds[name] = ticks / hz;
  }
  return { at: Date.now(), seconds, machineBusySeconds: parseMachineBusyTicks(readFileSync('/proc/stat', 'utf8')) / hz };
}

/** CPU used between two samples, per process, with the window's wall time and the whole machine's busy time. */
export interface CpuWindow {
  wallSeconds: number;
  seconds: Record<string, number>;
  /** All accounted processes together. */
  totalSeconds: number;
  /** Every process on the machine, the benchmark's and anyone else's. */
  machineBusySeconds: number;
}

/** To the millisecond: clock ticks are coarser than that, and the JSON stays readable. */
const toMs = (seconds: number) => Math.round(seconds * 1000) / 1000;

export function cpuBetween(before: CpuSample, after: CpuSample): CpuWindow {
  const seconds = Object.fromEntries(Object.entries(after.seconds).map(([name, value]) => [name, toMs(Math.max(0, value - (before.seconds[name] ?? 0)))]));
  return {
    wallSeconds: (after.at - before.at) / 1000,
    seconds,
    totalSeconds: toMs(Object.values(seconds).reduce((sum, value) => sum + value, 0)),
    machineBusySeconds: toMs(after.machineBusySeconds - before.machineBusySeconds),
  };
}

/**
 * Waits until the accounted processes together use less than `coreShare` of one core over a
 * second (what is left of a burst has finished), or `timeoutMs` passes; returns the last sample.
 */
export async function waitUntilIdle(processes: AccountedProcess[], coreShare = 0.1, timeoutMs = 60_000): Promise<CpuSample> {
  const deadline = Date.now() + timeoutMs;
  let previous = sampleCpu(processes);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const current = sampleCpu(processes);
    const window = cpuBetween(previous, current);
    if (window.totalSeconds < coreShare * window.wallSeconds || Date.now() > deadline) return current;
    previous = current;
  }
}
