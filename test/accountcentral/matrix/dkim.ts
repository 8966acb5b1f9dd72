// The access matrix's rows for the dkim operations.
import type { MatrixRow } from './rows.js';

export const ROWS: MatrixRow[] = [];
