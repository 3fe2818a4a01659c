#!/usr/bin/env bats
# grep's GNU grep and ripgrep flags (-P -F -f -L -o -w -s -h, -r without
# FILE, --include/--exclude/--exclude-dir, -A/-B/-C, --color, --json in
# every mode, -q), against GNU grep, rg and python3 as oracles.

setup() {
	load test_helper/common-setup
	_common_setup
}

# A text of random words (some joined by '_' or digits) with newlines.
words() {
	python3 - "$1" "$2" <<'PY'
import random, sys
r = random.Random(int(sys.argv[2]))
ws = ['foo', 'bar', 'foobar', 'xfoo', 'foo_', '_foo', 'foo1', '9foo', 'fo', 'baz']
seps = [' ', ' ', '\n', '.', '-', ',', '\t']
out = ''.join(r.choice(ws) + r.choice(seps) for _ in range(3000))
open(sys.argv[1], 'w').write(out)
PY
}

# GNU grep's -b -o offsets (one line a match), with -a on any file.
gnu_offsets() { grep -aob "$@" | cut -d: -f1; }

@test "grep -P is -E; -F names the default; two kinds are refused" {
	words "$T/f" 1
	run -0 mmtool grep -P 'fo+b[a-z]r' "$T/f"
	assert_output "$(mmtool grep -E 'fo+b[a-z]r' "$T/f")"
	assert_output "$(gnu_offsets -P 'fo+b[a-z]r' "$T/f")"
	run -0 mmtool grep -F 'o.b' "$T/f"
	assert_output "$(mmtool grep 'o.b' "$T/f")"
	run -2 --separate-stderr mmtool grep -F -E foo "$T/f"
	assert_equal "$stderr" "mmtool: grep: -F and -E cannot be combined: choose one pattern kind"
	run -2 --separate-stderr mmtool grep -F -x 41 "$T/f"
	assert_equal "$stderr" "mmtool: grep: -F and -x cannot be combined: choose one pattern kind"
}

@test "grep -f FILE: one pattern a line, as GNU grep -F -f; an empty line is an error" {
	words "$T/f" 2
	printf 'foobar\nbaz\nfo\n' > "$T/pats"
	run -0 mmtool grep -f "$T/pats" "$T/f"
	assert_output "$(gnu_offsets -F -f "$T/pats" "$T/f")"
	run -0 mmtool grep -f "$T/pats" -e xfoo "$T/f"
	assert_output "$(gnu_offsets -F -f "$T/pats" -e xfoo "$T/f")"
	run -0 bash -c "printf 'baz\n' | mmtool grep -c -f - '$T/f'"
	assert_output "$(grep -aoF baz "$T/f" | wc -l)"
	printf 'foo\n\nbar\n' > "$T/bad"
	run -2 --separate-stderr mmtool grep -f "$T/bad" "$T/f"
	assert_equal "$stderr" "mmtool: grep: $T/bad: line 2 is an empty pattern, which is not allowed"
	run -2 --separate-stderr mmtool grep -f "$T/missing" "$T/f"
	assert_equal "$stderr" "mmtool: grep: $T/missing: No such file or directory"
}

@test "grep: an empty pattern of any kind is an error" {
	printf 'abc' > "$T/f"
	for args in "''" "-E ''" "-P ''" "-x ''" "-e foo -e ''" "-F ''"; do
		run -2 --separate-stderr bash -c "mmtool grep $args '$T/f'"
		assert_equal "$stderr" "mmtool: grep: empty PATTERN: give at least one byte"
		assert_output ""
	done
}

@test "grep -L: names of files without a match; exit 0 when one is listed" {
	printf 'has foo' > "$T/a"
	printf 'nothing' > "$T/b"
	printf 'nothing' > "$T/c"
	run -0 mmtool grep -L foo "$T/a" "$T/b" "$T/c"
	assert_output "$(grep -L foo "$T/a" "$T/b" "$T/c")"
	run -1 mmtool grep -L foo "$T/a"
	assert_output ""
	run -0 bash -c "mmtool grep --files-without-match -0 foo '$T/b' '$T/a' | tr '\\0' @"
	assert_output "$T/b@"
	# A file that could not be read is not listed.
	run -2 --separate-stderr mmtool grep -L foo "$T/a" "$T/missing"
	assert_output ""
}

