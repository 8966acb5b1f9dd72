// The access matrix's rows for the self operations.
import type { MatrixRow } from './rows.js';

export const ROWS: MatrixRow[] = [];
