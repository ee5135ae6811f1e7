#!/usr/bin/env bash
# A real KRaft Kafka for local runs, integration tests and CI: one broker (the default), or a
# cluster of KAFKA_NODES combined broker+controller nodes (KAFKA_NODES=3: three voters, so the
# quorum and every partition survive one node down). There is no Docker engine here and Kafka is
# not packaged for Debian or npm, so the brokers run straight from their Maven Central jars
# (fetched via infra/kafka/pom.xml).
#
#   scripts/kafka.sh start | stop | status | reset          the broker, or every node of the cluster
#   scripts/kafka.sh start-node N | stop-node N | kill-node N   one node of a cluster (kill: SIGKILL)
#
# Env: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_DIR (<repo>/.local/kafka),
#      KAFKA_NODES (1), KAFKA_HEAP_OPTS (-Xmx512m for one broker, -Xms128m -Xmx320m per node of a
#      cluster), KAFKA_START_TIMEOUT seconds (60 per broker). Node N of a cluster listens on
#      KAFKA_PORT + 2(N-1) and its controller on KAFKA_CONTROLLER_PORT + 2(N-1) (9092/9093,
#      9094/9095, 9096/9097), with its data in KAFKA_DIR/node-N. stop, status, reset and the
#      -node commands find the nodes in KAFKA_DIR (each keeps its own config), so they need no
#      KAFKA_NODES. Several brokers or clusters can run side by side with different ports and
#      KAFKA_DIRs; they share the jars in <repo>/.local/kafka-lib.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BASE_PORT="${KAFKA_PORT:-9092}"
BASE_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
# Absolute, because the broker and the pid file outlive the caller's working directory.
KAFKA_DIR="$(realpath -m -- "${KAFKA_DIR:-$ROOT/.local/kafka}")"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-60}"
NODES="${KAFKA_NODES:-1}"
[[ "$NODES" =~ ^[1-9]$ ]] || { echo "kafka.sh: KAFKA_NODES must be 1 to 9, got $NODES" >&2; exit 2; }
LIB="$ROOT/.local/kafka-lib"
# The JVM heap (unless KAFKA_HEAP_OPTS): a cluster's nodes get less than the one broker, so that
# three fit beside the services on a small machine (compose uses the same: e2e/compose.unit.spec.ts).
SINGLE_HEAP="-Xmx512m"
NODE_HEAP="-Xms128m -Xmx320m"

# The node the commands below act on: "single" (the one broker, in KAFKA_DIR itself, as always)
# or a cluster node's number (in KAFKA_DIR/node-N). Sets its ports, dir, pid file and log.
NODE=single
use_node() {
  NODE="$1"
  if [[ "$NODE" == single ]]; then
    NODE_ID=1 PORT="$BASE_PORT" CONTROLLER_PORT="$BASE_CONTROLLER_PORT" NODE_DIR="$KAFKA_DIR" NAME="broker" LABEL=""
  else
    NODE_ID="$NODE" PORT=$((BASE_PORT + 2 * (NODE - 1))) CONTROLLER_PORT=$((BASE_CONTROLLER_PORT + 2 * (NODE - 1)))
    NODE_DIR="$KAFKA_DIR/node-$NODE" NAME="node $NODE" LABEL="node $NODE: "
  fi
  PID_FILE="$NODE_DIR/kafka.pid"
  LOG="$NODE_DIR/broker.log"
}
use_node single

# The cluster nodes that exist in KAFKA_DIR (configured by an earlier start), in order.
existing_nodes() {
  local dir
  for dir in "$KAFKA_DIR"/node-[0-9]; do [[ -f "$dir/server.properties" ]] && echo "${dir##*-}"; done
  return 0
}

die() { echo "kafka.sh: $*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A process that exists and has not exited: a zombie left behind under a PID 1 that does not
# reap would otherwise look alive forever.
process_alive() {
  local pid="$1"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]]
}

