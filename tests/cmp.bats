#!/usr/bin/env bats
# cmp against its oracles: cmp(1) for the exit status and the first
# difference, python3 for the ranges and counts, xxd for -l, poke --patch
# for --patch.

setup() {
	load test_helper/common-setup
	_common_setup
}

# The ranges of differing bytes of the common part of $1 and $2 (from
# offset $3 of both, default 0), as START+LENGTH lines.
py_ranges() {
	python3 - "$1" "$2" "${3:-0}" <<'PY'
import re, sys
a = open(sys.argv[1], 'rb').read()
b = open(sys.argv[2], 'rb').read()
s = int(sys.argv[3])
a, b = a[s:], b[s:]
n, C, out = min(len(a), len(b)), 65536, []
for c0 in range(0, n, C):
    x, y = a[c0:min(c0 + C, n)], b[c0:min(c0 + C, n)]
    if x == y:
        continue
    # The chunk's bytes XORed: the runs of nonzero bytes are the runs
    # that differ (found at C speed, not a byte at a time).
    d = (int.from_bytes(x, 'big') ^ int.from_bytes(y, 'big')).to_bytes(len(x), 'big')
    for m in re.finditer(rb'[^\x00]+', d):
        i, k = c0 + m.start(), m.end() - m.start()
        if out and out[-1][0] + out[-1][1] == i:
            out[-1][1] += k
        else:
            out.append([i, k])
for o, l in out:
    print(f"{o + s}+{l}")
PY
}

# Change byte offsets "$@" of file $1 to something else (python3 mmap).
flip() {
	python3 - "$@" <<'PY'
import mmap, sys
with open(sys.argv[1], 'r+b') as f, mmap.mmap(f.fileno(), 0) as m:
    for o in sys.argv[2:]:
        o = int(o)
        m[o] = m[o] ^ 0x5a
PY
}

# cmp(1)'s first differing offset (0-based), or nothing.
cmp_first() {
	cmp "$@" 2>/dev/null | sed -n 's/.* differ: byte \([0-9]*\),.*/\1/p' | awk '{print $1 - 1}'
}

@test "cmp: identical files of sizes 0 to past a window exit 0 and print nothing" {
	local s
	for s in 0 1 4095 4096 262145 $((32 << 20)) $((32 << 20 | 1)); do
		if [ "$s" -gt 1000000 ]; then
			truncate -s "$s" "$T/a"
			printf 'tail' | dd of="$T/a" bs=1 seek=$((s - 4)) conv=notrunc status=none
		else
			randfile "$T/a" "$s"
		fi
		cp "$T/a" "$T/b"
		run mmtool cmp "$T/a" "$T/b"
		assert_success
		assert_output ""
		run cmp "$T/a" "$T/b"
		assert_success
	done
}

@test "cmp: the ranges equal python's: differences at 0, at the end, across piece and job seams" {
	local s=$((33 << 20))
	randfile "$T/a" "$s"
	cp "$T/a" "$T/b"
	# Runs that cross the 256 KiB pieces and the 16 MiB jobs, and single bytes.
	flip "$T/b" 0 1 2 $((256 << 10 - 1)) $((256 << 10)) \
		$((16 << 20 - 2)) $((16 << 20 - 1)) $((16 << 20)) $((16 << 20 + 1)) \
		$((32 << 20 - 1)) $((32 << 20)) 5000000 5000002 $((s - 1))
	run mmtool cmp "$T/a" "$T/b"
	assert_failure 1
	assert_output "$(py_ranges "$T/a" "$T/b")"
	assert_equal "$(head -n 1 <<<"$output" | cut -d+ -f1)" "$(cmp_first "$T/a" "$T/b")"
}

