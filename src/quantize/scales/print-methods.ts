/**
 * Prints the registered activation methods as JSON: {"methods": [...], "default": "..."}.
 * For tools that drive `edgeface quantize` per method (tools/bench/int8_matrix.py), so the
 * registry stays the one list: `node dist/src/quantize/scales/print-methods.js`.
 */
import { ACTIVATION_METHODS, DEFAULT_METHOD } from './registry.js';

process.stdout.write(JSON.stringify({ methods: ACTIVATION_METHODS, default: DEFAULT_METHOD }) + '\n');
