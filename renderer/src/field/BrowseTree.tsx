/**
 * The OPC UA address space as a lazy tree (one level is browsed when a node is opened), the way
 * UaExpert shows it; variables are added as points with "+", an object's variables with "+ all".
 * For a Modbus device with a profile, the "tree" is the profile's registers (one level).
 */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { apiProblem, client } from '../api.ts';
import type { BrowseNode, Point } from './model.ts';

export function BrowseTree({ deviceId, points, onAdded }: { deviceId: string; points: Point[]; onAdded: () => void }) {
  const known = new Set(points.map((p) => p.address));
  const [error, setError] = useState<string | null>(null);
  const add = async (nodes: BrowseNode[]) => {
    setError(null);
    const fresh = nodes.filter((n) => n.nodeClass === 'Variable' && !known.has(n.nodeId));
    if (fresh.length === 0) return;
    try {
      await client.field.points.add.mutate({
        device_id: deviceId,
        points: fresh.map((n) => ({ address: n.nodeId, name: n.displayName || n.browseName, ...(n.unit ? { unit: n.unit.slice(0, 20) } : {}) })),
      });
      onAdded();
    } catch (e) {
      setError(apiProblem(e).message);
    }
  };
  return (
    <>
      {error && <div className="field-error">{error}</div>}
      <Level deviceId={deviceId} nodeId={undefined} known={known} onAdd={add} root />
    </>
  );
}

function Level({ deviceId, nodeId, known, onAdd, root = false }: { deviceId: string; nodeId: string | undefined; known: Set<string>; onAdd: (nodes: BrowseNode[]) => Promise<void>; root?: boolean }) {
  const children = useQuery({ queryKey: ['field', 'browse', deviceId, nodeId ?? ''], queryFn: () => client.field.browse.query({ device_id: deviceId, ...(nodeId ? { node_id: nodeId } : {}) }) });
  if (children.isLoading) return <div className="muted">Browsing…</div>;
  if (children.error) return <div className="field-error">{apiProblem(children.error).message}</div>;
  if (!children.data?.length) return <div className="muted">{root ? 'The device offers nothing to browse.' : 'empty'}</div>;
  return (
    <ul className={`tree ${root ? 'root' : ''}`} data-testid="field-tree">
      {children.data.map((node) => (
        <Node key={node.nodeId} deviceId={deviceId} node={node} known={known} onAdd={onAdd} siblings={children.data} />
      ))}
    </ul>
  );
}

function Node({ deviceId, node, known, onAdd }: { deviceId: string; node: BrowseNode; known: Set<string>; onAdd: (nodes: BrowseNode[]) => Promise<void>; siblings: BrowseNode[] }) {
  const [open, setOpen] = useState(false);
  const isVariable = node.nodeClass === 'Variable';
  const addAll = async () => {
    const vars = await client.field.browse.query({ device_id: deviceId, node_id: node.nodeId });
    await onAdd(vars);
  };
  return (
    <li>
      <div className="tree-row" data-testid={`field-node-${node.displayName || node.browseName}`}>
        {node.hasChildren ? (
          <button type="button" className="toggle" onClick={() => setOpen(!open)} aria-expanded={open} aria-label={open ? 'Collapse' : 'Expand'} data-testid="field-node-toggle">
            {open ? '▾' : '▸'}
          </button>
        ) : (
          <span className="toggle" />
        )}
        <span className="name" title={node.nodeId}>
          {node.displayName || node.browseName} {node.unit && <span className="muted">({node.unit})</span>}
        </span>
        <span className="kind">{node.nodeClass}</span>
        {isVariable &&
          (known.has(node.nodeId) ? (
            <span className="muted" title="already a point">✓</span>
          ) : (
            <button type="button" className="btn btn-small" onClick={() => void onAdd([node])} title="Add as a point" data-testid="field-node-add">
              +
            </button>
          ))}
        {node.nodeClass === 'Object' && node.hasChildren && (
          <button type="button" className="btn btn-small" onClick={() => void addAll()} title="Add every variable of this object as a point" data-testid="field-node-add-all">
            + all
          </button>
        )}
      </div>
      {open && <Level deviceId={deviceId} nodeId={node.nodeId} known={known} onAdd={onAdd} />}
    </li>
  );
}
