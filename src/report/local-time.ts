/** Local-time formatting that matches what CoTLab's Python code writes. */

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/** `YYYY-MM-DD` in local time. */
export function localDate(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** `HH:MM:SS` in local time, with a custom separator (Hydra's directory names use `-`). */
export function localTime(date: Date, separator = ':'): string {
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map((part) => pad(part)).join(separator);
}

/** `YYYY-MM-DD HH:MM:SS` in local time (Python `strftime("%Y-%m-%d %H:%M:%S")`). */
export function localDateTime(date: Date): string {
  return `${localDate(date)} ${localTime(date)}`;
}

/**
 * Python's naive `datetime.now().isoformat()`: local time, microseconds, no offset. Python drops the fraction when
 * the microseconds are exactly 0, so this does too; JavaScript dates only carry milliseconds.
 */
export function pythonIsoformat(date: Date): string {
  const micros = date.getMilliseconds() * 1000;
  const fraction = micros === 0 ? '' : `.${pad(micros, 6)}`;
  return `${localDate(date)}T${localTime(date)}${fraction}`;
}
