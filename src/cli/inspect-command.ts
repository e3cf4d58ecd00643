import type { Command } from 'commander';
import { formatInspection, inspectModel } from '../model/inspect.js';
import { terminalText } from './terminal-text.js';

interface InspectOptions {
  model: string;
  json: boolean;
}

/** `cotlab-wb inspect --model DIR [--json]`: how the workbench reads a model folder, without running it. */
export function registerInspectCommand(program: Command): void {
  program
    .command('inspect')
    .description(
      'Show how a model folder will be read: export style, layers, hidden size, dtype, quantization, external ' +
        'weight files, graph inputs/outputs and the tensor captured for every hook point of every layer.',
    )
    .requiredOption('--model <dir>', 'model directory')
    .option('--json', 'print machine-readable JSON instead of a table', false)
    .action((options: InspectOptions) => {
      const inspection = inspectModel(options.model);
      process.stdout.write(options.json ? `${JSON.stringify(inspection, null, 2)}\n` : terminalText(formatInspection(inspection)));
    });
}
