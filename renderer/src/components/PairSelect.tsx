import type { ComparisonView } from '../../../src/contract/index.js';
import { pairLabel } from '../results-math.js';

interface PairSelectProps {
  comparisons: readonly Pick<ComparisonView, 'runA' | 'runB'>[];
  value: number;
  onChange: (index: number) => void;
  /** The select's accessible name when the visible "Pair" label is not enough. */
  ariaLabel?: string;
}

/** Which compared pair a panel shows; nothing when there is only one pair. */
export function PairSelect({ comparisons, value, onChange, ariaLabel }: PairSelectProps) {
  if (comparisons.length < 2) return null;
  return (
    <label className="inline-label">
      Pair
      <select aria-label={ariaLabel} className="pair-select" value={value} onChange={(event) => onChange(Number(event.target.value))}>
        {comparisons.map((entry, i) => (
          <option key={pairLabel(entry)} value={i}>
            {pairLabel(entry)}
          </option>
        ))}
      </select>
    </label>
  );
}