# A pid read from the pid file only counts if it is still our broker: pids get reused. (Not for
# the broker we have just launched or just signalled: until it has exec'd java, and again while
# it exits, its command line does not name kafka.Kafka, for seconds on a loaded machine.)
pid_alive() {
  process_alive "$1" || return 1
  tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka'
}

running_pid() {
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  if pid_alive "$pid"; then echo "$pid"; fi
}

# The port the broker of this dir was started with (its config is only rewritten when it is not
# running), to catch a second caller asking for the same dir on another port.
configured_port() {
  sed -n 's|^listeners=PLAINTEXT://[^:]*:\([0-9]*\),.*|\1|p' "$NODE_DIR/server.properties" 2>/dev/null
}

# A cluster node's ports as its config has them (start-node, stop-node, status: whatever
# KAFKA_PORT says now, or SAGA_PORT_SHIFT said when it was started).
use_configured_ports() {
  PORT="$(configured_port)"
  CONTROLLER_PORT="$(sed -n 's|^listeners=.*CONTROLLER://[^:]*:\([0-9]*\).*|\1|p' "$NODE_DIR/server.properties")"
}

# Parallel callers on one KAFKA_DIR (e.g. two test runs) take turns instead of starting two
# brokers on one data dir; the broker itself must not inherit the lock (see 9>&- below).
lock() {
  mkdir -p "$KAFKA_DIR"
  exec 9>"$KAFKA_DIR/.lock"
  flock 9
}

need_tools() {
  command -v java >/dev/null || die "java not found: Kafka 4.x needs a JDK/JRE 17+ (apt-get install -y openjdk-17-jre-headless)"
  local major
  major="$(java -version 2>&1 | awk -F'"' '/version/ {print $2}' | cut -d. -f1)"
  [[ "${major:-0}" -ge 17 ]] || die "java $major found, Kafka 4.x needs 17+"
}

fetch_jars() {
  # The marker is written last, so an interrupted fetch is redone rather than half-used.
  [[ -f "$LIB/.complete" ]] && return 0
  command -v mvn >/dev/null || die "mvn not found: it fetches the Kafka jars from Maven Central (apt-get install -y maven)"
  echo "kafka.sh: fetching Kafka jars into $LIB (once)"
  # Into a private dir then renamed, so two brokers starting at once don't trip over each other.
  local tmp="$LIB.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$(dirname "$LIB")"
  # Output kept aside and shown only on failure: even -q -B prints stray ANSI codes.
  if ! mvn -q -B -f "$ROOT/infra/kafka/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$tmp" -DincludeScope=runtime >"$tmp.log" 2>&1; then
    cat "$tmp.log" >&2
    rm -rf "$tmp" "$tmp.log"
    die "mvn could not fetch the Kafka jars (is Maven Central reachable?)"
  fi
  rm -f "$tmp.log"
  touch "$tmp/.complete"
  rm -rf "$LIB" && mv "$tmp" "$LIB"
}

write_config() {
  # Rewritten on every start so a changed KAFKA_PORT/KAFKA_CONTROLLER_PORT takes effect.
  local voters replicas=1 min_isr=1 i
  if [[ "$NODE" == single ]]; then
    voters="1@127.0.0.1:$CONTROLLER_PORT"
  else
    # Every node is a voter: a quorum of three stays writable with one of them down.
    voters=""
    for ((i = 1; i <= NODES; i++)); do voters+="${voters:+,}$i@127.0.0.1:$((BASE_CONTROLLER_PORT + 2 * (i - 1)))"; done
    replicas=$((NODES < 3 ? NODES : 3))
    min_isr=$((replicas >= 3 ? 2 : 1))
  fi
  cat >"$NODE_DIR/server.properties" <<CONF
process.roles=broker,controller
node.id=$NODE_ID
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$NODE_DIR/data
num.partitions=3
offsets.topic.replication.factor=$replicas
transaction.state.log.replication.factor=$replicas
transaction.state.log.min.isr=$min_isr
share.coordinator.state.topic.replication.factor=$replicas
share.coordinator.state.topic.min.isr=$min_isr
CONF
  if [[ "$NODE" != single ]]; then
    cat >>"$NODE_DIR/server.properties" <<CONF
# A cluster: an acknowledged write (acks=all) is on two replicas at least, and a replica that
# fell behind never becomes leader (that would drop what the others acknowledged).
default.replication.factor=$replicas
min.insync.replicas=$min_isr
unclean.leader.election.enable=false
# The groups' offsets in 6 partitions, not 50: 150 fewer replicas for each node to follow, and to
# recover when it comes back, on a small machine.
offsets.topic.num.partitions=6
CONF
  fi
  cat >>"$NODE_DIR/server.properties" <<CONF
# Topics are created explicitly (packages/messaging create-topics), so a typo fails loudly.
auto.create.topics.enable=false
# Single-member groups in tests would otherwise wait 3 s before their first assignment.
group.initial.rebalance.delay.ms=0
CONF
}

