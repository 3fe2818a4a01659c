#!/usr/bin/env bats
# grep -E and replace -E under the regex step budget (src/search.c): a
# pattern that backtracks without end stops with exit 2 and "pattern too
# complex" well within `timeout`; patterns that only sometimes need many
# steps still find exactly what python3 re finds.

setup() {
	load test_helper/common-setup
	_common_setup
}

# FILE of about SIZE bytes: runs of RUN 'a's, each ended by 'c', then a 'b'.
runs() {
	python3 -c 'import sys; n, k = int(sys.argv[2]), int(sys.argv[3]); open(sys.argv[1], "wb").write(b"".join([b"a" * k + b"c"] * (n // (k + 1))) + b"b")' "$@"
}

@test "grep -E: (a+)+b over 46 KB of (a{22}c)* stops with pattern too complex" {
	runs "$T/f" 46000 22
	run -2 --separate-stderr timeout 20 mmtool grep -E '(a+)+b' "$T/f"
	assert_output ""
	[[ "$stderr" == "mmtool: grep: $T/f: pattern too complex: "* ]]
}

@test "grep -E: backtracking patterns over 256 KiB end in seconds, or with pattern too complex" {
	# 1 MiB under MMTOOL_FULL=1 (make check-full).
	local size=262144
	[ -z "${MMTOOL_FULL:-}" ] || size=1048576
	runs "$T/f" "$size" 22
	head -c "$size" /dev/zero | tr '\0' a > "$T/a"
	printf b >> "$T/a"
	local res=('(a+)+b' '(?:a|a?){5}b' '(a|aa)+b') re
	# And a second bounded repeat of optional groups under make check-full.
	[ -z "${MMTOOL_FULL:-}" ] || res+=('(?:a?a?){4}b')
	for re in "${res[@]}"; do
		for f in "$T/f" "$T/a"; do
			run --separate-stderr timeout 30 mmtool grep -c -E "$re" "$f"
			if [ "$status" -ne 0 ]; then
				assert_equal "$status" 2
				[[ "$stderr" == "mmtool: grep: $f: pattern too complex: "* ]]
			fi
		done
	done
	run -2 --separate-stderr timeout 30 mmtool grep -c -E '(a+)+b' "$T/f"
}

@test "grep -E: starts that need many steps but fit the budget match as python re does" {
	python3 -c 'import random, sys; r = random.Random(7); open(sys.argv[1], "wb").write(b"".join(b"a" * r.randint(0, 10) + r.choice([b"b", b"c", b"cb", b"x"]) for _ in range(8000)))' "$T/f"
	local res=('(a+)+b' '(?<=c)(a+)+b' '(a|a)+c' 'a{3}(a+)+x') n
	py_re_each "$T/f" "${res[@]}"
	for n in "${!res[@]}"; do
		run -0 mmtool grep -E "${res[n]}" "$T/f"
		assert_output "$(<"$T/re.$n")"
	done
}

@test "grep -E: everyday patterns match exactly as python re finds them" {
	python3 -c 'import random, sys; r = random.Random(3); w = [b"".join(r.choice([b"ing", b"foo", b"bar", b"qu", b"ex", b"str", b"an", b"ed"]) for _ in range(r.randint(1, 4))) for _ in range(500)]; open(sys.argv[1], "wb").write(b" ".join(r.choice(w) + (b"\n" if r.random() < 0.1 else b"") for _ in range(150000)))' "$T/f"
	local res=('[a-z]+ing' 'foo|bar' 'quex[a-z]*' 'st(?=r)' '(?<=ex)ba') n
	py_re_each "$T/f" "${res[@]}"
	for n in "${!res[@]}"; do
		run mmtool grep -E "${res[n]}" "$T/f"
		assert_output "$(<"$T/re.$n")"
	done
}

@test "replace -E: a catastrophic pattern stops with pattern too complex, file untouched" {
	runs "$T/f" 200000 22
	local before
	before=$(sha256sum < "$T/f")
	run -2 --separate-stderr timeout 20 mmtool replace -E '(a+)+b' X "$T/f"
	[[ "$stderr" == "mmtool: replace: $T/f: pattern too complex: "*"; nothing was written" ]]
	assert_equal "$(sha256sum < "$T/f")" "$before"
}

@test "replace -E: starts that need many steps still replace as python re.sub does" {
	python3 -c 'import random, sys; r = random.Random(9); open(sys.argv[1], "wb").write(b"".join(b"a" * r.randint(0, 10) + r.choice([b"b", b"c", b"x"]) for _ in range(20000)))' "$T/f"
	python3 -c 'import re, sys; b = open(sys.argv[1], "rb").read(); open(sys.argv[2], "wb").write(re.sub(rb"a{4}(a+)+b", lambda m: b"XXXX" + b"Y" * (len(m.group()) - 4), b))' "$T/f" "$T/want"
	run -0 --separate-stderr mmtool replace -E --pad Y 'a{4}(a+)+b' XXXX "$T/f"
	cmp "$T/f" "$T/want"
}

