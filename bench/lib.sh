# Shared by the bench/*.sh scripts.  Sourced by bench/run, which sets
# MMTOOL (the binary under test), BENCH_DIR (scratch files) and RESULTS.
#
# bench_compare TITLE RUNS OURS OTHER...
#   Times each command with hyperfine (-N: no shell between us and the
#   process; output to /dev/null; 3 warm-up runs, then RUNS timed runs) in
#   one run, and prints the median of each and the ratio OTHER/OURS: above 1
#   means mmtool is faster.  Commands are strings, split by hyperfine.
bench_compare() {
	bench_run null "$@"
}

# bench_pipe_compare: the same, with the output going to a pipe, for
# commands whose cost depends on where output goes.
bench_pipe_compare() {
	bench_run pipe "$@"
}

# bench_compare_prepared TITLE RUNS PREPARE OURS OTHER...: PREPARE runs
# before every timed run of each command (hyperfine --prepare).
bench_compare_prepared() {
	local title=$1 runs=$2 prepare=$3
	shift 3
	BENCH_PREPARE=$prepare bench_run null "$title" "$runs" "$@"
}

bench_run() {
	local output=$1 title=$2 runs=$3 json
	shift 3
	json=$(mktemp)
	hyperfine -N --style none --output="$output" --warmup 3 --runs "$runs" \
		${BENCH_PREPARE:+--prepare "$BENCH_PREPARE"} \
		--export-json "$json" "$@" >/dev/null 2>&1 ||
		{ echo "$title: hyperfine failed"; rm -f "$json"; return 1; }
	python3 - "$title" "$json" <<'PY'
import json, sys
title, path = sys.argv[1], sys.argv[2]
res = json.load(open(path))["results"]
ours = res[0]["median"]
print(f"{title}")
print(f"  {res[0]['command']:<72} {ours*1000:10.3f} ms")
for r in res[1:]:
    print(f"  {r['command']:<72} {r['median']*1000:10.3f} ms   x{r['median']/ours:.2f}")
PY
	rm -f "$json"
}
