/**
 * The one contract every device driver implements (field.md "One Connector interface"):
 * configure -> connect -> discover -> read / subscribe -> close, with a status the UI can show at
 * any time and counters a field engineer can trust when something goes wrong.
 *
 * Connectors emit their own `Sample` type; `main/ingest` consumes it. Nothing in connectors/
 * imports main/ (checked by dependency-cruiser).
 */

export type SampleQuality = 'good' | 'uncertain' | 'bad';

/** One value read from a device. Bad and uncertain values are kept, so gaps are visible. */
export interface Sample {
  /** The point's id (a `points.id` when recording; the protocol address when only reading). */
  pointId: string;
  /** Source timestamp (the device's when it gives one, else the request's), ms since the epoch. */
  sourceMs: number;
  /** When this process received it, ms since the epoch. */
  receivedMs: number;
  /** The decoded, scaled value; null when the quality is bad and no value came. */
  value: number | null;
  quality: SampleQuality;
  /** The protocol's own status: an OPC UA StatusCode name, a Modbus exception, "timeout", ... */
  status?: string;
}

export type ConnectorState = 'idle' | 'connecting' | 'connected' | 'degraded' | 'reconnecting' | 'disconnected';

export interface ConnectorCounters {
  requests: number;
  responses: number;
  timeouts: number;
  /** CRC errors, malformed frames, protocol exceptions. */
  protocolErrors: number;
  reconnects: number;
  samples: number;
  /** ms since the epoch of the last good value, null before the first. */
  lastGoodMs: number | null;
}

export interface ConnectorStatus {
  state: ConnectorState;
  /** Why it is degraded / disconnected / reconnecting, in words a field engineer understands. */
  reason?: string;
  /** While reconnecting: the attempt number and when the next one starts (ms since the epoch). */
  attempt?: number;
  nextAttemptMs?: number;
  /** Point ids currently failing (state `degraded`). */
  failingPoints?: string[];
  counters: ConnectorCounters;
}

/** What to read: a protocol address and how to decode it. */
export interface PointSpec {
  id: string;
  /** OPC UA NodeId ("ns=2;s=Flow"), Modbus "<fc>:<register>" (e.g. "4:30001" or "3:100"), an OBIS code, a line-parser key. */
  address: string;
  name?: string;
  /** Modbus: int16 | uint16 | int32 | uint32 | float32 | float64; ignored by self-describing protocols. */
  dataType?: string;
  /** Modbus word/byte order: ABCD (big-endian), CDAB (word swap), BADC (byte swap), DCBA (little-endian). */
  order?: 'ABCD' | 'CDAB' | 'BADC' | 'DCBA';
  scale?: number;
  unit?: string;
  /** Modbus unit (slave) id when one bus carries several. */
  unitId?: number;
  /** Desired sampling interval in ms (OPC UA sampling, Modbus/serial polling). */
  intervalMs?: number;
}

/** A node of a browsable address space (OPC UA); Modbus and serial connectors have none. */
export interface BrowseNode {
  nodeId: string;
  browseName: string;
  displayName: string;
  nodeClass: 'Object' | 'Variable' | 'Method' | 'ObjectType' | 'VariableType' | 'ReferenceType' | 'DataType' | 'View' | 'Unspecified';
  hasChildren: boolean;
  dataType?: string;
  unit?: string;
}

export type Unsubscribe = () => Promise<void>;

export interface Connector {
  readonly protocol: 'opcua' | 'modbus-tcp' | 'modbus-rtu' | 'serial';
  readonly endpoint: string;
  status(): ConnectorStatus;
  /** Called on every status change (state, reason, counters are read through status()). */
  onStatus(listener: (status: ConnectorStatus) => void): () => void;
  /** Connects; later failures are handled by the connector's own reconnect with backoff and jitter. */
  connect(): Promise<void>;
  /** OPC UA: the children of a node (lazily, one level). Others: the points their profile defines. */
  browse(nodeId?: string): Promise<BrowseNode[]>;
  /** One reading of each point, decoded; a point that fails comes back with quality `bad`. */
  read(points: PointSpec[]): Promise<Sample[]>;
  /**
   * Delivers samples of these points until unsubscribed; restored by the connector after every
   * reconnect (recreated when the server did not transfer it). Batches arrive in source-time order.
   */
  subscribe(points: PointSpec[], onSamples: (samples: Sample[]) => void): Promise<Unsubscribe>;
  close(): Promise<void>;
}