# "Port open" is not "ready": the socket accepts before the broker has caught up with its
# own metadata. A real client round-trip (kafkajs admin listTopics) is the honest check.
KAFKAJS_CHECK='
const { Kafka, logLevel } = require(require.resolve("kafkajs", { paths: [process.env.MSG_PKG] }));
const admin = new Kafka({ brokers: [process.env.BROKER], logLevel: logLevel.NOTHING,
  connectionTimeout: 1000, requestTimeout: 3000, retry: { retries: 0 } }).admin();
admin.connect().then(() => admin.listTopics()).then(
  () => admin.disconnect().then(() => process.exit(0)),
  () => process.exit(1));
setTimeout(() => process.exit(1), 5000).unref();'

have_kafkajs() {
  MSG_PKG="$ROOT/packages/messaging" node -e 'require.resolve("kafkajs", { paths: [process.env.MSG_PKG] })' 2>/dev/null
}

broker_ready() {
  port_open "$PORT" || return 1
  if [[ "$USE_KAFKAJS" == 1 ]]; then
    MSG_PKG="$ROOT/packages/messaging" BROKER="127.0.0.1:$PORT" node -e "$KAFKAJS_CHECK" 2>/dev/null
  fi
}

readiness_check() {
  USE_KAFKAJS=0
  if command -v node >/dev/null && have_kafkajs; then USE_KAFKAJS=1
  else echo "kafka.sh: kafkajs not installed yet (pnpm install); readiness falls back to a port check" >&2
  fi
}

