/**
 * Renders packet PDFs off the main thread: a packet takes a few hundred milliseconds of CPU
 * (pdfkit, the basemap), and the API, live meter values and ingestion must keep answering. The
 * worker lives as long as its PacketRenderer, so the basemap is parsed once, not per packet.
 */
import { parentPort } from 'node:worker_threads';
import type { PacketData, Partner } from './bundle.ts';
import { renderPacketPdf } from './render.ts';

export interface RenderRequest {
  id: number;
  data: PacketData;
  partner: Partner;
}
export type RenderReply = { id: number; ok: true; pdf: Uint8Array } | { id: number; ok: false; message: string };

parentPort!.on('message', async (request: RenderRequest) => {
  try {
    const pdf = await renderPacketPdf(request.data, request.partner);
    const bytes = new Uint8Array(pdf.buffer, pdf.byteOffset, pdf.byteLength);
    parentPort!.postMessage({ id: request.id, ok: true, pdf: bytes } satisfies RenderReply);
  } catch (error) {
    parentPort!.postMessage({ id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) } satisfies RenderReply);
  }
});
