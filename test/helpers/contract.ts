import { fileURLToPath } from 'node:url';

/**
 * The JSON contract checker lives in the project's shared/ folder, beside the
 * checkout (../shared), both on developer machines and in CI.
 */
export const CONTRACT_CHECKER = fileURLToPath(new URL('../../../shared/tools/check-json-contract.py', import.meta.url));
