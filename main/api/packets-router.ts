/**
 * Partner packets: generate the PDFs (one per partner organisation) and the JSON bundle of a match
 * into the packets folder, list what was generated, and hand a file to the renderer (base64, so
 * the same call works over Electron IPC and over the browser host without a file route).
 * Recording that a packet was SENT is the workflow's job (main/api/workflow-router.ts).
 */
import { z } from 'zod';
import { PacketService } from '../packets/service.ts';
import { procedure, router, type ApiContext } from './trpc.ts';

const matchId = z.string().min(1).max(300);
const fileName = z.string().min(1).max(400);

/** A core opened without packets (tests that build a context by hand) gets one per repository. */
const fallback = new WeakMap<ApiContext['repo'], PacketService>();
function packetsOf(ctx: ApiContext): PacketService {
  if (ctx.packets) return ctx.packets;
  let service = fallback.get(ctx.repo);
  if (!service) fallback.set(ctx.repo, (service = new PacketService(ctx.repo)));
  return service;
}

export const packetsRouter = router({
  /** Renders both partners' PDFs and the bundle; returns where they are and the bundle itself. */
  generate: procedure.input(z.strictObject({ matchId })).mutation(({ ctx, input }) => packetsOf(ctx).generate(input.matchId)),
  /** The packet files in the folder, newest first (of one match, or all). */
  list: procedure.input(z.strictObject({ matchId: matchId.optional() }).optional()).query(({ ctx, input }) => packetsOf(ctx).list(input?.matchId)),
  /** One generated file, base64-encoded, for the renderer to download or open. */
  file: procedure.input(z.strictObject({ name: fileName })).query(async ({ ctx, input }) => {
    const file = await packetsOf(ctx).read(input.name);
    return { name: file.name, mime: file.mime, bytes: file.content.byteLength, base64: file.content.toString('base64') };
  }),
});
