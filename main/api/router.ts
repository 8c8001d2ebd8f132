/**
 * The appRouter: the ONE typed contract between the renderer and the core, served over Electron
 * IPC in the desktop app and over loopback HTTP/WebSocket by the browser host. Inputs are checked
 * with zod here; entities are validated as a whole by the store, whose errors name the field.
 */
import { tracked } from '@trpc/server';
import { z } from 'zod';
import {
  CURRENT_FUELS,
  FLOW_DIRECTIONS,
  FLOW_STATUSES,
  FLOW_TYPES,
  PRECISIONS,
  PROFILE_NAME_FORMS,
  RECOVERY_OPERATIONS,
  WASTE_STATUSES,
  organizationSchema,
  siteSchema,
} from '../domain/entities.ts';
import { CATEGORY_LABEL, MATERIAL_CATEGORIES } from '../domain/materials.ts';
import { INDUSTRY_PROFILES, RESIDENTIAL_REGIONS } from '../domain/profile-names.ts';
import { CANONICAL_UNIT } from '../domain/units.ts';
import { HOTMAPS_ATTRIBUTION } from '../interchange/hotmaps.ts';
import { graphSuggestions } from '../matching/service/analytics.ts';
import { mapSites } from '../db/sites-map.ts';
import { APP_VERSION } from '../version.ts';
import { matchesRouter, matchingRouter } from './matching-router.ts';
import { updatesRouter } from './updates-router.ts';
import { syncRouter } from './sync-router.ts';
import { workflowRouter } from './workflow-router.ts';
import { fieldRouter } from './field-router.ts';
import { packetsRouter } from './packets-router.ts';
import { procedure, router } from './trpc.ts';

const id = z.string().min(1).max(128);
const page = { offset: z.int().min(0).optional(), limit: z.int().min(1).max(1000).optional() };
const text = z.string().max(200).optional();
const patchInput = z.strictObject({
  id,
  /** Top-level keys to replace; null removes an optional key. */
  patch: z.record(z.string(), z.unknown()),
  /** The version the user edited; a newer stored version is a conflict. */
  version: z.int().min(1).optional(),
});
const deleteInput = z.strictObject({ id, version: z.int().min(1).optional() });

const organizationsRouter = router({
  list: procedure
    .input(z.strictObject({ ...page, query: text, sector: text }).optional())
    .query(({ ctx, input }) => ctx.repo.listOrganizations(input)),
  get: procedure.input(z.strictObject({ id })).query(async ({ ctx, input }) => {
    const organization = await ctx.repo.getOrganization(input.id);
    const sites = await ctx.repo.listSites({ organization_id: input.id, limit: 1000 });
    return { organization, sites: sites.items };
  }),
  create: procedure.input(organizationSchema).mutation(({ ctx, input }) => ctx.repo.createOrganization(input)),
  update: procedure.input(patchInput).mutation(({ ctx, input }) => ctx.repo.updateOrganization(input.id, input.patch, input.version)),
  delete: procedure.input(deleteInput).mutation(({ ctx, input }) => ctx.repo.deleteOrganization(input.id, input.version)),
});

const sitesRouter = router({
  list: procedure
    .input(
      z
        .strictObject({
          ...page,
          query: text,
          organization_id: id.optional(),
          country: z.string().length(2).optional(),
          bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]).optional(),
        })
        .optional(),
    )
    .query(({ ctx, input }) => ctx.repo.listSites(input)),
  get: procedure.input(z.strictObject({ id })).query(async ({ ctx, input }) => {
    const site = await ctx.repo.getSite(input.id);
    const [organization, flows] = await Promise.all([
      ctx.repo.getOrganization(site.organization_id),
      ctx.repo.listFlows({ site_id: input.id, limit: 1000 }),
    ]);
    return { site, organization, flows: flows.items };
  }),
  /** Every site, compactly, for the map. */
  map: procedure.query(({ ctx }) => mapSites(ctx.repo)),
  create: procedure.input(siteSchema).mutation(({ ctx, input }) => ctx.repo.createSite(input)),
  update: procedure.input(patchInput).mutation(({ ctx, input }) => ctx.repo.updateSite(input.id, input.patch, input.version)),
  delete: procedure.input(deleteInput).mutation(({ ctx, input }) => ctx.repo.deleteSite(input.id, input.version)),
});

