#!/usr/bin/env bash
# A real single-node KRaft Kafka broker for local runs, integration tests and CI.
# There is no Docker engine here and Kafka is not packaged for Debian or npm, so the broker
# runs straight from its Maven Central jars (fetched via infra/kafka/pom.xml).
#
#   scripts/kafka.sh start | stop | status | reset
#
# Env: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_DIR (<repo>/.local/kafka),
#      KAFKA_START_TIMEOUT seconds (60). Several brokers can run side by side with
#      different ports and KAFKA_DIRs; they share the jars in <repo>/.local/kafka-lib.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
# Absolute, because the broker and the pid file outlive the caller's working directory.
KAFKA_DIR="$(realpath -m -- "${KAFKA_DIR:-$ROOT/.local/kafka}")"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-60}"
LIB="$ROOT/.local/kafka-lib"
PID_FILE="$KAFKA_DIR/kafka.pid"
LOG="$KAFKA_DIR/broker.log"

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

# The port the broker of this KAFKA_DIR was started with (its config is only rewritten when
# it is not running), to catch a second caller asking for the same dir on another port.
configured_port() {
  sed -n 's|^listeners=PLAINTEXT://[^:]*:\([0-9]*\),.*|\1|p' "$KAFKA_DIR/server.properties" 2>/dev/null
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
  cat >"$KAFKA_DIR/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$KAFKA_DIR/data
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Topics are created explicitly (packages/messaging create-topics), so a typo fails loudly.
auto.create.topics.enable=false
# Single-member groups in tests would otherwise wait 3 s before their first assignment.
group.initial.rebalance.delay.ms=0
EOF
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

cmd_start() {
  local pid
  lock
  pid="$(running_pid)"
  if [[ -n "$pid" && "$(configured_port)" != "$PORT" ]]; then
    die "the broker of $KAFKA_DIR already runs on port $(configured_port) (pid $pid); stop it or use another KAFKA_DIR"
  fi
  if [[ -n "$pid" ]] && port_open "$PORT"; then
    echo "kafka.sh: already running (pid $pid) on 127.0.0.1:$PORT"
    return 0
  fi
  need_tools
  USE_KAFKAJS=0
  if command -v node >/dev/null && have_kafkajs; then USE_KAFKAJS=1
  else echo "kafka.sh: kafkajs not installed yet (pnpm install); readiness falls back to a port check" >&2
  fi

  if [[ -z "$pid" ]]; then
    # Another process on our ports would make the broker die with a bind error; say it plainly.
    for p in "$PORT" "$CONTROLLER_PORT"; do
      if port_open "$p"; then die "port $p is already in use by another process (set KAFKA_PORT/KAFKA_CONTROLLER_PORT)"; fi
    done
    fetch_jars
    mkdir -p "$KAFKA_DIR"
    write_config
    # Format only once: formatting again would need a new cluster id and would lose topics.
    if [[ ! -f "$KAFKA_DIR/data/meta.properties" ]]; then
      local cluster_id
      cluster_id="$(java -cp "$LIB/*" kafka.tools.StorageTool random-uuid)"
      java -cp "$LIB/*" kafka.tools.StorageTool format -t "$cluster_id" \
        -c "$KAFKA_DIR/server.properties" >>"$LOG" 2>&1 || { tail -n 20 "$LOG" >&2; die "storage format failed"; }
    fi
    # setsid + nohup + no stdin: the broker must survive the shell (and CI step) that started it.
    # In a non-interactive shell the background job is no process-group leader, so setsid
    # execs java in place and $! is the broker's own pid.
    nohup setsid java -Xmx512m -Djava.awt.headless=true \
      -Dlog4j2.configurationFile="$ROOT/infra/kafka/log4j2.yaml" -Dkafka.logs.dir="$KAFKA_DIR" \
      -cp "$LIB/*" kafka.Kafka "$KAFKA_DIR/server.properties" >>"$LOG" 2>&1 </dev/null 9>&- &
    pid=$!
    echo "$pid" >"$PID_FILE"
    echo "kafka.sh: starting broker (pid $pid) on 127.0.0.1:$PORT, log $LOG"
  fi

  local started=$SECONDS
  until broker_ready; do
    if ! process_alive "$pid"; then
      tail -n 40 "$LOG" >&2 || true
      rm -f "$PID_FILE"
      die "broker exited during startup (log above)"
    fi
    if (( SECONDS - started >= START_TIMEOUT )); then
      tail -n 40 "$LOG" >&2 || true
      die "broker not ready after ${START_TIMEOUT}s (still running as pid $pid; log above)"
    fi
    sleep 0.5
  done
  # Without kafkajs we only know the port is open; give the broker a moment to finish starting.
  [[ "$USE_KAFKAJS" == 1 ]] || sleep 3
  echo "kafka.sh: ready on 127.0.0.1:$PORT after $(( SECONDS - started ))s"
}

cmd_stop() {
  local pid
  if [[ -d "$KAFKA_DIR" ]]; then lock; fi
  pid="$(running_pid)"
  if [[ -z "$pid" ]]; then
    rm -f "$PID_FILE"
    echo "kafka.sh: not running"
    return 0
  fi
  # SIGTERM lets the broker flush and close its logs cleanly, which keeps the next start fast.
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do
    process_alive "$pid" || break
    sleep 0.5
  done
  if process_alive "$pid"; then
    echo "kafka.sh: broker did not stop within 30s, killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PID_FILE"
  echo "kafka.sh: stopped (pid $pid)"
}

cmd_status() {
  local pid
  pid="$(running_pid)"
  if [[ -n "$pid" && "$(configured_port)" != "$PORT" ]]; then
    echo "kafka.sh: the broker of $KAFKA_DIR runs on port $(configured_port) (pid $pid), not $PORT"
    return 1
  elif [[ -n "$pid" ]] && port_open "$PORT"; then
    echo "kafka.sh: running (pid $pid) on 127.0.0.1:$PORT"
  elif [[ -n "$pid" ]]; then
    echo "kafka.sh: process $pid is alive but 127.0.0.1:$PORT does not answer (starting, or wrong KAFKA_PORT?)"
    return 1
  else
    echo "kafka.sh: not running"
    return 1
  fi
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
  *) echo "usage: $0 start|stop|status|reset" >&2; exit 2 ;;
esac
