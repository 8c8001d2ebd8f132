/**
 * The layering rules of docs/architecture.md, checked on every build (`npm run check:layers`).
 * A broken rule is an error, so CI goes red (VS Code's layer check, done with dependency-cruiser).
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'main/domain holds pure schemas and functions: it imports nothing of the project but itself, and only zod.',
      severity: 'error',
      from: { path: '^main/domain/' },
      to: { pathNot: ['^main/domain/', '^node_modules/zod/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'domain-no-node-io',
      comment: 'main/domain runs anywhere: no file system, network or process access.',
      severity: 'error',
      from: { path: '^main/domain/', pathNot: '\\.test\\.ts$' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'matching-engine-is-pure',
      comment:
        'The matching engine (main/matching, outside service/) is pure computation: it reads only the domain, the plan model and graph ' +
        'libraries, and no file system, database, worker or network. What runs it over the store (the service, its worker, analytics) lives in main/matching/service/.',
      severity: 'error',
      from: { path: '^main/matching/', pathNot: ['^main/matching/service/', '\\.test\\.ts$'] },
      to: {
        pathNot: ['^main/matching/', '^main/domain/', '^main/plan/model\\.ts$', '^node_modules/graphology'],
      },
    },
    {
      name: 'matching-engine-no-service',
      comment: 'The engine never reaches back into the service that runs it.',
      severity: 'error',
      from: { path: '^main/matching/', pathNot: '^main/matching/service/' },
      to: { path: '^main/matching/service/' },
    },
    {
      name: 'connectors-independent-of-main',
      comment: 'connectors/ emits its own Sample type; main/ingest consumes it, never the other way round.',
      severity: 'error',
      from: { path: '^connectors/' },
      to: { path: '^main/' },
    },
    {
      name: 'sync-protocol-and-hub-independent-of-main',
      comment:
        'The hub is a generic, authorised relay of change messages; domain validation happens where data is applied. ' +
        'The sqlite3 Kysely driver it shares with the app lives in sync/storage/ for that reason.',
      severity: 'error',
      from: { path: '^sync/(protocol|hub|storage)/' },
      to: { path: '^main/' },
    },
    {
      name: 'sync-transport-independent-of-main',
      comment: 'sync/transport serves the hub and the app alike: it must not pull the app into the hub.',
      severity: 'error',
      from: { path: '^sync/transport/' },
      to: { path: '^main/' },
    },
    {
      name: 'api-does-not-import-shell',
      comment: 'The API (main/api) is served by the desktop shell, the browser host and tests alike: it never imports the Electron shell (main/app). Update policy types live in main/updates/.',
      severity: 'error',
      from: { path: '^main/api/' },
      to: { path: '^main/app/' },
    },
    {
      name: 'renderer-imports-only-api-types',
      comment: 'The renderer talks to the core only through the appRouter: it may import its TYPE, never runtime code of main/.',
      severity: 'error',
      from: { path: '^renderer/' },
      // One exception: the app's one CSV writer (formula guard), which imports nothing (rule below).
      to: { path: '^(main|connectors|sync)/', pathNot: '^main/interchange/csv-write\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'renderer-type-imports-only-from-api',
      comment: 'Even types come from the API contract (main/api), not from the database or other internals.',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { path: '^main/', pathNot: ['^main/(api|domain|db)/', '^main/interchange/csv-write\\.ts$'] },
    },
    {
      name: 'csv-writer-imports-nothing',
      comment: 'main/interchange/csv-write.ts runs in the renderer too: it imports nothing at all.',
      severity: 'error',
      from: { path: '^main/interchange/csv-write\\.ts$' },
      to: {},
    },
    {
      name: 'renderer-no-node',
      comment: 'The renderer runs sandboxed in a browser: no Node built-ins.',
      severity: 'error',
      from: { path: '^renderer/', pathNot: '(\\.test\\.ts|vite\\.config\\.ts)$' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'preload-is-minimal',
      comment: 'preload/ exposes the tRPC IPC transport and nothing else.',
      severity: 'error',
      from: { path: '^preload/' },
      to: { pathNot: ['^node_modules/(electron|trpc-electron)/'] },
    },
    {
      name: 'electron-only-in-shell',
      comment: 'Only main/app/ and preload/ import electron; everything else runs (and is tested) in plain Node.',
      severity: 'error',
      from: { pathNot: ['^main/app/', '^preload/', '^scripts/'] },
      to: { path: '^node_modules/(electron|electron-updater)/' },
    },
    {
      name: 'ipc-transport-only-in-shell-and-renderer',
      comment: 'trpc-electron is the IPC transport: the shell serves it, the preload bridges it, the renderer links to it.',
      severity: 'error',
      from: { pathNot: ['^main/app/', '^preload/', '^renderer/', '^scripts/'] },
      to: { path: '^node_modules/trpc-electron/' },
    },
    {
      name: 'renderer-electron-transport-only',
      comment: 'The renderer may use the IPC link of trpc-electron, nothing else of Electron.',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { path: '^node_modules/(electron|electron-updater)/' },
    },
    {
      name: 'core-does-not-import-shell-or-host',
      comment: 'The core (db, domain, matching, ...) does not depend on how it is hosted.',
      severity: 'error',
      from: { path: '^main/(domain|db|data|matching|ingest|packets|interchange|portfolio|field|workflow|sync|plan|updates)/' },
      to: { path: '^main/(app|host|api)/|^main/cli\\.ts$' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(out|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
