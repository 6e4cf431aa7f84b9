import type { FastifyInstance } from 'fastify';
import type { Server } from 'socket.io';
import type { SfuNode } from '@lectern/sfu';
import type { AnalyzerPool } from '../analysis/AnalyzerPool.ts';
import type { PoseProcessPool } from '../analysis/PoseProcessPool.ts';
import type { MetricBus } from '../bus/MetricBus.ts';
import type { SessionServices } from '../sessions/SessionServices.ts';

/** The parts of a node {@link NodeMetrics} observes. */
export interface NodeMetricsParts {
  http: FastifyInstance;
  io: Server;
  sfu: SfuNode;
  analyzers: AnalyzerPool;
  poses: PoseProcessPool;
  bus: MetricBus;
  sessions: SessionServices | null;
  /** This node's load figure (0–∞, 1 = every core busy; see NodeLoad), for `lectern_node_load`. */
  nodeLoad: () => number;
}

/**
 * Prometheus metrics of one node (`prom-client`), served at `GET /metrics`. (Stub: filled in by #12 item 4.)
 */
export class NodeMetrics {
  private constructor(readonly parts: NodeMetricsParts) {}

  /** Creates the registry, hooks every part and registers `GET /metrics` on `parts.http`. */
  static attach(parts: NodeMetricsParts): NodeMetrics {
    return new NodeMetrics(parts);
  }

  /** Stops timers and removes listeners. */
  close(): void {}
}