@test "grep -o: OFFSET:BYTES, the bytes as peek -f string prints them" {
	# About 20 matches (50 under make check-full), each checked by a peek.
	python3 - "$T/f" "$(reps 20000 50000)" <<'PY'
import random, sys
r = random.Random(3)
n = int(sys.argv[2])
b = bytearray(r.randrange(256) for _ in range(n))
for k in range(0, n, 997):
    b[k:k + 3] = b'K\x00' + bytes([r.randrange(256)])
open(sys.argv[1], 'wb').write(bytes(b))
PY
	run -0 mmtool grep -o -E '(?s)K\x00.' "$T/f"
	want=$(mmtool grep -E '(?s)K\x00.' "$T/f" | while read -r o; do
		echo "$o:$(mmtool peek -f string "$T/f" "$o" 3)"
	done)
	assert_output "$want"
	# The offsets are rg's.
	assert_equal "$(cut -d: -f1 <<<"$output")" \
		"$(rg -boa -o '(?s-u)K\x00.' "$T/f" | cut -d: -f1)"
	run -0 mmtool grep -o -H --radix x -x '4b00' "$T/f"
	assert_line --index 0 "$T/f:0x0:K\\0"
}

@test "grep -w: no ASCII letter, digit or _ beside a match, as GNU grep -w" {
	for seed in $(reps 4 "4 5"); do
		words "$T/f" "$seed"
		run -0 mmtool grep -w foo "$T/f"
		assert_output "$(gnu_offsets -w foo "$T/f")"
		run -0 mmtool grep -w -i FOO "$T/f"
		assert_output "$(gnu_offsets -wi FOO "$T/f")"
		run -0 mmtool grep -w -E 'fo+(bar)?' "$T/f"
		assert_output "$(gnu_offsets -wP 'fo+(bar)?' "$T/f")"
		run -0 mmtool grep -w -x '666f6f' "$T/f"
		assert_output "$(gnu_offsets -w foo "$T/f")"
		run -0 mmtool grep -w -e foo -e foobar "$T/f"
		assert_output "$(gnu_offsets -w -e foo -e foobar "$T/f")"
	done
	# A match that fails does not hide one that starts inside it.
	printf 'aaa aa' > "$T/g"
	run -0 mmtool grep -w aa "$T/g"
	assert_output 4
	# The same across every seam of a large file, for every -j.
	head -c $((40 << 20)) /dev/zero | tr '\0' 'x' > "$T/big"
	for o in 0 $((16 << 20)) $(((16 << 20) - 2)) $(((32 << 20) + 1)); do
		printf ' foo ' | dd of="$T/big" bs=1 seek="$o" conv=notrunc status=none
	done
	run -0 mmtool grep -j 3 -w foo "$T/big"
	assert_output "$(gnu_offsets -w foo "$T/big")"
}

@test "grep -s: no messages about unreadable files, exit 2 still; -h drops the names" {
	printf 'foo' > "$T/a"
	run -2 --separate-stderr mmtool grep -s foo "$T/a" "$T/missing"
	assert_equal "$stderr" ""
	assert_output "$T/a:0"
	run -2 --separate-stderr mmtool grep -s foo "$T"
	assert_equal "$stderr" ""
	run -0 mmtool grep -h foo "$T/a" "$T/a"
	assert_output "$(printf '0\n0')"
	run -0 mmtool grep -hc foo "$T/a" "$T/a"
	assert_output "$(grep -hc foo "$T/a" "$T/a")"
}

@test "grep -q: exit 0 on a match even when another file had an error" {
	printf 'foo' > "$T/a"
	run -0 mmtool grep -q foo "$T/missing" "$T/a"
	run -0 mmtool grep -q foo "$T/a" "$T/missing"
	run -2 mmtool grep -q bar "$T/a" "$T/missing"
	run -1 mmtool grep -q bar "$T/a"
}

