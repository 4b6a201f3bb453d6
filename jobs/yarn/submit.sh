# shellcheck shell=bash
# Shared by the scripts of jobs/yarn/ (sourced, not run): builds the spark-submit command of one
# alexnet subcommand for YARN in cluster mode, then runs it, or prints it with DRY_RUN=1.
#
# Needs bash 4.2 or later (RHEL 7 edge nodes). Kept to 4.2: no namerefs, no `mapfile -d`, no
# ${var@Q}, no expansion of an array that may be empty (an error under `set -u` before 4.4), and
# ${1+"$@"} wherever there may be no arguments.
#
# Environment (all optional):
#   PROPERTIES_FILE    our Spark properties (conf/spark-defaults.conf), layered over the cluster's own
#                      $SPARK_CONF_DIR/spark-defaults.conf (else $SPARK_HOME/conf/...): both go, the
#                      cluster's first, into one temporary file passed as --properties-file, so that
#                      the site's settings (spark.yarn.archive, history server, native library
#                      paths) are kept and ours win where both set a key
#   LOG4J_CONF         log4j2 configuration shipped to every container (conf/log4j2.properties)
#   APP_JAR            application jar: a local file, or a URI such as
#                      hdfs:///apps/alexnet-spark-cluster-cuda.jar (uploaded once with hdfs dfs -put;
#                      cluster mode then does not upload the jar on every run). Its name says the
#                      ND4J backend it holds: target/alexnet-spark-*-cluster-cuda.jar (mvn -B
#                      -Pcluster -Dcuda package -DskipTests, GPU clusters) or -cluster-cpu.jar
#                      (without -Dcuda). Default: from target/, the CUDA build for a stage given GPUs
#                      (refused when there is none), otherwise the CPU build (else the CUDA one,
#                      which holds the CPU backend too). A jar named as the CPU build for a stage
#                      given GPUs is reported: its workers stop at their pre-flight.
#   ALEXNET_CONF       site configuration (HOCON), shipped with the job and passed as --conf
#   QUEUE              YARN queue (default)
#   EXECUTORS          executors (GPU stages 4, others 16)
#   GPUS_PER_EXECUTOR  GPUs per executor for train, evaluate, predict, features, retrain (2; 0 runs
#                      them without GPU scheduling). One worker (task) per GPU.
#   TASK_CPUS          cores per GPU task (4: spark.executor.cores 8 / 2 GPUs)
#   DRIVER_GPUS        GPUs of the driver on GPU stages (0: the driver only averages parameters and
#                      checkpoints, on ND4J's CPU backend, which the CUDA build carries too; 1: one)
#   PRINCIPAL, KEYTAB  Kerberos principal and keytab, both or neither: passed as --principal and
#                      --keytab, so that Spark logs in and renews delegation tokens for runs that
#                      outlast a ticket
#   EXTRA_SPARK_CONF   more Spark properties, one key=value per line, passed as --conf (these win
#                      over PROPERTIES_FILE), e.g. $'spark.eventLog.enabled=false\nspark.driver.memory=2g';
#                      never spark.authenticate.secret (refused: a command line is readable by all)
#   MASTER, DEPLOY_MODE  yarn and cluster; other values only for tests (e.g. local[2], client)
#   SPARK_SUBMIT       the spark-submit command ($SPARK_HOME/bin/spark-submit, else on PATH)
#   DRY_RUN=1          print the command on one line, quoted for the shell, instead of running it
#                      (a layered properties file it names is left in place)
#
# Whether train starts a run or continues one is decided by the application, on the driver, with
# the job's own credentials: a run folder that holds checkpoints is refused unless --resume is
# given, and a later YARN attempt of the same application continues the run its first attempt
# started (alexnet train --help).

if ((BASH_VERSINFO[0] < 4 || (BASH_VERSINFO[0] == 4 && BASH_VERSINFO[1] < 2))); then
  echo "jobs/yarn: bash 4.2 or later is needed, this is $BASH_VERSION" >&2
  exit 2
fi

alexnet_home="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Subcommands whose work runs on GPUs: they get GPU executors and a GPU driver.
alexnet_gpu_subcommands=" train evaluate predict features retrain "

