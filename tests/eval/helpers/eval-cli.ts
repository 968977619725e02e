/** Stand-in for the edgeface CLI in tests: a commander program with only `eval` registered. */
import { Command } from 'commander';
import { registerEvalCommand } from '../../../src/eval/command.js';

const program = new Command('edgeface').exitOverride((err) => {
  process.exit(err.exitCode);
});
registerEvalCommand(program);
await program.parseAsync(process.argv);
