import highsModule from 'highs';
const load = (highsModule as any).default ?? highsModule;
const highs = await load();
const m = highs.createModel();
console.log(m.options.names().filter((n: string) => n.startsWith('mip') || n.includes('heur') || n.includes('presolve') || n.includes('symm')).join('\n'));
