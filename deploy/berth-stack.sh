# Shared by berth-up and berth-down: computes the paths and names of one stack.
# Sourced, not executed. Inputs: ROOT (may be empty for the system stack).

berth_script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

berth_paths() {
  if [ -n "${ROOT:-}" ]; then
    mkdir -p "$ROOT"
    ROOT=$(cd "$ROOT" && pwd)
    STATE="$ROOT/lib"
    RUN="$ROOT/run"
    LOGDIR="$ROOT/log"
  else
    STATE=/var/lib/berth
    RUN=/run/berth
    LOGDIR=/var/log/berth
  fi
  STACK_ENV="$STATE/stack.env"
}

# Finds a binary: $BERTH_BIN_DIR (build tree or flat), the build tree next to
# this script, an installed prefix (../libexec/berth), then PATH.
berth_find_bin() {
  local name=$1 sub=$2 c
  for c in ${BERTH_BIN_DIR:+"$BERTH_BIN_DIR/$sub/$name" "$BERTH_BIN_DIR/$name"} \
           "$berth_script_dir/../build/$sub/$name" \
           "$berth_script_dir/../libexec/berth/$name" \
           "$berth_script_dir/$name"; do
    if [ -x "$c" ]; then
      echo "$c"
      return 0
    fi
  done
  command -v "$name" 2>/dev/null && return 0
  echo "berth: cannot find the '$name' binary (build with scripts/build.sh or set BERTH_BIN_DIR)" >&2
  return 1
}

berth_services=(imaged netd runtimed apid)

berth_socket() {
  case $1 in
    apid) echo "unix://$RUN/api.sock" ;;
    *) echo "unix://$RUN/$1.sock" ;;
  esac
}

berth_pid_alive() {
  local pidfile="$RUN/$1.pid" pid
  [ -f "$pidfile" ] || return 1
  pid=$(cat "$pidfile" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  # Guard against pid reuse: the process must be this service's binary.
  grep -q "$1" "/proc/$pid/cmdline" 2>/dev/null
}
