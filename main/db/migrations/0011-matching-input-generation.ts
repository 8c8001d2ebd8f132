/**
 * Migration 11: a generation number of what the matching engine reads (issue 13, item 4).
 *
 * The long-lived matching worker holds the portfolio between runs. Before a run, the match service
 * must know whether what the worker holds is still what the database says; reading and comparing
 * 50,000 flows takes ~3 s, longer than ranking them. Triggers bump one counter on every insert,
 * update or delete of the tables the engine's input is built from (flows, their sites and
 * organizations, meter points bound to flows, hourly measurement aggregates), whoever writes:
 * the UI, an import, a sync pull, ingestion, a raw statement. One row read tells whether anything
 * changed since the worker loaded. The counter lives in the database file, so it is also right
 * after another process wrote to it (the command line beside the app).
 */
import type { Migration } from './migration.ts';

/** The tables the engine's input (match-service.ts #matchFlowOf: toMatchFlow, measuredWeekOf) is built from. */
export const MATCHING_INPUT_TABLES = ['flows', 'sites', 'organizations', 'points', 'measurement_hours'] as const;

const bump = `UPDATE matching_input_generation SET value = value + 1 WHERE id = 1`;

export const migration: Migration = {
  version: 11,
  name: 'generation number of the matching input (the worker knows when its portfolio is current)',
  statements: [
    `CREATE TABLE matching_input_generation (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL)`,
    `INSERT INTO matching_input_generation (id, value) VALUES (1, 0)`,
    ...MATCHING_INPUT_TABLES.flatMap((table) =>
      (['INSERT', 'UPDATE', 'DELETE'] as const).map((event) => `CREATE TRIGGER ${table}_${event.toLowerCase()}_generation AFTER ${event} ON ${table} BEGIN ${bump}; END`),
    ),
  ],
};
