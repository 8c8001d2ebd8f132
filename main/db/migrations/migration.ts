/**
 * One numbered schema migration: a list of single SQL statements (sqlite3's prepared statements
 * run one statement at a time), applied in one transaction with `PRAGMA user_version = version`
 * (main/db/database.ts). A released migration is never edited: a change is a new number.
 */
export interface Migration {
  version: number;
  name: string;
  statements: string[];
}
