// CSV for spreadsheets (RFC 4180: CRLF rows, quoted cells with doubled quotes) that cannot
// run anything when opened: a text cell starting with = + - @ tab or CR is prefixed with a
// single quote, so Excel, LibreOffice and Sheets show it as text instead of evaluating a
// formula (OWASP "CSV injection"). Numbers the server formatted itself (decimal strings)
// are written as they are: they cannot form a formula, and a spreadsheet must still read
// −12.5 as a number.

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

export type CsvValue = string | number | null | undefined | { number: string };

/** A number the server produced (a decimal string): never escaped. */
export const num = (v: string | null | undefined): CsvValue => (v === null || v === undefined ? null : { number: v });

export function csvCell(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') {
    if (!PLAIN_NUMBER.test(v.number)) return csvCell(v.number);
    return v.number;
  }
  let s = String(v);
  if (FORMULA_START.test(s)) s = `'${s}`;
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(cells: readonly CsvValue[]): string {
  return cells.map(csvCell).join(',') + '\r\n';
}
