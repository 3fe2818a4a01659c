# mmtool grep beside ripgrep and GNU grep (sourced by bench/run).
#
# The file: 256 MiB of random bytes with 1,000 copies of the 6-byte literal
# Xq7#Zk planted, read once so the page cache is hot.  Ratios above 1 mean
# mmtool is faster.  GNU grep, when its output is /dev/null, stops at the
# first match (it knows nothing will be read), so it is timed with its
# output going to a pipe, and so is everything beside it.

grep_file=$BENCH_DIR/grep-256m.bin
grep_lit='Xq7#Zk'
python3 - "$grep_file" "$grep_lit" <<'PY'
import os, random, sys
path, lit = sys.argv[1], sys.argv[2].encode()
n = 256 << 20
rnd = random.Random(1)
b = bytearray(os.urandom(n))
for _ in range(1000):
    o = rnd.randrange(0, n - len(lit))
    b[o:o + len(lit)] = lit
open(path, 'wb').write(b)
PY
cat "$grep_file" > /dev/null
cc -O2 -o "$BENCH_DIR/sum64" "$(dirname "${BASH_SOURCE[0]}")/sum64.c"

echo "file: 256 MiB random, $("$MMTOOL" grep -c "$grep_lit" "$grep_file") matches of $grep_lit"

bench_compare "grep: offsets of a literal (output to /dev/null)" 30 \
	"$MMTOOL grep $grep_lit $grep_file" \
	"rg -boa -o -F $grep_lit $grep_file"

bench_pipe_compare "grep: offsets of a literal (output to a pipe)" 30 \
	"$MMTOOL grep $grep_lit $grep_file" \
	"rg -boa -o -F $grep_lit $grep_file" \
	"grep -boaF $grep_lit $grep_file"

bench_compare "grep -c: count a literal" 30 \
	"$MMTOOL grep -c $grep_lit $grep_file" \
	"rg -c -a -F --count-matches $grep_lit $grep_file"
# The file is read by default (mmtool(1)); the same count mapped.
bench_compare "grep -c --mmap: count a literal, mapping the file" 30 \
	"$MMTOOL grep -c --mmap $grep_lit $grep_file" \
	"rg -c -a -F --count-matches $grep_lit $grep_file"

# The same bytes with the third a wildcard: 58 71 ?? 23 5a 6b.
bench_compare "grep -x: hex with a ?? wildcard, rg with the same as a (?-u) byte regex" 30 \
	"$MMTOOL grep -x 5871??235a6b $grep_file" \
	"rg -boa -o '(?s-u)\\x58\\x71.\\x23\\x5a\\x6b' $grep_file"

bench_pipe_compare "grep -E: a PCRE2 regex (output to a pipe)" 20 \
	"$MMTOOL grep -E Xq.#Z[a-z] $grep_file" \
	"rg -boa -o Xq.#Z[a-z] $grep_file" \
	"grep -aboP Xq.#Z[a-z] $grep_file"

# The ceiling: a program that maps the file and adds up its 64-bit words.
grep_json=$(mktemp)
hyperfine -N --style none --warmup 3 --runs 30 --export-json "$grep_json" \
	"$BENCH_DIR/sum64 $grep_file" "$MMTOOL grep $grep_lit $grep_file" >/dev/null 2>&1 &&
python3 - "$grep_json" "$grep_file" <<'PY'
import json, os, sys
res = json.load(open(sys.argv[1]))["results"]
size = os.path.getsize(sys.argv[2])
ceil, ours = res[0]["median"], res[1]["median"]
print("grep vs the memory ceiling (sum64: map the file, add its 64-bit words)")
print(f"  sum64 {size / ceil / 1e9:6.2f} GB/s   mmtool grep {size / ours / 1e9:6.2f} GB/s"
      f"   = {ceil / ours:.2f} of the ceiling")
PY

# The same bytes written the way most tools write (64 KiB at a time): the
# page cache then holds 4 KiB folios, not the 2 MiB ones a single write
# leaves, and a mapping of them is slow to touch on some VMs (rg maps a
# single file, and so does mmtool: a named file of 16 MiB or more).
grep_small=$grep_file.small
dd if="$grep_file" of="$grep_small" bs=64K status=none
cat "$grep_small" > /dev/null
bench_compare "grep: offsets of a literal, file written in 64 KiB pieces" 20 \
	"$MMTOOL grep $grep_lit $grep_small" \
	"rg -boa -o -F $grep_lit $grep_small"
bench_compare "grep -c: count a literal, file written in 64 KiB pieces" 20 \
	"$MMTOOL grep -c $grep_lit $grep_small" \
	"rg -c -a -F --count-matches $grep_lit $grep_small"
bench_compare "grep -c --mmap: count a literal, file written in 64 KiB pieces, mapped" 20 \
	"$MMTOOL grep -c --mmap $grep_lit $grep_small" \
	"rg -c -a -F --count-matches $grep_lit $grep_small"
bench_compare "grep -x: hex with a ?? wildcard, file written in 64 KiB pieces" 20 \
	"$MMTOOL grep -x 5871??235a6b $grep_small" \
	"rg -boa -o '(?s-u)\\x58\\x71.\\x23\\x5a\\x6b' $grep_small"
rm -f "$grep_json" "$grep_file" "$grep_small"

# A sparse 1 GiB file (a disk image, say) with the literal in three pieces
# of data: mmtool skips ranges that are all hole, rg reads the zeros
# (from the page cache after its first run).
grep_sparse=$BENCH_DIR/grep-sparse
truncate -s 1G "$grep_sparse"
for at in 1000000 500000000 1000000000; do
	printf '%s' "$grep_lit" | dd of="$grep_sparse" bs=1 seek="$at" conv=notrunc status=none
done
bench_compare "grep -c: a 1 GiB sparse file with three pieces of data" 5 \
	"$MMTOOL grep -c $grep_lit $grep_sparse" \
	"rg -c -a -F --count-matches $grep_lit $grep_sparse"
rm -f "$grep_sparse"

# A tree of thousands of real files, read twice first so the cache is hot.
# The per-file counts must agree (rg leaves out files with none).
grep_tree=/usr/lib/x86_64-linux-gnu
if [ -d "$grep_tree" ]; then
	cat $(find "$grep_tree" -type f) > /dev/null 2>&1
	if cmp -s <("$MMTOOL" grep -r -c GLIBC_2. "$grep_tree" | grep -v ':0$' | sort) \
		<(rg -uuu -a -c --count-matches -F GLIBC_2. "$grep_tree" | sort); then
		echo "tree: $(find "$grep_tree" -type f | wc -l) files, the same counts from both"
		bench_compare "grep -r -c: a literal over $grep_tree" 20 \
			"$MMTOOL grep -r -c GLIBC_2. $grep_tree" \
			"rg -uuu -a -c --count-matches -F GLIBC_2. $grep_tree"
	else
		echo "grep -r -c over $grep_tree: the counts differ from rg's"
	fi
fi
