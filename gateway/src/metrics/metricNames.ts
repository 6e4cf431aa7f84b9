/**
 * The Prometheus metrics every Lectern node serves at `GET /metrics` (besides prom-client's
 * default process metrics, also prefixed `lectern_`): name, type, labels, unit and meaning, declared
 * once. {@link NodeMetrics} registers exactly these; the README's "Metrics" table, the Grafana
 * dashboard and the compose test use the same names. Dependency-free on purpose (tests and tools
 * import it without starting anything).
 */

/** One metric as served. */
export interface MetricSpec {
  name: string;
  type: 'gauge' | 'counter' | 'histogram';
  /** Label names (values listed in `help`). */
  labels: readonly string[];
  /** Unit, or `1` for counts and ratios. */
  unit: string;
  /** The HELP text: meaning and source. */
  help: string;
}

const m = <const N extends string>(name: N, type: MetricSpec['type'], labels: readonly string[], unit: string, help: string) => ({ name, type, labels, unit, help }) satisfies MetricSpec;

/** Every `lectern_` metric of a node, by short key. */
export const METRICS = {
  rooms: m('lectern_rooms', 'gauge', [], '1', 'SFU rooms open on this node.'),
  peers: m('lectern_peers', 'gauge', ['role'], '1', 'Peers joined to rooms on this node, by role (presenter, coach, viewer).'),
  producers: m('lectern_producers', 'gauge', ['kind'], '1', 'mediasoup producers (published tracks) on this node, by kind (audio, video).'),
  consumers: m('lectern_consumers', 'gauge', [], '1', "mediasoup WebRTC consumers of this node's peers (analysis and recording taps not included)."),
  voiceFrameLatency: m('lectern_voice_frame_latency_seconds', 'histogram', [], 's', 'Voice metric frame latency: time the gateway emits a metrics:voice frame to Socket.IO minus the frame\'s serverTimeMs (its 100 ms window closed in the analyzer). Frames of rooms with sockets or media on this node.'),
  captionLag: m('lectern_caption_lag_seconds', 'histogram', [], 's', "Caption lag: emit time of the caption that commits a word (fixes it: the stable prefix of a partial, or the final) minus the wall time of the word's end (media time mapped to wall time through the producer's voice frames, median offset); test/bench/live.ts measures the same per word."),
  asrRtf: m('lectern_asr_rtf', 'gauge', [], '1', 'Largest recogniser real-time factor (decode time / audio time) of the streams on this node, from the analyzer stats of the last 15 s; 0 when none.'),
  analyzerBacklog: m('lectern_analyzer_backlog_seconds', 'gauge', [], 's', 'Largest ASR backlog (audio handed to the recogniser, not yet decoded) of the streams on this node, from the analyzer stats of the last 15 s; 0 when none.'),
  poseInference: m('lectern_pose_inference_seconds', 'histogram', [], 's', 'Wall time of each pose inference in the pose processes (reported every 5 s).'),
  analyzerRestarts: m('lectern_analyzer_restarts_total', 'counter', ['kind'], '1', 'Analysis child processes that exited unexpectedly and were restarted, by kind (analyzer = voice/language, pose).'),
  workerDeaths: m('lectern_sfu_worker_deaths_total', 'counter', [], '1', 'mediasoup workers that died (each is replaced; its rooms are reset).'),
  workerCpu: m('lectern_sfu_worker_cpu_seconds_total', 'counter', [], 's', 'CPU time (user + system) of the mediasoup workers, from worker.getResourceUsage(); dead workers keep their last figure.'),
  recordings: m('lectern_recordings', 'gauge', ['state'], '1', 'Recordings by state: recording (live session recording or finishing now), spooled (on disk waiting for the spool drainer to upload it).'),
  recordingsFinished: m('lectern_recordings_finished_total', 'counter', ['state'], '1', 'Recordings ended on this node, by outcome: uploaded, spooled (live upload failed; the drainer uploads it later), failed (nothing usable).'),
  s3UploadFailures: m('lectern_s3_upload_failures_total', 'counter', [], '1', 'Recording uploads to the object store that failed: live uploads left spooled plus failed spool-drainer attempts (after the S3 SDK\'s own 3 attempts each).'),
  s3UploadRetries: m('lectern_s3_upload_retries_total', 'counter', [], '1', 'Recording uploads retried from the spool by the spool drainer (after a failed live upload, or leftovers of a stopped node).'),
  spoolBytes: m('lectern_spool_bytes', 'gauge', [], 'bytes', 'Bytes of the files in the recording spool directory (recordings in progress and waiting for upload).'),
  dbBufferRows: m('lectern_db_buffer_rows', 'gauge', ['writer'], '1', 'Rows buffered in memory for the database by the live-path batch writers (metric_frames, pauses, transcript_words, disfluency_events).'),
  dbBufferDropped: m('lectern_db_buffer_dropped_rows_total', 'counter', ['writer'], '1', 'Buffered rows dropped because the database was unreachable too long (buffer full) or at shutdown, by writer.'),
  dbPendingWrites: m('lectern_db_pending_writes', 'gauge', [], '1', 'Session-level database writes (session start and end, participants, media objects, coach comments) waiting in order and retried while the database is unreachable.'),
  redisDown: m('lectern_redis_down', 'gauge', ['client'], '1', "1 while this node's connection to Redis (REDIS_URL) is lost and reconnecting, else 0 (always 0 on a node without REDIS_URL), by client: bus (room messages to other nodes), placement (node registry, heartbeat, room placement). Rooms keep running on the node meanwhile."),
  jobQueueDepth: m('lectern_job_queue_depth', 'gauge', ['queue'], '1', "Jobs waiting in a pg-boss queue (queued or deferred, not active), as of pg-boss's last queue monitor pass (about once a minute); queue = session-analysis, lectern-retention."),
  jobDuration: m('lectern_job_duration_seconds', 'histogram', ['queue'], 's', 'Wall time of job attempts run on this node (successful or failed), by queue; analyses deferred while their recording uploads are not counted.'),
  nodeLoad: m('lectern_node_load', 'gauge', [], '1', "This node's load figure (1 = every core busy; CPU of the process tree, analyzer backlog), as used for admission and shedding."),
  analysisShed: m('lectern_analysis_shed', 'gauge', ['what'], '1', '1 while some stream on this node sheds this analysis because of overload (what = pose, asr-partials), else 0; from analyzer:status.shed and asr:status.partialsShed.'),
} as const;

/** Names of every `lectern_` metric {@link NodeMetrics} registers (not the default process metrics). */
export const METRIC_NAMES: readonly string[] = Object.values(METRICS).map((s) => s.name);

/** Prefix of every metric of a node, default process metrics included (e.g. `lectern_process_cpu_seconds_total`). */
export const METRIC_PREFIX = 'lectern_';