@test "grep -r without FILE searches ., names as GNU grep prints them" {
	mkdir -p "$T/d/sub" "$T/d/skip/deep" "$T/d/.hid"
	for f in a.c b.h sub/c.c sub/d.txt skip/e.c skip/deep/f.c .hid/g.c; do
		printf 'x foo' > "$T/d/$f"
	done
	cd "$T/d"
	run -0 mmtool grep -l -r foo
	assert_output "$(grep -rl foo | LC_ALL=C sort)"
	for opts in "--include=*.c" "--exclude=*.c" "--exclude-dir=skip" \
		"--include=*.c --exclude-dir=sk*" "--include=*.c --include=*.h" \
		"--exclude-dir=deep --exclude=b*"; do
		run -0 mmtool grep -l -r $opts foo
		assert_output "$(grep -rl $opts foo | LC_ALL=C sort)"
		run -0 mmtool grep -l -r $opts foo .
		assert_output "$(grep -rl $opts foo . | LC_ALL=C sort)"
	done
	# On FILE operands, as GNU grep: any suffix after a '/'.
	run -0 mmtool grep -l --exclude='*.h' foo a.c b.h sub/c.c
	assert_output "$(grep -l --exclude='*.h' foo a.c b.h sub/c.c)"
	run -1 mmtool grep -l --include='*.txt' foo a.c
}

# The groups of -A/-B/-C from python: each match's context, merged where
# they touch, each group its offset lines then xxd -s -l, "--" between.
py_groups() {
	python3 - "$@" <<'PY'
import subprocess, sys
path, before, after = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
offs = [int(x) for x in sys.argv[4:]]
size = len(open(path, 'rb').read())
groups = []
for o in offs:
    lo, hi = max(0, o - before), min(size, o + 6 + after)
    if groups and lo <= groups[-1][1]:
        groups[-1][1] = max(groups[-1][1], hi)
        groups[-1][2].append(o)
    else:
        groups.append([lo, hi, [o]])
out = []
for i, (lo, hi, os_) in enumerate(groups):
    if i:
        out.append('--\n')
    out += ['%d\n' % o for o in os_]
    out.append(subprocess.run(['xxd', '-s', str(lo), '-l', str(hi - lo), path],
                              capture_output=True, text=True).stdout)
sys.stdout.write(''.join(out))
PY
}

@test "grep -A/-B/-C: touching contexts merge into groups separated by --" {
	# About 20 matches (150 under make check-full), each gap a few times;
	# the oracle runs xxd once per group.
	python3 - "$T/f" "$(reps 4000 30000)" <<'PY'
import random, sys
r = random.Random(6)
b = bytearray(r.randrange(256) for _ in range(int(sys.argv[2])))
o = 0
while True:
    o += r.choice([1, 7, 20, 33, 60, 200, 900])
    if o + 6 > len(b):
        break
    b[o:o + 6] = b'NEEDLE'
    o += 6
open(sys.argv[1], 'wb').write(bytes(b))
PY
	offs=$(mmtool grep NEEDLE "$T/f")
	for ab in "0 0" "5 0" "0 13" "16 16" "40 7" "100 100"; do
		set -- $ab
		want=$(py_groups "$T/f" "$1" "$2" $offs)
		run -0 mmtool grep -B "$1" -A "$2" NEEDLE "$T/f"
		assert_output "$want"
		run -0 bash -c "cat '$T/f' | mmtool grep -B $1 -A $2 NEEDLE"
		assert_output "$want"
	done
	run -0 mmtool grep -C 16 NEEDLE "$T/f"
	assert_output "$(mmtool grep -A 16 -B 16 NEEDLE "$T/f")"
	# -A/-B given beside -C win over it, as in GNU grep.
	run -0 mmtool grep -C 16 -A 3 NEEDLE "$T/f"
	assert_output "$(mmtool grep -B 16 -A 3 NEEDLE "$T/f")"
	# The separator also comes between the groups of two files.
	printf 'NEEDLE' > "$T/g"
	run -0 mmtool grep -A 1 NEEDLE "$T/g" "$T/g"
	assert_output "$(printf '%s:0\n%s\n--\n%s:0\n%s' "$T/g" "$(xxd "$T/g")" "$T/g" "$(xxd "$T/g")")"
}

