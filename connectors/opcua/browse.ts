/**
 * Lazy browse: the children of one node per call (field.md "Browse the address space lazily"),
 * each with its node class, whether it has children of its own, and for variables the data type
 * and the engineering unit when the server publishes one. Properties (HasProperty: EURange,
 * EngineeringUnits, ...) are folded into their variable instead of listed as children, so the tree
 * a field engineer picks points from shows measurements, not metadata.
 */
import {
  BrowseDirection,
  DataType,
  NodeClass,
  ReferenceTypeIds,
  resolveNodeId,
  type BrowseDescriptionOptions,
  type ClientSession,
  type ReferenceDescription,
} from 'node-opcua';
import type { BrowseNode } from '../types.ts';

export const OBJECTS_FOLDER = 'ns=0;i=85';
const HAS_PROPERTY = resolveNodeId(ReferenceTypeIds.HasProperty);
/** Every reference and attribute the UI shows (ReferenceType, IsForward, NodeClass, BrowseName, DisplayName, TypeDefinition). */
const RESULT_MASK = 63;

function describe(nodeId: string): BrowseDescriptionOptions {
  return {
    nodeId,
    referenceTypeId: 'HierarchicalReferences',
    includeSubtypes: true,
    browseDirection: BrowseDirection.Forward,
    nodeClassMask: 0,
    resultMask: RESULT_MASK,
  };
}

const isProperty = (r: ReferenceDescription): boolean => r.referenceTypeId.toString() === HAS_PROPERTY.toString();

/** Browse several nodes at once, following continuation points until every reference is in. */
async function browseAll(session: ClientSession, nodeIds: string[]): Promise<ReferenceDescription[][]> {
  if (nodeIds.length === 0) return [];
  const results = await session.browse(nodeIds.map(describe));
  const out: ReferenceDescription[][] = [];
  for (const result of results) {
    if (result.statusCode.isBad()) throw new Error(`Browse failed: ${result.statusCode.name}`);
    const refs = [...(result.references ?? [])];
    let continuation = result.continuationPoint;
    while (continuation && continuation.length > 0) {
      const next = await session.browseNext([continuation], false);
      const r = next[0];
      if (!r) break;
      refs.push(...(r.references ?? []));
      continuation = r.continuationPoint;
    }
    out.push(refs);
  }
  return out;
}

function dataTypeName(value: unknown): string | undefined {
  const nodeId = value as { namespace?: number; value?: unknown } | null;
  if (!nodeId || typeof nodeId !== 'object') return undefined;
  if (nodeId.namespace === 0 && typeof nodeId.value === 'number' && DataType[nodeId.value]) return DataType[nodeId.value];
  return String(value);
}

export async function browseChildren(session: ClientSession, nodeId: string = OBJECTS_FOLDER): Promise<BrowseNode[]> {
  const [refs = []] = await browseAll(session, [nodeId]);
  const children = refs.filter((r) => !isProperty(r));
  const childIds = children.map((r) => r.nodeId.toString());
  const grandChildren = await browseAll(session, childIds);

  // One read for every variable's DataType and EngineeringUnits value.
  const reads: { nodeId: string; attributeId: number }[] = [];
  const readIndex: { dataType?: number; unit?: number }[] = children.map(() => ({}));
  children.forEach((child, i) => {
    if (child.nodeClass !== NodeClass.Variable) return;
    readIndex[i]!.dataType = reads.push({ nodeId: childIds[i]!, attributeId: 14 /* DataType */ }) - 1;
    const eu = (grandChildren[i] ?? []).find((r) => isProperty(r) && r.browseName.name === 'EngineeringUnits');
    if (eu) readIndex[i]!.unit = reads.push({ nodeId: eu.nodeId.toString(), attributeId: 13 /* Value */ }) - 1;
  });
  const values = reads.length ? await session.read(reads) : [];

  return children.map((child, i): BrowseNode => {
    const node: BrowseNode = {
      nodeId: childIds[i]!,
      browseName: child.browseName.toString(),
      displayName: child.displayName.text ?? child.browseName.name ?? childIds[i]!,
      nodeClass: (NodeClass[child.nodeClass] ?? 'Unspecified') as BrowseNode['nodeClass'],
      hasChildren: (grandChildren[i] ?? []).some((r) => !isProperty(r)),
    };
    const { dataType, unit } = readIndex[i]!;
    if (dataType !== undefined) {
      const name = dataTypeName(values[dataType]?.value.value);
      if (name) node.dataType = name;
    }
    if (unit !== undefined) {
      const eu = values[unit]?.value.value as { displayName?: { text?: string | null } } | null | undefined;
      const text = eu?.displayName?.text;
      if (text) node.unit = text;
    }
    return node;
  });
}
