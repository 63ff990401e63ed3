#!/usr/bin/env bash
# sysbench oltp_point_select through Sluice and directly against the source, alternated in one run.
# Starts `sluice demo` (a local sandbox cluster with Sluice in front), prepares a sysbench table on the source,
# then runs ROUNDS rounds of: direct, Sluice. Prints each run's QPS and the medians.
# Usage: bench/point-select.sh [threads=8] [seconds=10] [rounds=3]
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
source_port=$(grep -m1 -oE '^  [a-z0-9-]+  127\.0\.0\.1:[0-9]+' "$log" | head -1 | sed 's/.*://')
common=(--db-driver=mysql --mysql-host=127.0.0.1 --mysql-user=app --mysql-password=apppw --mysql-db=sbtest
        --tables=1 --table-size=10000)
mariadb -h127.0.0.1 -P"$source_port" -uapp -papppw -e 'CREATE DATABASE IF NOT EXISTS sbtest'
sysbench oltp_point_select "${common[@]}" --mysql-port="$source_port" prepare >/dev/null
run() { sysbench oltp_point_select "${common[@]}" --mysql-port="$1" --threads="$threads" --time="$seconds" run \
          | awk '/queries:/ {gsub(/[(]/,"",$3); print $3}'; }
run "$source_port" >/dev/null   # warm-up, discarded
run "$port" >/dev/null
direct=(); sluice=()
for r in $(seq 1 "$rounds"); do
  d=$(run "$source_port"); s=$(run "$port")
  direct+=("$d"); sluice+=("$s")
  echo "round $r: direct $d qps, sluice $s qps"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
md=$(median "${direct[@]}"); ms=$(median "${sluice[@]}")
echo "oltp_point_select threads=$threads time=${seconds}s rounds=$rounds: direct median $md qps, sluice median $ms qps, ratio $(awk -v a="$ms" -v b="$md" 'BEGIN{printf "%.2f", a/b}')"