alexnet_fail() {
  echo "jobs/yarn: $*" >&2
  exit 2
}

# Prints the header of the script being run (its comment lines after the #! line).
alexnet_usage() {
  awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"
}

# alexnet_stage_arguments EXAMPLE [ARGUMENTS...]: what a stage script does with its arguments
# before submitting. -h or --help prints the script's header. The stage's paths come from the
# environment (EXAMPLE shows them); its arguments are options of the alexnet subcommand, so a first
# argument that is not an option (a path given the way other tools take them) is refused here,
# rather than by the subcommand inside YARN.
alexnet_stage_arguments() {
  local example="$1"
  shift
  case "${1:-}" in
    -h | --help)
      alexnet_usage
      exit 0
      ;;
    "" | -*) ;;
    *)
      alexnet_fail "$(basename "$0"): '$1' is not an option: the paths come from the environment, e.g. $example jobs/yarn/$(basename "$0") (see --help); arguments are passed to the alexnet subcommand, e.g. --set train.epochs=60"
      ;;
  esac
}

# Whether a location is a URI with a scheme (hdfs://..., local:/...) rather than a local path.
alexnet_is_uri() {
  [[ "$1" =~ ^[A-Za-z][A-Za-z0-9+.-]*: && ! "$1" =~ ^file: ]]
}

# The properties file for spark-submit: ours ($1) layered over the cluster's spark-defaults.conf,
# which spark-submit does not read when given --properties-file. Prints $1 itself when the cluster
# has none; otherwise writes the cluster's file, then ours, into a temporary file (in a properties
# file a later key wins) and prints its path.
alexnet_layered_properties() {
  local ours="$1" site_dir site layered
  site_dir="${SPARK_CONF_DIR:-${SPARK_HOME:+$SPARK_HOME/conf}}"
  site="${site_dir:+$site_dir/spark-defaults.conf}"
  if [[ -z "$site" || ! -f "$site" || "$site" -ef "$ours" ]]; then
    printf '%s\n' "$ours"
    return 0
  fi
  layered="$(mktemp "${TMPDIR:-/tmp}/alexnet-spark-properties.XXXXXXXX")" ||
    alexnet_fail "could not create a temporary properties file in ${TMPDIR:-/tmp}"
  {
    printf '# %s, then %s: where both set a key, the second wins.\n' "$site" "$ours"
    cat "$site"
    printf '\n'
    cat "$ours"
    printf '\n'
  } > "$layered" || alexnet_fail "could not write $layered"
  printf '%s\n' "$layered"
}

# The path a file shipped with --files has for the driver: ./NAME in the container's working folder
# in cluster mode (with the ./, a script is run from there rather than looked up on PATH), the
# local path in client mode.
alexnet_driver_path() {
  if [[ "${DEPLOY_MODE:-cluster}" == cluster ]]; then
    printf './%s\n' "$(basename "$1")"
  else
    printf '%s\n' "$1"
  fi
}

# One word as the shell reads it: unchanged when it is safe, otherwise in single quotes.
alexnet_quote() {
  if [[ "$1" =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then
    printf '%s' "$1"
  else
    # The replacement comes from variables: bash 4.2 and 4.3+ treat quotes in a literal
    # replacement differently.
    local quote="'" escaped="'\\''"
    printf "'%s'" "${1//$quote/$escaped}"
  fi
}

# The ND4J backend an application jar's name says it holds: cpu or cuda (the build names them
# alexnet-spark-<version>-cluster-cpu.jar and -cluster-cuda.jar); nothing for any other name.
alexnet_jar_backend() {
  case "${1##*/}" in
    *-cluster-cuda.jar) printf 'cuda\n' ;;
    *-cluster-cpu.jar) printf 'cpu\n' ;;
  esac
}

