/**
 * The generation number of the matching input (migration 11): bumped by triggers on every change
 * to a table the engine's input is built from, whoever made it. The match service compares it
 * with the generation its worker loaded, to skip re-reading an unchanged portfolio.
 */
import { sql } from 'kysely';
import type { Db } from './database.ts';

export class MatchingInputStore {
  readonly #read: Db;
  constructor(read: Db) {
    this.#read = read;
  }

  /** The current generation: equal numbers mean no flow, site, organization, binding or hourly aggregate changed in between. */
  async generation(): Promise<number> {
    const { rows } = await sql<{ value: number }>`SELECT value FROM matching_input_generation WHERE id = 1`.execute(this.#read);
    return rows[0]?.value ?? 0;
  }
}
