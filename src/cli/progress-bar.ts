import { SingleBar } from 'cli-progress';
import type { ProgressEvent } from '../experiments/activation-compare.js';
import { terminalLine } from './terminal-text.js';

function formatSeconds(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '--';
  const whole = Math.round(seconds);
  return whole >= 60 ? `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s` : `${whole}s`;
}

/** A progress bar on stderr with the current run, samples/s and ETA. */
export function createProgressBar(): { update(event: ProgressEvent): void; stop(): void } {
  const bar = new SingleBar({
    stream: process.stderr,
    format: '{bar} {value}/{total} samples | {run} ({runDone}/{runTotal}) | {rate} samples/s | ETA {eta_text}',
    hideCursor: true,
    clearOnComplete: false,
    barsize: 24,
  });
  let started = false;
  return {
    update(event) {
      const payload = {
        run: terminalLine(event.run),
        runDone: event.runDone,
        runTotal: event.runTotal,
        rate: event.samplesPerSecond === null ? '--' : event.samplesPerSecond.toFixed(2),
        eta_text: formatSeconds(event.etaSeconds),
      };
      if (!started) {
        bar.start(event.total, event.done, payload);
        started = true;
      } else {
        bar.update(event.done, payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
