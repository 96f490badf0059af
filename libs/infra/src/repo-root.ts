import * as path from 'node:path';

/** The repository's root folder (the local broker's jars, data folders and pom live under it). */
export const REPO_ROOT = path.resolve(__dirname, '../../..');