# Starts the current node's JVM unless it already runs; `fresh_config` rewrites its config
# (a whole start), otherwise the node keeps the one it was given (start-node: same ports, same voters).
launch() {
  local fresh_config="$1" pid
  pid="$(running_pid)"
  if [[ -n "$pid" && "$(configured_port)" != "$PORT" ]]; then
    die "the $NAME of $KAFKA_DIR already runs on port $(configured_port) (pid $pid); stop it or use another KAFKA_DIR"
  fi
  if [[ -n "$pid" ]] && port_open "$PORT"; then
    echo "kafka.sh: ${LABEL}already running (pid $pid) on 127.0.0.1:$PORT"
    return 0
  fi
  [[ -z "$pid" ]] || return 0
  # Another process on our ports would make the broker die with a bind error; say it plainly.
  for p in "$PORT" "$CONTROLLER_PORT"; do
    if port_open "$p"; then die "port $p (${NAME}) is already in use by another process (set KAFKA_PORT/KAFKA_CONTROLLER_PORT)"; fi
  done
  fetch_jars
  mkdir -p "$NODE_DIR"
  if [[ "$fresh_config" == 1 ]]; then write_config
  elif [[ ! -f "$NODE_DIR/server.properties" ]]; then die "$NAME has never been configured in $KAFKA_DIR: start the cluster first (KAFKA_NODES=3 $0 start)"
  fi
  # Format only once: formatting again would need a new cluster id and would lose topics.
  # The nodes of a cluster share one id, kept in KAFKA_DIR/cluster.id.
  if [[ ! -f "$NODE_DIR/data/meta.properties" ]]; then
    local cluster_id
    if [[ "$NODE" == single ]]; then cluster_id="$(java -cp "$LIB/*" kafka.tools.StorageTool random-uuid)"
    else
      [[ -s "$KAFKA_DIR/cluster.id" ]] || java -cp "$LIB/*" kafka.tools.StorageTool random-uuid >"$KAFKA_DIR/cluster.id"
      cluster_id="$(cat "$KAFKA_DIR/cluster.id")"
    fi
    java -cp "$LIB/*" kafka.tools.StorageTool format -t "$cluster_id" \
      -c "$NODE_DIR/server.properties" >>"$LOG" 2>&1 || { tail -n 20 "$LOG" >&2; die "storage format failed ($NAME)"; }
  fi
  local heap="${KAFKA_HEAP_OPTS:-$([[ "$NODE" == single ]] && echo "$SINGLE_HEAP" || echo "$NODE_HEAP")}"
  # setsid + nohup + no stdin: the broker must survive the shell (and CI step) that started it.
  # In a non-interactive shell the background job is no process-group leader, so setsid
  # execs java in place and $! is the broker's own pid.
  # shellcheck disable=SC2086 # the heap options are words
  nohup setsid java $heap -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$ROOT/infra/kafka/log4j2.yaml" -Dkafka.logs.dir="$NODE_DIR" \
    -cp "$LIB/*" kafka.Kafka "$NODE_DIR/server.properties" >>"$LOG" 2>&1 </dev/null 9>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"
  echo "kafka.sh: starting $NAME (pid $pid) on 127.0.0.1:$PORT, log $LOG"
}

# Waits until the current node answers a client; fails (with its log) if it died or took too long.
await_ready() {
  local started=$SECONDS pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  until broker_ready; do
    if ! process_alive "$pid"; then
      tail -n 40 "$LOG" >&2 || true
      rm -f "$PID_FILE"
      die "$NAME exited during startup (log above)"
    fi
    if (( SECONDS - started >= START_TIMEOUT )); then
      tail -n 40 "$LOG" >&2 || true
      die "$NAME not ready after ${START_TIMEOUT}s (still running as pid $pid; log above)"
    fi
    sleep 0.5
  done
  # Without kafkajs we only know the port is open; give the broker a moment to finish starting.
  [[ "$USE_KAFKAJS" == 1 ]] || sleep 3
  echo "kafka.sh: ${LABEL}ready on 127.0.0.1:$PORT after $(( SECONDS - started ))s"
}

cmd_start() {
  lock
  need_tools
  readiness_check
  if [[ "$NODES" == 1 ]]; then
    launch 1
    await_ready
    return
  fi
  # Every node's JVM first, then the waiting: no node answers a client before a majority of
  # the controller quorum is up.
  local i
  for ((i = 1; i <= NODES; i++)); do use_node "$i"; launch 1; done
  for ((i = 1; i <= NODES; i++)); do use_node "$i"; await_ready; done
  echo "kafka.sh: cluster of $NODES nodes ready on $(brokers_list)"
}

brokers_list() {
  local i out=""
  for ((i = 1; i <= NODES; i++)); do out+="${out:+,}127.0.0.1:$((BASE_PORT + 2 * (i - 1)))"; done
  echo "$out"
}

# Sends `signal` to the current node and waits until it is gone; SIGTERM lets the broker flush
# and close its logs cleanly (and, in a cluster, hand its partitions' leadership over first),
# which keeps the next start fast. Prints nothing; the caller says what happened.
signal_nodes() {
  local signal="$1" node pid pids=()
  shift
  for node in "$@"; do
    use_node "$node"
    pid="$(running_pid)"
    rm -f "$PID_FILE"
    [[ -n "$pid" ]] || continue
    kill "-$signal" "$pid" 2>/dev/null || true
    pids+=("$node:$pid")
  done
  local entry
  for _ in $(seq 1 60); do
    local alive=0
    for entry in "${pids[@]}"; do process_alive "${entry#*:}" && alive=1; done
    [[ "$alive" == 1 ]] || break
    sleep 0.5
  done
  for entry in "${pids[@]}"; do
    use_node "${entry%%:*}"
    if process_alive "${entry#*:}"; then
      echo "kafka.sh: ${LABEL:-broker }did not stop within 30s, killing it" >&2
      kill -KILL "${entry#*:}" 2>/dev/null || true
    fi
    echo "kafka.sh: ${LABEL}$([[ "$signal" == KILL ]] && echo killed || echo stopped) (pid ${entry#*:})"
  done
}

cmd_stop() {
  if [[ -d "$KAFKA_DIR" ]]; then lock; fi
  # All at once: stopped one by one, the last nodes would wait for a quorum that is gone.
  local nodes
  mapfile -t nodes < <(existing_nodes)
  use_node single
  local any
  any="$(running_pid)"
  for node in "${nodes[@]}"; do use_node "$node"; any+="$(running_pid)"; done
  if [[ -z "$any" ]]; then
    use_node single && rm -f "$PID_FILE"
    echo "kafka.sh: not running"
    return 0
  fi
  signal_nodes TERM single "${nodes[@]}"
}

# One node of a cluster: `stop-node N` (SIGTERM, a clean shutdown), `kill-node N` (SIGKILL, a crash).
cmd_node() {
  local verb="$1" node="${2:-}"
  [[ "$node" =~ ^[1-9]$ ]] || die "usage: $0 $verb <node number>"
  [[ -f "$KAFKA_DIR/node-$node/server.properties" ]] || die "no node $node in $KAFKA_DIR (nodes: $(existing_nodes | tr '\n' ' '))"
  lock
  use_node "$node"
  # The node keeps the ports it was configured with, whatever KAFKA_PORT says now.
  use_configured_ports
  case "$verb" in
    start-node) need_tools; readiness_check; launch 0; await_ready ;;
    stop-node | kill-node)
      if [[ -z "$(running_pid)" ]]; then echo "kafka.sh: ${LABEL}not running"; return 0; fi
      signal_nodes "$([[ "$verb" == stop-node ]] && echo TERM || echo KILL)" "$node" ;;
  esac
}

status_one() {
  local pid
  pid="$(running_pid)"
  if [[ -n "$pid" && "$(configured_port)" != "$PORT" ]]; then
    echo "kafka.sh: the $NAME of $KAFKA_DIR runs on port $(configured_port) (pid $pid), not $PORT"
    return 1
  elif [[ -n "$pid" ]] && port_open "$PORT"; then
    echo "kafka.sh: ${LABEL}running (pid $pid) on 127.0.0.1:$PORT"
  elif [[ -n "$pid" ]]; then
    echo "kafka.sh: ${LABEL}process $pid is alive but 127.0.0.1:$PORT does not answer (starting, or wrong KAFKA_PORT?)"
    return 1
  else
    echo "kafka.sh: ${LABEL}not running"
    return 1
  fi
}

cmd_status() {
  local nodes node rc=0
  mapfile -t nodes < <(existing_nodes)
  use_node single
  # The single broker, as always, unless this dir holds a cluster and the single broker is not running.
  if [[ ${#nodes[@]} == 0 || -n "$(running_pid)" ]]; then status_one; return; fi
  for node in "${nodes[@]}"; do
    use_node "$node"
    use_configured_ports
    status_one || rc=1
  done
  return $rc
}

cmd_reset() {
  # Guard against a KAFKA_DIR that points somewhere precious before rm -rf.
  case "$KAFKA_DIR" in
    / | "$ROOT" | "$HOME" | "$ROOT/.local" | "$LIB") die "refusing to delete KAFKA_DIR=$KAFKA_DIR" ;;
  esac
  cmd_stop
  rm -rf "$KAFKA_DIR"
  echo "kafka.sh: deleted $KAFKA_DIR (jars in $LIB kept)"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  reset) cmd_reset ;;
  start-node | stop-node | kill-node) cmd_node "$1" "${2:-}" ;;
  *) echo "usage: $0 start|stop|status|reset, or start-node|stop-node|kill-node <N> (one node of a cluster)" >&2; exit 2 ;;
esac