@test "cmp: the exit status and first difference agree with cmp(1)" {
	local s off
	for s in $(reps "1 70000" "1 100 4096 70000"); do
		for off in 0 $((s / 2)) $((s - 1)); do
			randfile "$T/a" "$s"
			cp "$T/a" "$T/b"
			flip "$T/b" "$off"
			run mmtool cmp "$T/a" "$T/b"
			assert_failure 1
			assert_equal "${lines[0]%%+*}" "$(cmp_first "$T/a" "$T/b")"
			run cmp -s "$T/a" "$T/b"
			assert_failure 1
		done
	done
}

@test "cmp: -c prints the bytes and ranges python counts" {
	randfile "$T/a" 3000000
	cp "$T/a" "$T/b"
	flip "$T/b" $(python3 -c 'import random; r = random.Random(7); print(*sorted(r.sample(range(3000000), 5000)))')
	run mmtool cmp -c "$T/a" "$T/b"
	assert_failure 1
	local want
	want=$(py_ranges "$T/a" "$T/b" | awk -F+ '{b += $2; n++} END {print b, n}')
	assert_output "$want"
	# cmp -l lists each differing byte once.
	assert_equal "${output%% *}" "$(cmp -l "$T/a" "$T/b" | wc -l)"
}

@test "cmp: -j 1, 2 and 7 print the same" {
	randfile "$T/a" $((40 << 20))
	cp "$T/a" "$T/b"
	flip "$T/b" $(python3 -c 'import random; r = random.Random(3); print(*sorted(r.sample(range(40 << 20), 3000)))') \
		$((16 << 20 - 1)) $((16 << 20)) $((32 << 20 - 1)) $((32 << 20))
	mmtool cmp -j 1 "$T/a" "$T/b" > "$T/j1" || [ $? -eq 1 ]
	for j in 2 7; do
		run mmtool cmp -j "$j" "$T/a" "$T/b"
		assert_failure 1
		assert_equal "$output" "$(cat "$T/j1")"
		run mmtool cmp -j "$j" --json "$T/a" "$T/b"
		assert_failure 1
		assert_equal "$output" "$(mmtool cmp -j 1 --json "$T/a" "$T/b")"
	done
	[ "$(wc -l < "$T/j1")" -gt 2000 ]
}

@test "cmp: the default, --mmap and --no-mmap print the same, with differences across window seams" {
	local s=$((17 << 20 | 5)) args
	randfile "$T/a" "$s"
	cp "$T/a" "$T/b"
	# Runs across the 16 MiB window and job seam and the 256 KiB pieces, at 0 and at the end.
	flip "$T/b" 0 $(((256 << 10) - 1)) $((256 << 10)) 5000000 \
		$(((16 << 20) - 2)) $(((16 << 20) - 1)) $((16 << 20)) $(((16 << 20) + 1)) $((s - 1)) \
		$(python3 -c 'import random; r = random.Random(5); print(*r.sample(range(17 << 20), 40))')
	# -i 5:3 maps from offsets that are not page aligned, and --range 1M+16M
	# compares 16 MiB from the middle.
	local all=("" "-c" "--json" "-l" "-j1" "-j7" "-i 5:3" "-i 3:3" "--range 1M+16M" "-n 16M")
	# Five of the ten under make check, all of them under make check-full.
	[ -n "${MMTOOL_FULL:-}" ] || all=("" "--json" "-j7" "-i 5:3" "--range 1M+16M")
	for args in "${all[@]}"; do
		mmtool cmp $args "$T/a" "$T/b" > "$T/default" || [ $? -eq 1 ]
		mmtool cmp --mmap $args "$T/a" "$T/b" > "$T/mapped" || [ $? -eq 1 ]
		mmtool cmp --no-mmap $args "$T/a" "$T/b" > "$T/read" || [ $? -eq 1 ]
		cmp "$T/default" "$T/mapped"
		cmp "$T/default" "$T/read"
	done
	local want
	want=$(py_ranges "$T/a" "$T/b")
	run mmtool cmp --mmap "$T/a" "$T/b"
	assert_failure 1
	assert_output "$want"
	run mmtool cmp --no-mmap "$T/a" "$T/b"
	assert_output "$want"
	run mmtool cmp --mmap -i 3 "$T/a" "$T/b"
	assert_output "$(py_ranges "$T/a" "$T/b" 3)"
	for m in --mmap --no-mmap; do
		run mmtool cmp -s $m "$T/a" "$T/b"
		assert_failure 1
		assert_output ""
		run mmtool cmp -s $m "$T/a" "$T/a"
		assert_success
	done
}