const flowsRouter = router({
  list: procedure
    .input(
      z
        .strictObject({
          ...page,
          query: text,
          site_id: id.optional(),
          direction: z.enum(FLOW_DIRECTIONS).optional(),
          type: z.enum(FLOW_TYPES).optional(),
        })
        .optional(),
    )
    .query(({ ctx, input }) => ctx.repo.listFlows(input)),
  get: procedure.input(z.strictObject({ id })).query(({ ctx, input }) => ctx.repo.getFlow(input.id)),
  /** Not validated by the input parser on purpose: the store reports every problem by field. */
  // A saved flow is re-matched in the background (the core follows the repository's change
  // events: main/matching/service/rematch-queue.ts); these answer once the flow is stored.
  create: procedure.input(z.record(z.string(), z.unknown())).mutation(({ ctx, input }) => ctx.repo.createFlow(input)),
  update: procedure.input(patchInput).mutation(({ ctx, input }) => ctx.repo.updateFlow(input.id, input.patch, input.version)),
  delete: procedure.input(deleteInput).mutation(async ({ ctx, input }) => {
    await ctx.repo.deleteFlow(input.id, input.version);
  }),
  /**
   * Answers when the flow's background re-match has finished (at once when none is due): the UI
   * reads the flow's matches again after it (renderer/src/cache/flows.ts).
   */
  rematched: procedure.input(z.strictObject({ id })).query(async ({ ctx, input }) => {
    await ctx.rematches?.settled([input.id]);
    return null;
  }),
});

const MAX_IMPORT_BYTES = 64 * 1024 * 1024;

const importsRouter = router({
  /** Starts an import of one or more files (CSV tables of one portfolio go together). */
  start: procedure
    .input(
      z.strictObject({
        files: z
          .array(z.strictObject({ name: z.string().min(1).max(255), text: z.string().max(MAX_IMPORT_BYTES) }))
          .min(1)
          .max(3),
      }),
    )
    .mutation(({ ctx, input }) => ({ jobId: ctx.imports.start(input.files) })),
  watch: procedure.input(z.strictObject({ jobId: z.string().uuid() })).subscription(async function* ({ ctx, input, signal }) {
    let n = 0;
    for await (const event of ctx.imports.watch(input.jobId, signal)) yield tracked(String(n++), event);
  }),
});

export const appRouter = router({
  organizations: organizationsRouter,
  sites: sitesRouter,
  flows: flowsRouter,
  imports: importsRouter,
  matching: matchingRouter,
  matches: matchesRouter,
  updates: updatesRouter,
  sync: syncRouter,
  workflow: workflowRouter,
  field: fieldRouter,
  packets: packetsRouter,
  /** Graph analytics as suggestions: heat cascades, service clusters, the exchange network. */
  analytics: router({
    suggestions: procedure
      .input(z.strictObject({ radius_km: z.number().positive().max(100).optional(), limit: z.int().min(1).max(100).optional() }).optional())
      .query(({ ctx, input }) => graphSuggestions(ctx.repo, { ...(input?.radius_km ? { radiusKm: input.radius_km } : {}), ...(input?.limit ? { limit: input.limit } : {}) })),
  }),
  search: procedure
    .input(z.strictObject({ query: z.string().max(200), limit: z.int().min(1).max(100).optional() }))
    .query(({ ctx, input }) => ctx.repo.search(input.query, input.limit)),
  meta: router({
    info: procedure.query(async ({ ctx }) => ({
      version: APP_VERSION,
      database: ctx.repo.path,
      counts: await ctx.repo.counts(),
      attribution: HOTMAPS_ATTRIBUTION,
    })),
    /** The domain's enumerations and canonical units, so the UI offers exactly what the core accepts. */
    vocabulary: procedure.query(() => ({
      flowTypes: FLOW_TYPES,
      directions: FLOW_DIRECTIONS,
      precisions: PRECISIONS,
      statuses: FLOW_STATUSES,
      canonicalUnits: CANONICAL_UNIT,
      /** `temporal.profile` names (domain/profile-names.ts), grouped for a select. */
      profiles: {
        general: ['flat', 'measured'],
        residential: RESIDENTIAL_REGIONS.map((r) => `hotmaps:residential:${r}`),
        industry: Object.entries(INDUSTRY_PROFILES).map(([process, countries]) => ({ process, names: countries.map((c) => `hotmaps:industry:${process}:${c}`) })),
        forms: PROFILE_NAME_FORMS,
      },
      currentFuels: CURRENT_FUELS,
      recoveryOperations: RECOVERY_OPERATIONS,
      wasteStatuses: WASTE_STATUSES,
      materialCategories: MATERIAL_CATEGORIES.map((id) => ({ id, label: CATEGORY_LABEL[id] })),
    })),
  }),
});

export type AppRouter = typeof appRouter;
