import type { ProgressEvent } from '../../../src/contract/index.js';
import { formatEta } from '../format.js';

/** The running experiment: bar, samples done, speed, time left and the variant being processed. */
export function ProgressBar({ progress }: { progress: ProgressEvent }) {
  const fraction = progress.samplesTotal > 0 ? progress.samplesDone / progress.samplesTotal : 0;
  const percent = Math.round(fraction * 100);
  return (
    <div className="progress" data-testid="run-progress">
      <div
        className="progress-track"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={progress.samplesTotal}
        aria-valuenow={progress.samplesDone}
        aria-label="Experiment progress"
      >
        <div className={`progress-fill state-${progress.state}`} style={{ width: `${percent}%` }} />
      </div>
      <div className="progress-facts">
        <span>
          {progress.samplesDone} / {progress.samplesTotal} samples ({percent}%)
        </span>
        <span>{progress.samplesPerSecond === null ? '– samples/s' : `${progress.samplesPerSecond.toFixed(2)} samples/s`}</span>
        <span>ETA {formatEta(progress.etaSeconds)}</span>
        <span>
          {progress.variantName
            ? `variant ${progress.variantIndex + 1} of ${progress.variantCount}: ${progress.variantName}`
            : 'preparing'}
        </span>
        <span className={`state-label state-${progress.state}`}>
          {progress.queuePosition === null ? progress.state : `${progress.state} (#${progress.queuePosition})`}
        </span>
      </div>
      {progress.message ? <p className="muted">{progress.message}</p> : null}
    </div>
  );
}
