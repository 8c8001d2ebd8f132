/**
 * One reading of each point. A point that fails (a NodeId typo, an unknown node, a bad status)
 * comes back with quality 'bad' and the StatusCode's name, never as an exception that would hide
 * the other points' values.
 */
import { AttributeIds, type ClientSession, type NodeId } from 'node-opcua';
import type { PointSpec, Sample } from '../types.ts';
import { MAX_ITEMS_PER_CALL, parseNodeId } from './subscription.ts';
import { dataValueToSample } from './values.ts';

export async function readPoints(session: ClientSession, points: PointSpec[], count: { request(): void; response(): void }): Promise<Sample[]> {
  const samples: (Sample | null)[] = points.map(() => null);
  const valid: { index: number; nodeId: NodeId }[] = [];
  const now = Date.now();
  points.forEach((point, index) => {
    const parsed = parseNodeId(point.address);
    if ('error' in parsed) samples[index] = { pointId: point.id, sourceMs: now, receivedMs: now, value: null, quality: 'bad', status: parsed.error };
    else valid.push({ index, nodeId: parsed.nodeId });
  });
  for (let start = 0; start < valid.length; start += MAX_ITEMS_PER_CALL) {
    const chunk = valid.slice(start, start + MAX_ITEMS_PER_CALL);
    count.request();
    const dataValues = await session.read(chunk.map((c) => ({ nodeId: c.nodeId, attributeId: AttributeIds.Value })), 0);
    count.response();
    const receivedMs = Date.now();
    chunk.forEach((c, i) => {
      const dv = dataValues[i];
      samples[c.index] = dv
        ? dataValueToSample(points[c.index]!.id, dv, receivedMs)
        : { pointId: points[c.index]!.id, sourceMs: receivedMs, receivedMs, value: null, quality: 'bad', status: 'NoResult' };
    });
  }
  return samples as Sample[];
}