@test "grep --color: the match highlighted; the value only after =; NO_COLOR, TERM=dumb" {
	printf 'xxNEEDLEyy' > "$T/f"
	run -0 mmtool grep --color=always -o NEEDLE "$T/f"
	assert_output "$(printf '2:\033[01;31mNEEDLE\033[0m')"
	run -0 mmtool grep --colour=always -o NEEDLE "$T/f"
	assert_output "$(printf '2:\033[01;31mNEEDLE\033[0m')"
	run -0 mmtool grep --color=always -C 1 NEEDLE "$T/f"
	assert_line --index 1 --partial "$(printf '\033[01;31m4e\033[0m')"
	assert_line --index 1 --partial "$(printf '\033[01;31mN\033[0m')"
	# Bare --color is auto: a pipe is not coloured, and NEEDLE stays the pattern.
	run -0 mmtool grep --color -o NEEDLE "$T/f"
	assert_output "2:NEEDLE"
	run -0 mmtool grep --color=never -o NEEDLE "$T/f"
	assert_output "2:NEEDLE"
	run -2 --separate-stderr mmtool grep --color=sometimes NEEDLE "$T/f"
	assert_equal "$stderr" "mmtool: grep: bad --color 'sometimes': use auto, always or never"
	command -v script >/dev/null || skip "no script(1) for a terminal"
	run -0 script -qec "mmtool grep --color -o NEEDLE '$T/f'" /dev/null
	assert_output --partial $'\033[01;31m'
	run -0 env NO_COLOR=1 script -qec "mmtool grep --color -o NEEDLE '$T/f'" /dev/null
	refute_output --partial $'\033['
	run -0 env TERM=dumb script -qec "mmtool grep --color=auto -o NEEDLE '$T/f'" /dev/null
	refute_output --partial $'\033['
}

@test "grep --json: every mode, every line parses, kinds, names of any bytes" {
	mkdir "$T/d"
	python3 - "$T/d" <<'PY'
import os, sys
for n in [b'plain', b'nl\nname', b'ctl\x01\x1f\x7f', b'bad\xff\xfe', b'none']:
    open(os.path.join(sys.argv[1].encode(), n), 'wb').write(b'' if n == b'none' else b'..NEEDLE.NEEDLE')
PY
	cd "$T/d"
	for mode in "" -c -l -L -o "-C 2" "-m 1"; do
		mmtool grep --json $mode NEEDLE -- * > "$T/out" || [ "$mode" = -L ] || true
		python3 - "$T/out" "$mode" <<'PY'
import base64, json, os, sys
mode = sys.argv[2]
lines = open(sys.argv[1], 'rb').read().split(b'\n')
assert lines[-1] == b'', lines
objs = [json.loads(l) for l in lines[:-1]]
names = sorted(os.listdir(b'.'))
kind = {'-c': 'count', '-l': 'file', '-L': 'file'}.get(mode, 'match')
assert objs[-1]['kind'] == 'summary', objs
assert set(objs[-1]) == {'kind', 'files', 'matches', 'bytes'}, objs[-1]
assert objs[-1]['files'] == 5 and objs[-1]['bytes'] == 4 * 15, objs[-1]
body = objs[:-1]
for o in body:
    assert o['kind'] == kind, o
    raw = base64.b64decode(o['file_b64']) if 'file_b64' in o else o['file'].encode()
    assert raw in names, o
    assert o['file'] == raw.decode('utf-8', 'replace'), o
    assert ('file_b64' in o) == (raw != raw.decode('utf-8', 'replace').encode()), o
    if kind == 'match':
        assert o['length'] == 6 and o['hex'] == b'NEEDLE'.hex() and o['offset'] in (2, 9), o
want = {'': 8, '-c': 5, '-l': 4, '-L': 1, '-o': 8, '-C 2': 8, '-m 1': 4}[mode]
assert len(body) == want, (mode, body)
PY
	done
}

@test "grep --range: past the end of the one FILE is an error; among several, empty" {
	printf 'foo foo' > "$T/a"
	run -2 --separate-stderr mmtool grep --range 8: foo "$T/a"
	assert_equal "$stderr" "mmtool: grep: $T/a: RANGE '8:' starts past the end of the file (size 7)"
	run -1 mmtool grep --range 7: foo "$T/a"
	run -0 mmtool grep --range 3: foo "$T/a" "$T/a"
	run -1 mmtool grep --range 100:200 foo "$T/a" "$T/a"
	printf 'long enough foo' > "$T/b"
	run -0 mmtool grep --range 10: foo "$T/a" "$T/b"
	assert_output "$T/b:12"
}
