import type { Command } from 'commander';

export function registerInspectCommand(program: Command): void {
  program
    .command('inspect')
    .description('list layers, blob shapes, parameter count and FLOPs of an .onnx or ncnn .param model')
    .argument('<model>', '.onnx file, or .param (with its .bin beside it)')
    .option('--json', 'print JSON instead of a table')
    .action(async (model: string, o: { json?: boolean }) => {
      // Loaded on demand: it pulls in execa, which `convert` does not need.
      const { inspectModel, formatInspection } = await import('../inspect/inspect.js');
      const info = await inspectModel(model);
      process.stdout.write(o.json ? JSON.stringify(info, null, 2) + '\n' : formatInspection(info));
    });
}
