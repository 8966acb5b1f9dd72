// The access matrix's rows for the notifications operations.
import type { MatrixRow } from './rows.js';

export const ROWS: MatrixRow[] = [];
