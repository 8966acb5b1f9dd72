// The access matrix's rows for the team operations.
import type { MatrixRow } from './rows.js';

export const ROWS: MatrixRow[] = [];
