/**
 * The repository root and the ../shared data beside it (models, LFW), for every TypeScript
 * test and bench. Resolved from this module's own location (dist/tests/shared-data.js), not
 * from the working directory.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SHARED = path.resolve(REPO, '../shared');
export const SHARED_MODELS = path.join(SHARED, 'models');
export const LFW = path.join(SHARED, 'data/lfw');