# alexnet_default_jar SUBCOMMAND GPUS: the application jar of target/ when APP_JAR is not set. A
# stage given GPUs takes the CUDA build and is refused without one; any other stage takes the CPU
# build, or the CUDA build when that is the only one (it holds the CPU backend too).
alexnet_default_jar() {
  local subcommand="$1" gpus="$2"
  local cpu=("$alexnet_home"/target/alexnet-spark-*-cluster-cpu.jar)
  local cuda=("$alexnet_home"/target/alexnet-spark-*-cluster-cuda.jar)
  local build="run 'mvn -B -Pcluster -Dcuda package -DskipTests' in $alexnet_home"
  if ((gpus > 0)); then
    [[ -f "${cuda[0]}" ]] ||
      alexnet_fail "$subcommand gets $gpus GPUs per executor, and $alexnet_home/target holds no CUDA build of the application jar (alexnet-spark-*-cluster-cuda.jar)$([[ -f "${cpu[0]}" ]] && printf '; %s is the CPU build, which cannot use them' "${cpu[0]##*/}"): $build, or set GPUS_PER_EXECUTOR=0 for CPU executors, or APP_JAR"
    printf '%s\n' "${cuda[0]}"
  elif [[ -f "${cpu[0]}" ]]; then
    printf '%s\n' "${cpu[0]}"
  elif [[ -f "${cuda[0]}" ]]; then
    printf '%s\n' "${cuda[0]}"
  else
    alexnet_fail "no application jar in $alexnet_home/target (alexnet-spark-*-cluster-cuda.jar or -cluster-cpu.jar): $build (CPU clusters: without -Dcuda), or set APP_JAR (a local file or a URI such as hdfs:///apps/alexnet-spark-cluster-cuda.jar)"
  fi
}

# alexnet_submit SUBCOMMAND [ARGUMENTS...]
alexnet_submit() {
  [[ $# -ge 1 ]] || alexnet_fail "usage: alexnet_submit SUBCOMMAND [ARGUMENTS...]"
  local subcommand="$1"
  shift

  local properties="${PROPERTIES_FILE:-$alexnet_home/conf/spark-defaults.conf}"
  local log4j="${LOG4J_CONF:-$alexnet_home/conf/log4j2.properties}"
  local discovery="$alexnet_home/conf/gpu-discovery.sh"
  local gpus=0 driver_gpus=0 executors="${EXECUTORS:-16}"
  if [[ "$alexnet_gpu_subcommands" == *" $subcommand "* ]]; then
    gpus="${GPUS_PER_EXECUTOR:-2}"
    driver_gpus="${DRIVER_GPUS:-0}"
    executors="${EXECUTORS:-4}"
  fi
  [[ "$gpus" =~ ^[0-9]+$ && "$driver_gpus" =~ ^[0-9]+$ && "$executors" =~ ^[1-9][0-9]*$ ]] ||
    alexnet_fail "GPUS_PER_EXECUTOR, DRIVER_GPUS and EXECUTORS must be whole numbers (EXECUTORS at least 1)"

  local jar="${APP_JAR:-}"
  if [[ -z "$jar" ]]; then
    jar="$(alexnet_default_jar "$subcommand" "$gpus")" || exit 2
  elif ! alexnet_is_uri "$jar"; then
    [[ -f "$jar" ]] || alexnet_fail "no application jar at $jar (APP_JAR): run 'mvn -B -Pcluster -Dcuda package -DskipTests' in $alexnet_home (CPU clusters: without -Dcuda), or set APP_JAR to a local file or a URI such as hdfs:///apps/alexnet-spark-cluster-cuda.jar"
  fi
  # Not refused: gpu.allow-cpu-fallback = true (in a configuration this script does not read) lets
  # such workers train on the CPU; without it they stop at their pre-flight.
  if ((gpus > 0)) && [[ "$(alexnet_jar_backend "$jar")" == cpu ]]; then
    echo "jobs/yarn: warning: $jar is the CPU build of the application jar (its name ends in -cluster-cpu.jar) and $subcommand gets $gpus GPUs per executor: its workers stop at their pre-flight unless gpu.allow-cpu-fallback = true. For GPUs use the CUDA build (mvn -B -Pcluster -Dcuda package -DskipTests, alexnet-spark-*-cluster-cuda.jar); for CPU executors set GPUS_PER_EXECUTOR=0." >&2
  fi
  [[ -f "$properties" ]] || alexnet_fail "no Spark properties file at $properties (PROPERTIES_FILE)"
  [[ -f "$log4j" ]] || alexnet_fail "no log4j2 configuration at $log4j (LOG4J_CONF)"

  local cmd=()
  local spark_submit="${SPARK_SUBMIT:-}"
  if [[ -z "$spark_submit" ]]; then
    spark_submit="${SPARK_HOME:+$SPARK_HOME/bin/}spark-submit"
  fi
  cmd+=("$spark_submit"
    --master "${MASTER:-yarn}"
    --deploy-mode "${DEPLOY_MODE:-cluster}"
    --name "alexnet $subcommand"
    --queue "${QUEUE:-default}"
    --class org.alexnetspark.cli.AlexNetCommand
    --num-executors "$executors")

  if [[ -n "${PRINCIPAL:-}" || -n "${KEYTAB:-}" ]]; then
    [[ -n "${PRINCIPAL:-}" && -n "${KEYTAB:-}" ]] || alexnet_fail "set both PRINCIPAL and KEYTAB, or neither"
    [[ -f "$KEYTAB" ]] || alexnet_fail "no keytab at $KEYTAB"
    cmd+=(--principal "$PRINCIPAL" --keytab "$KEYTAB")
  fi

  local files="$log4j"
  if ((gpus > 0)); then
    files+=",$discovery"
    # spark.executor.resource.gpu.amount is what Spark translates into YARN's yarn.io/gpu resource;
    # Spark refuses the spark.yarn.executor.resource.yarn.io/gpu.amount form for GPUs.
    cmd+=(--conf "spark.executor.resource.gpu.amount=$gpus"
      --conf "spark.executor.resource.gpu.discoveryScript=./$(basename "$discovery")"
      --conf spark.task.resource.gpu.amount=1
      --conf "spark.task.cpus=${TASK_CPUS:-4}")
    if ((driver_gpus > 0)); then
      cmd+=(--conf "spark.driver.resource.gpu.amount=$driver_gpus"
        --conf "spark.driver.resource.gpu.discoveryScript=$(alexnet_driver_path "$discovery")")
    fi
  fi

  if [[ -n "${EXTRA_SPARK_CONF:-}" ]]; then
    local setting
    while IFS= read -r setting; do
      [[ -n "$setting" ]] || continue
      [[ "$setting" == spark.*=* ]] || alexnet_fail "EXTRA_SPARK_CONF: '${setting%%[=:[:space:]]*}...' is not spark.KEY=VALUE (the rest of the line is not shown: it may be a secret)"
      # A secret on the command line can be read by every user of this host (ps).
      [[ "$setting" != spark.authenticate.secret=* ]] ||
        alexnet_fail "EXTRA_SPARK_CONF: spark.authenticate.secret is not passed on the spark-submit command line, where every user of this host can read it; on YARN Spark makes a secret for each application (conf/spark-defaults.conf sets spark.authenticate); elsewhere put it in a copy of PROPERTIES_FILE that only you can read"
      cmd+=(--conf "$setting")
    done <<< "$EXTRA_SPARK_CONF"
  fi

  local app=("$subcommand")
  if [[ -n "${ALEXNET_CONF:-}" ]]; then
    [[ -f "$ALEXNET_CONF" ]] || alexnet_fail "no site configuration at $ALEXNET_CONF (ALEXNET_CONF)"
    files+=",$ALEXNET_CONF"
    app+=(--conf "$(alexnet_driver_path "$ALEXNET_CONF")")
  fi

  # Last, so that no refusal above leaves a temporary file behind.
  local layered
  layered="$(alexnet_layered_properties "$properties")" || exit 2
  cmd+=(--properties-file "$layered" --files "$files" "$jar" "${app[@]}" ${1+"$@"})

  if [[ "${DRY_RUN:-0}" == 1 ]]; then
    local word line=""
    for word in "${cmd[@]}"; do
      line+="${line:+ }$(alexnet_quote "$word")"
    done
    printf '%s\n' "$line"
    return 0
  fi
  if [[ "$layered" == "$properties" ]]; then
    exec "${cmd[@]}"
  fi
  # spark-submit reads the layered file while it runs (the launcher, then SparkSubmit): removed
  # once it has ended.
  local status=0
  "${cmd[@]}" || status=$?
  rm -f "$layered"
  exit "$status"
}
