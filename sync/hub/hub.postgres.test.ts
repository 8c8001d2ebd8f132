import { after, before } from 'node:test';
import { hubContract } from './hub-contract.ts';
import { startPostgres, type RunningPostgres } from './testing/postgres.ts';

let server: RunningPostgres;
before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server?.stop();
});

hubContract('PostgreSQL 15 (a real server)', (name) => server.createDatabase(name));
