import { Command, CommanderError } from 'commander';
import { registerActivationsCommand } from './activations-command.js';
import { registerRunCommand } from './run-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerResumeCommand } from './resume-command.js';
import { registerHistoryCommand } from './history-command.js';
import { registerShowCommand } from './show-command.js';
import { registerCompareCommand } from './compare-command.js';
import { registerExportCommand } from './export-command.js';
import { registerDeleteCommand } from './delete-command.js';
import { registerImportCommand } from './import-command.js';
import { registerInspectCommand } from './inspect-command.js';
import { reportCliError } from './report-error.js';
import { appVersion } from '../app-info.js';

const program = new Command();
program
  .name('cotlab-wb')
  .description(
    'CoTLab Workbench: capture the residual stream of a local ONNX decoder LLM on medical text datasets and compare runs layer by layer.',
  )
  .version(appVersion())
  .option('--verbose', 'print stack traces on errors')
  .showHelpAfterError()
  .exitOverride();

registerRunCommand(program);
registerActivationsCommand(program);
registerInspectCommand(program);
registerServeCommand(program);
registerResumeCommand(program);
registerHistoryCommand(program);
registerShowCommand(program);
registerCompareCommand(program);
registerExportCommand(program);
registerDeleteCommand(program);
registerImportCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander already printed its message (and help for usage errors).
    process.exitCode = error.exitCode;
  } else {
    reportCliError(error, program.opts<{ verbose?: boolean }>().verbose === true || process.argv.includes('--verbose'));
    process.exitCode = 1;
  }
}