@test "cmp: files are read unless --mmap maps them (strace)" {
	command -v strace >/dev/null || skip "strace is not installed"
	[ -z "${MMTOOL_WRAP:-}" ] || skip "strace would trace the wrapper"
	randfile "$T/a" $((16 << 20))
	cp "$T/a" "$T/b"
	reads() {
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
			strace -f -qq -e trace=pread64 -o "$T/trace" mmtool cmp -j1 "$@" > /dev/null
		grep -cE '^[0-9]+ +pread64\(.*\) = [0-9]{5,}$' "$T/trace" || true
	}
	[ "$(reads "$T/a" "$T/b")" -gt 0 ]
	[ "$(reads -n 1M "$T/a" "$T/b")" -gt 0 ]
	[ "$(reads --no-mmap "$T/a" "$T/b")" -gt 0 ]
	[ "$(reads --mmap "$T/a" "$T/b")" -eq 0 ]
	[ "$(reads --mmap -i 1 "$T/a" "$T/b")" -eq 0 ]
	[ "$(reads --mmap -n 1M "$T/a" "$T/b")" -eq 0 ]
}

@test "cmp: 64 MiB on 4 threads stays under 64 MiB of memory read, plus 32 MiB a thread mapped" {
	randfile "$T/a" $((64 << 20))
	cp "$T/a" "$T/b"
	flip "$T/b" $(((64 << 20) - 1))
	for mode in "" --mmap; do
		run -0 python3 - "$T/a" "$T/b" $mode <<'PY'
import resource, subprocess, sys
r = subprocess.run(['mmtool', 'cmp', '-j4'] + sys.argv[3:] + sys.argv[1:3],
                   capture_output=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(r.returncode, r.stdout.decode().strip())
assert peak < (64 + (4 * 32 if len(sys.argv) == 4 else 0)) * 1024, peak
PY
		assert_output "1 $(((64 << 20) - 1))+1"
	done
}

@test "cmp: -s prints nothing, and its exit status is cmp -s's" {
	randfile "$T/a" 5000
	cp "$T/a" "$T/b"
	run --separate-stderr mmtool cmp -s "$T/a" "$T/b"
	assert_success
	flip "$T/b" 4999
	run --separate-stderr mmtool cmp -q "$T/a" "$T/b"
	assert_failure 1
	assert_output ""
	head -c 4000 "$T/a" > "$T/c"
	run --separate-stderr mmtool cmp -s "$T/a" "$T/c"
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" ""
	run cmp -s "$T/a" "$T/c"
	assert_failure 1
}

@test "cmp: sizes that differ: the common part, a line on stderr, exit 1" {
	randfile "$T/a" 5000
	head -c 4000 "$T/a" > "$T/b"
	flip "$T/b" 10
	run --separate-stderr mmtool cmp "$T/a" "$T/b"
	assert_failure 1
	assert_output "10+1"
	assert_equal "$stderr" "mmtool: cmp: $T/b: EOF after 4000 bytes compared: 1000 bytes shorter than $T/a"
	run --separate-stderr mmtool cmp "$T/b" "$T/a"
	assert_failure 1
	assert_equal "$stderr" "mmtool: cmp: $T/b: EOF after 4000 bytes compared: 1000 bytes shorter than $T/a"
}

@test "cmp: -l prints each range as xxd lines, FILE1's with - and FILE2's with +" {
	randfile "$T/a" 10000
	cp "$T/a" "$T/b"
	flip "$T/b" 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 9999
	run mmtool cmp -l "$T/a" "$T/b"
	assert_failure 1
	local want
	want=$(xxd -s 3 -l 18 "$T/a" | sed 's/^/-/'; xxd -s 3 -l 18 "$T/b" | sed 's/^/+/'
	       xxd -s 9999 -l 1 "$T/a" | sed 's/^/-/'; xxd -s 9999 -l 1 "$T/b" | sed 's/^/+/')
	assert_output "$want"
}

@test "cmp: --patch applied by poke --grow --patch makes FILE1 equal FILE2" {
	local s
	for s in 0 1 5000 300000; do
		randfile "$T/a" "$s"
		randfile "$T/b" $((s + 777))
		head -c $((s / 2)) "$T/a" | dd of="$T/b" conv=notrunc status=none
		mmtool cmp --patch "$T/a" "$T/b" > "$T/p" 2>/dev/null || [ $? -eq 1 ]
		mmtool cmp --patch "$T/a" "$T/b" | mmtool poke --grow --patch - "$T/a"
		run cmp "$T/a" "$T/b"
		assert_success
	done
}

@test "cmp: --patch with FILE2 a longer pipe holds all of its tail" {
	local s
	for s in 0 1 5000 300000; do
		randfile "$T/a" "$s"
		randfile "$T/b" $((s + 777))
		head -c $((s / 2)) "$T/a" | dd of="$T/b" conv=notrunc status=none
		run -1 --separate-stderr bash -c "cat '$T/b' | mmtool cmp --patch '$T/a' - > '$T/p'"
		mmtool poke --grow --patch "$T/p" "$T/a"
		run -0 cmp "$T/a" "$T/b"
	done
}

@test "cmp: --patch with a shorter FILE2 says on stderr that truncating is left to the user" {
	randfile "$T/a" 5000
	head -c 3000 /dev/urandom > "$T/b"
	run --separate-stderr mmtool cmp --patch "$T/a" "$T/b"
	assert_failure 1
	assert_line --index 0 --partial "00000000: "
	assert_equal "${stderr_lines[1]}" "mmtool: cmp: $T/a: the patch does not truncate it: that is left to you (truncate -s 3000)"
	mmtool cmp --patch "$T/a" "$T/b" 2>/dev/null | mmtool poke --patch - "$T/a"
	truncate -s 3000 "$T/a"
	cmp "$T/a" "$T/b"
}

@test "cmp: --json prints a range object per range and a summary that python reads" {
	randfile "$T/a" 70000
	randfile "$T/b" 70001
	head -c 60000 "$T/a" | dd of="$T/b" conv=notrunc status=none
	flip "$T/b" 100 101 5000
	run --separate-stderr mmtool cmp --json "$T/a" "$T/b"
	assert_failure 1
	python3 - "$T/a" "$T/b" "$(py_ranges "$T/a" "$T/b")" "$output" <<'PY'
import json, os, sys
objs = [json.loads(l) for l in sys.argv[4].split('\n')]
want = [l.split('+') for l in sys.argv[3].split('\n') if l]
rs = [o for o in objs if o['kind'] == 'range']
assert [[str(o['offset']), str(o['length'])] for o in rs] == want, rs
s = objs[-1]
assert s['kind'] == 'summary', s
assert s['ranges'] == len(want) and s['bytes'] == sum(int(l) for _, l in want), s
assert s['size1'] == os.path.getsize(sys.argv[1]) and s['size2'] == os.path.getsize(sys.argv[2]), s
PY
}

@test "cmp: -i SKIP1:SKIP2 and -n LIMIT agree with cmp(1)" {
	randfile "$T/a" 20000
	{ head -c 100 /dev/urandom; cat "$T/a"; } > "$T/b"
	run mmtool cmp -i 0:100 "$T/a" "$T/b"
	assert_success
	run cmp -i 0:100 "$T/a" "$T/b"
	assert_success
	flip "$T/b" 5100
	run mmtool cmp -i 0:100 "$T/a" "$T/b"
	assert_failure 1
	assert_output "5000+1"
	# cmp(1) counts from after the skip.
	assert_equal "$(cmp_first -i 0:100 "$T/a" "$T/b")" 5000
	run mmtool cmp -i 10:110 -n 4990 "$T/a" "$T/b"
	assert_success
	run cmp -i 10:110 -n 4990 "$T/a" "$T/b"
	assert_success
	run mmtool cmp -i 10:110 -n 4991 "$T/a" "$T/b"
	assert_failure 1
	# One SKIP skips both.
	run mmtool cmp -i 6000 "$T/a" "$T/b"
	assert_failure 1
	run cmp -s -i 6000 "$T/a" "$T/b"
	assert_failure 1
}

@test "cmp: --range compares only FILE1's bytes in RANGE, and --radix x prints hex" {
	randfile "$T/a" 10000
	cp "$T/a" "$T/b"
	flip "$T/b" 100 5000 9000
	run mmtool cmp --range 1000:9000 "$T/a" "$T/b"
	assert_failure 1
	assert_output "5000+1"
	run mmtool cmp --range 4500+1000 --radix x "$T/a" "$T/b"
	assert_failure 1
	assert_output "0x1388+0x1"
	run mmtool cmp --range 101:5000 "$T/a" "$T/b"
	assert_success
	# Its output is a RANGE: fed back, it finds the same.
	run mmtool cmp --range "$(mmtool cmp --radix x --range 4000:6000 "$T/a" "$T/b")" -c "$T/a" "$T/b"
	assert_output "1 1"
}

@test "cmp: - is standard input for one of the files" {
	randfile "$T/a" 300000
	cp "$T/a" "$T/b"
	flip "$T/b" 7 299999
	run mmtool cmp - "$T/b" < "$T/a"
	assert_failure 1
	assert_output "$(py_ranges "$T/a" "$T/b")"
	run mmtool cmp -l "$T/a" - < "$T/b"
	assert_output "$(mmtool cmp -l "$T/a" "$T/b")"
	run --separate-stderr mmtool cmp - "$T/a" < <(head -c 1000 "$T/a")
	assert_failure 1
	assert_equal "$stderr" "mmtool: cmp: -: EOF after 1000 bytes compared: 299000 bytes shorter than $T/a"
	run -2 --separate-stderr mmtool cmp - - < "$T/a"
	assert_equal "$stderr" "mmtool: cmp: standard input can be only one of the two files"
}

@test "cmp: a stream is read no further than the comparison needs, as cmp(1): yes and /dev/zero end" {
	printf 'y\ny\ny\n' > "$T/y"
	run -1 --separate-stderr timeout 10 bash -c "yes | mmtool cmp - '$T/y'"
	assert_equal "$stderr" "mmtool: cmp: $T/y: EOF after 6 bytes compared: shorter than - (not read to its end)"
	assert_output ""
	run -1 --separate-stderr timeout 10 bash -c "yes | mmtool cmp --json '$T/y' -"
	assert_output '{"kind":"summary","bytes":0,"ranges":0,"size1":6,"size2":null}'
	run -1 --separate-stderr timeout 10 mmtool cmp -c /dev/zero "$T/y"
	assert_output "6 1"
	assert_equal "$stderr" "mmtool: cmp: $T/y: EOF after 6 bytes compared: shorter than /dev/zero (not read to its end)"
	run -1 timeout 10 bash -c "yes | mmtool cmp -s - '$T/y'"
	run -2 --separate-stderr timeout 10 bash -c "yes | mmtool cmp --range -2: - '$T/y'"
	assert_equal "$stderr" "mmtool: cmp: -: a negative RANGE needs a file with a known size: a stream is read only as far as it is compared"
	# A stream that ends within the comparison is still counted exactly.
	run -1 --separate-stderr bash -c "yes | head -c 4 | mmtool cmp --json - '$T/y'"
	assert_output '{"kind":"summary","bytes":0,"ranges":0,"size1":4,"size2":6}'
	assert_equal "$stderr" "mmtool: cmp: -: EOF after 4 bytes compared: 2 bytes shorter than $T/y"
}

@test "cmp: holes in both files are equal; data against a hole is compared" {
	local mib=$((1 << 20))
	truncate -s $((64 * mib)) "$T/a" "$T/b"
	randfile "$T/d" $mib
	dd if="$T/d" of="$T/a" bs=1M seek=10 conv=notrunc status=none
	dd if="$T/d" of="$T/b" bs=1M seek=10 conv=notrunc status=none
	run mmtool cmp "$T/a" "$T/b"
	assert_success
	# Zeros written as data in one file equal the hole in the other.
	head -c $mib /dev/zero | dd of="$T/a" bs=1M seek=40 conv=notrunc status=none
	run mmtool cmp "$T/a" "$T/b"
	assert_success
	# A byte in the middle of the other's hole, and one at the very end.
	printf 'x' | dd of="$T/b" bs=1 seek=$((50 * mib + 3)) conv=notrunc status=none
	printf 'y' | dd of="$T/a" bs=1 seek=$((64 * mib - 1)) conv=notrunc status=none
	run mmtool cmp "$T/a" "$T/b"
	assert_failure 1
	assert_output "$(py_ranges "$T/a" "$T/b")"
	assert_equal "${lines[0]%%+*}" "$(cmp_first "$T/a" "$T/b")"
}

@test "cmp: errors are one line and exit 2" {
	printf 'abc' > "$T/a"
	run -2 --separate-stderr mmtool cmp "$T/a" "$T/missing"
	assert_equal "$stderr" "mmtool: cmp: $T/missing: No such file or directory"
	run -2 --separate-stderr mmtool cmp "$T/a"
	assert_equal "$stderr" "mmtool: cmp: missing operands; usage: mmtool cmp [OPTIONS] FILE1 FILE2"
	run -2 --separate-stderr mmtool cmp --radix b "$T/a" "$T/a"
	assert_equal "$stderr" "mmtool: cmp: bad --radix 'b': use d, x or o"
	run -2 --separate-stderr mmtool cmp -c -l "$T/a" "$T/a"
	assert_equal "$stderr" "mmtool: cmp: choose one of --count, --silent, --list, --patch and --json"
	run -2 --separate-stderr mmtool cmp -j 0 "$T/a" "$T/a"
	assert_equal "$stderr" "mmtool: cmp: bad --threads '0': use 1 to 1024"
	run -2 --separate-stderr mmtool cmp "$T" "$T/a"
	assert_equal "$stderr" "mmtool: cmp: $T: is a directory"
}

@test "cmp: an output error is exit 2 with one line" {
	printf 'abc' > "$T/a"
	printf 'abd' > "$T/b"
	run -2 --separate-stderr sh -c 'mmtool cmp "$1" "$2" > /dev/full' sh "$T/a" "$T/b"
	assert_equal "$stderr" "mmtool: cmp: standard output: No space left on device"
}

@test "cmp --range: a start past the end of FILE1 is an error; one at the end compares nothing" {
	printf hello >"$T/a"
	printf hellO >"$T/b"
	local r
	for r in 100:200 6: 6+1 1k+1; do
		run -2 --separate-stderr mmtool cmp --range "$r" "$T/a" "$T/b"
		assert_equal "$stderr" "mmtool: cmp: $T/a: bad RANGE '$r': starts past the end of the file (size 5)"
		assert_output ""
	done
	run -0 mmtool cmp --range 5: "$T/a" "$T/b"
	assert_output ""
	run -1 mmtool cmp --range 4:100 "$T/a" "$T/b"
	assert_output "4+1"
}
