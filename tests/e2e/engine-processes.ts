import { execFileSync } from 'node:child_process';

/** The engine processes this test process started (serve runs in-process in the e2e tests), from the process table. */
export function enginePids(): number[] {
  return execFileSync('ps', ['-e', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null && Number(match[2]) === process.pid && (match[3] ?? '').includes('engine-worker'))
    .map((match) => Number(match[1]));
}
