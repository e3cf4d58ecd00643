import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** The CLI tests run the compiled CLI (dist/), so it is rebuilt first when its sources changed. */
export default function setup(): void {
  execFileSync(process.execPath, [path.join(import.meta.dirname, '..', 'scripts', 'setup.js')], { stdio: 'inherit' });
}
