// The access matrix's rows for the customers operations.
import type { MatrixRow } from './rows.js';

export const ROWS: MatrixRow[] = [];
