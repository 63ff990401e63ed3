#!/usr/bin/env bash
# sysbench oltp_read_only (--skip_trx=on) directly against the source and through Sluice with read/write
# splitting (started with `sluice demo`: one source, two replicas), alternated, and how Sluice spread the
# reads: Com_select deltas on each server during the Sluice runs.
# Usage: bench/read-split.sh [threads=8] [seconds=10] [rounds=3]
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-8}; seconds=${2:-10}; rounds=${3:-3}
jar=proxy-core/target/sluice.jar
[[ -f $jar ]] || mvn -B -q -DskipTests package
log=$(mktemp)
port=$(( 20000 + RANDOM % 20000 ))
java -jar "$jar" demo --port "$port" >"$log" 2>&1 &
demo=$!
trap 'kill $demo 2>/dev/null; wait $demo 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 1 120); do grep -q "JDBC:" "$log" && break; sleep 0.5; done
grep -q "JDBC:" "$log" || { cat "$log"; exit 1; }
declare -A ports
while read -r name addr; do ports[$name]=${addr##*:}; done < <(grep -E '^  (source|replica[0-9]+)  127' "$log" | awk '{print $1, $2}')
src=${ports[source]}
common=(--db-driver=mysql --mysql-host=127.0.0.1 --mysql-user=app --mysql-password=apppw --mysql-db=sbtest
        --tables=1 --table-size=10000 --skip_trx=on)
mariadb -h127.0.0.1 -P"$src" -uapp -papppw -e 'CREATE DATABASE IF NOT EXISTS sbtest'
sysbench oltp_read_only "${common[@]}" --mysql-port="$src" prepare >/dev/null
sleep 2
selects() { mariadb -h127.0.0.1 -P"$1" -uroot -psandbox -N -e "SHOW GLOBAL STATUS LIKE 'Com_select'" | awk '{print $2}'; }
run() { sysbench oltp_read_only "${common[@]}" --mysql-port="$1" --threads="$threads" --time="$seconds" run \
          | awk '/queries:/ {gsub(/[(]/,"",$3); print $3}'; }
run "$src" >/dev/null; run "$port" >/dev/null   # warm-up, discarded
direct=(); sluice=()
declare -A spread
for r in $(seq 1 "$rounds"); do
  d=$(run "$src")
  declare -A before; for n in "${!ports[@]}"; do before[$n]=$(selects "${ports[$n]}"); done
  s=$(run "$port")
  for n in "${!ports[@]}"; do spread[$n]=$(( ${spread[$n]:-0} + $(selects "${ports[$n]}") - ${before[$n]} )); done
  direct+=("$d"); sluice+=("$s")
  echo "round $r: direct-to-source $d qps, sluice $s qps"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
md=$(median "${direct[@]}"); ms=$(median "${sluice[@]}")
echo "oltp_read_only skip_trx threads=$threads time=${seconds}s rounds=$rounds: direct median $md qps, sluice median $ms qps, ratio $(awk -v a="$ms" -v b="$md" 'BEGIN{printf "%.2f", a/b}')"
total=0; for n in "${!spread[@]}"; do total=$(( total + spread[$n] )); done
for n in $(printf '%s\n' "${!spread[@]}" | sort); do
  echo "  SELECTs on $n during the Sluice runs: ${spread[$n]} ($(awk -v a="${spread[$n]}" -v b="$total" 'BEGIN{printf "%.1f", 100*a/b}')%)"
done
