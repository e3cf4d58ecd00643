import { Command, CommanderError } from 'commander';
import { appVersion } from '../app-info.js';
import { reportCliError } from './report-error.js';

type Register = (program: Command) => void;

/**
 * Every subcommand with the one line `--help` lists, and how to load it. Only the command being run is loaded, so
 * `--help` and quick commands do not pay for onnxruntime, SQLite or the analytics.
 */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Register> }> = {
  run: { summary: 'run an experiment, record it in the history and write its report', load: async () => (await import('./run-command.js')).registerRunCommand },
  activations: { summary: 'print the pooled vector of every layer for a text', load: async () => (await import('./activations-command.js')).registerActivationsCommand },
  inspect: { summary: 'show how a model folder will be read', load: async () => (await import('./inspect-command.js')).registerInspectCommand },
  serve: { summary: 'serve the workbench UI on 127.0.0.1 with an access token', load: async () => (await import('./serve-command.js')).registerServeCommand },
  resume: { summary: 'continue an interrupted experiment from its next sample', load: async () => (await import('./resume-command.js')).registerResumeCommand },
  history: { summary: 'list the experiments in the history', load: async () => (await import('./history-command.js')).registerHistoryCommand },
  show: { summary: 'show one experiment of the history', load: async () => (await import('./show-command.js')).registerShowCommand },
  compare: { summary: 'compare two stored runs layer by layer', load: async () => (await import('./compare-command.js')).registerCompareCommand },
  export: { summary: 'export a stored experiment (md, json, html, csv, npy)', load: async () => (await import('./export-command.js')).registerExportCommand },
  note: { summary: "set or print an experiment's notes", load: async () => (await import('./note-command.js')).registerNoteCommand },
  tag: { summary: 'add or remove tags of an experiment (+tag, -tag)', load: async () => (await import('./tag-command.js')).registerTagCommand },
  delete: { summary: 'delete an experiment from the history', load: async () => (await import('./delete-command.js')).registerDeleteCommand },
  plan: { summary: 'plan an experiment for a cluster: samples drawn, fingerprinted and split into shards', load: async () => (await import('./plan-command.js')).registerPlanCommand },
  shard: { summary: 'compute one shard of a cluster plan into its own history file', load: async () => (await import('./shard-command.js')).registerShardCommand },
  merge: { summary: "merge a cluster plan's shards into the history as one experiment", load: async () => (await import('./merge-command.js')).registerMergeCommand },
  slurm: { summary: 'write (and submit) the Slurm jobs of a cluster plan, or show their state', load: async () => (await import('./slurm-command.js')).registerSlurmCommand },
  import: { summary: 'add a CoTLab results.json to the history', load: async () => (await import('./import-command.js')).registerImportCommand },
  probe: { summary: 'probe where a stored experiment encodes the label, layer by layer', load: async () => (await import('./probe-command.js')).registerProbeCommand },
};

/** The subcommand named on the command line (for `help CMD`, that command), if any. */
function requestedCommand(args: readonly string[]): string | undefined {
  const words = args.filter((arg) => !arg.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

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

try {
  const requested = requestedCommand(process.argv.slice(2));
  const entry = requested === undefined ? undefined : COMMANDS[requested];
  if (entry !== undefined) {
    (await entry.load())(program);
  } else {
    // Listed for --help and for commander's "unknown command" suggestions; none of them is loaded.
    for (const [name, { summary }] of Object.entries(COMMANDS)) program.command(name).summary(summary);
  }
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