@test "grep -E: repeats of one byte over a 1 MiB run end in seconds, or with pattern too complex" {
	{ head -c 1048576 /dev/zero | tr '\0' a; printf cx; } > "$T/a"
	local res=('a*a*x' '(?=a*b)' '(a*)*cc' '(?=a*)a' '(*pla:a*)a' '(a*)\1x') re
	# Under make check-full, more of the same kinds: each runs to the limit.
	[ -z "${MMTOOL_FULL:-}" ] || res+=('a*a*a*b' '\w*\w*y' '(?:a+x)+c')
	for re in "${res[@]}"; do
		run --separate-stderr timeout 30 mmtool grep -c -E "$re" "$T/a"
		assert_equal "$status" 2
		[[ "$stderr" == "mmtool: grep: $T/a: pattern too complex: "* ]]
	done
}

# python's re takes time quadratic in the run here: GNU grep -P is the oracle.
@test "grep -E: one repeat over a 1 MiB run still matches as grep -P does" {
	{ head -c 1048576 /dev/zero | tr '\0' a; printf cx; head -c 300000 /dev/zero | tr '\0' a; printf x; } > "$T/a"
	for re in 'a*x' 'a+x' '[ab]a*x' 'a*+x' '(?>a*)x' 'c(?=x)' 'a{5}(?!a)'; do
		run -0 --separate-stderr timeout 30 mmtool grep -E "$re" "$T/a"
		assert_output "$(grep -obaP "$re" "$T/a" | cut -d: -f1)"
	done
}

@test "grep -E: back references, lookaheads and repeated groups match as python re does" {
	python3 -c 'import random, sys; r = random.Random(5); open(sys.argv[1], "wb").write(bytes(r.choice(b"abc ") for _ in range(200000)))' "$T/f"
	local res=('(ab)\1' '([abc])\1\1' '(?P<w>[ab]+) (?P=w)' 'a(?=bc)' 'b(?!a)c' '(?:[ab]+ )+c' '([ab]c?)+ ') n
	py_re_each "$T/f" "${res[@]}"
	for n in "${!res[@]}"; do
		run -0 mmtool grep -E "${res[n]}" "$T/f"
		assert_output "$(<"$T/re.$n")"
	done
}

@test "grep -E: patterns that begin with literal bytes match as python re does, across chunk and range seams, with -i" {
	# src/search.c finds the literal start with the vector search and tries
	# PCRE2 only there.  Random bytes, with the literal and near misses
	# planted everywhere and astride every 2 MiB range and 4 MiB read.
	python3 - "$T/f" <<'PY'
import random, sys
r = random.Random(11)
b = bytearray(r.randbytes(5 << 20))
words = [b'Xq7#Zk', b'Xq#Zk', b'Xq77#Zq', b'XQ7#zK', b'xq7#ZK', b'Xq', b'ab.cccd', b'AB.Cd', b'ab.d']
for _ in range(100000):
    w = r.choice(words)
    o = r.randrange(len(b) - len(w))
    b[o:o + len(w)] = w
for seam in range(1 << 20, len(b), 1 << 20):
    for back in range(1, 8):
        w = r.choice(words)
        b[seam - back:seam - back + len(w)] = w
open(sys.argv[1], 'wb').write(b)
PY
	local res=('Xq.#Z[a-z]' 'Xq7?#Z' 'Xq7+#' 'ab\.c+d' '\#Zk' 'Xq7#' '(?i)xq7#zk' '(?i)ab\.C*d') n
	py_re_each "$T/f" "${res[@]}"
	for n in "${!res[@]}"; do
		[ -s "$T/re.$n" ]
		run -0 mmtool grep -j 3 -E "${res[n]}" "$T/f"
		assert_output "$(<"$T/re.$n")"
	done
	run -0 mmtool grep -j 1 -E "${res[0]}" "$T/f"
	assert_output "$(<"$T/re.0")"
	# -i as the option, not in the pattern.
	run -0 mmtool grep -i -E 'xq7#zk' "$T/f"
	assert_output "$(<"$T/re.6")"
}

@test "grep -E: a literal start cut by the end of a pipe's read is found whole in the next" {
	# Each pause ends a read(2) with the first 1, 2 or 3 bytes of Xq7#.
	python3 - > "$T/want" <<'PY'
parts = [b'A' * 1000 + b'X', b'q7#Zk' + b'A' * 1000 + b'Xq', b'7#Zk' + b'A' * 1000 + b'Xq7', b'#Zk!']
data = b''.join(parts)
import re
print('\n'.join(str(m.start()) for m in re.finditer(rb'Xq7#Z', data)))
PY
	run -0 mmtool grep -E 'Xq7#Z' - < <(python3 -c '
import sys, time
parts = [b"A" * 1000 + b"X", b"q7#Zk" + b"A" * 1000 + b"Xq", b"7#Zk" + b"A" * 1000 + b"Xq7", b"#Zk!"]
for p in parts:
    sys.stdout.buffer.write(p)
    sys.stdout.flush()
    time.sleep(0.2)')
	assert_output "$(<"$T/want")"
	assert_equal "${#lines[@]}" 3
}
