# cmp beside GNU cmp, replace beside sed -i and bbe (sourced by bench/run).
#
# cmp: two identical hot 256 MiB files, written in one piece and in 64 KiB
# pieces; files differing in 100,000 scattered bytes (cmp -l | wc -l is
# what a user counts them with); two 4 GiB sparse files with 1 MiB of data
# each (GNU cmp reads the holes).
cr_a=$BENCH_DIR/cmp-a
cr_b=$BENCH_DIR/cmp-b
head -c 256M /dev/urandom > "$cr_a"
cp "$cr_a" "$cr_b"
bench_compare "cmp -s, identical 256 MiB files written in one piece, vs cmp -s" 10 \
	"$MMTOOL cmp -s $cr_a $cr_b" \
	"cmp -s $cr_a $cr_b"
# Both are read by default (mmtool(1)); the same comparison mapped.
bench_compare "cmp -s --mmap, identical 256 MiB files written in one piece, mapped" 10 \
	"$MMTOOL cmp -s --mmap $cr_a $cr_b" \
	"cmp -s $cr_a $cr_b"
python3 - "$cr_a" "$cr_b" <<'PY'
import sys
src = open(sys.argv[1], 'rb').read()
for path in sys.argv[1:]:
    with open(path, 'wb') as f:
        for i in range(0, len(src), 65536):
            f.write(src[i:i + 65536])
            f.flush()
PY
cat "$cr_a" "$cr_b" > /dev/null
bench_compare "cmp -s, identical 256 MiB files written in 64 KiB pieces, vs cmp -s" 10 \
	"$MMTOOL cmp -s $cr_a $cr_b" \
	"cmp -s $cr_a $cr_b"
bench_compare "cmp -s --mmap, identical 256 MiB files written in 64 KiB pieces, mapped" 10 \
	"$MMTOOL cmp -s --mmap $cr_a $cr_b" \
	"cmp -s $cr_a $cr_b"
python3 - "$cr_b" <<'PY'
import mmap, random, sys
r = random.Random(4)
with open(sys.argv[1], 'r+b') as f, mmap.mmap(f.fileno(), 0) as m:
    for o in r.sample(range(len(m)), 100000):
        m[o] = m[o] ^ 0xff
PY
# Both exit 1 (the files differ), which hyperfine takes for a failure.
bench_pipe_compare "cmp -c, 100,000 scattered differing bytes in 256 MiB, vs cmp -l | wc -l" 10 \
	"sh -c '$MMTOOL cmp -c $cr_a $cr_b; true'" \
	"sh -c 'cmp -l $cr_a $cr_b | wc -l'"
rm -f "$cr_a" "$cr_b"
truncate -s 4G "$cr_a" "$cr_b"
head -c 1M /dev/urandom > "$BENCH_DIR/cmp-data"
dd if="$BENCH_DIR/cmp-data" of="$cr_a" bs=1M seek=2000 conv=notrunc status=none
dd if="$BENCH_DIR/cmp-data" of="$cr_b" bs=1M seek=2000 conv=notrunc status=none
bench_compare "cmp, two 4 GiB sparse files with 1 MiB of data each, vs cmp" 3 \
	"$MMTOOL cmp $cr_a $cr_b" \
	"cmp $cr_a $cr_b"
rm -f "$cr_a" "$cr_b" "$BENCH_DIR/cmp-data"

# replace: a 19-byte path at 1,000 places in 256 MiB.  Each tool replaces
# the path with itself, so every run finds and writes the same 1,000
# places (sed -i rewrites the whole file, bbe writes a new one).
cr_f=$BENCH_DIR/replace-256m
cr_path=/opt/old/lib/libx.so
python3 - "$cr_f" "$cr_path" <<'PY'
import os, random, sys
path, lit = sys.argv[1], sys.argv[2].encode()
n = 256 << 20
r = random.Random(2)
b = bytearray(os.urandom(n))
for o in r.sample(range(0, n - 64, 64), 1000):
    b[o:o + len(lit)] = lit
open(path, 'wb').write(b)
PY
bench_compare "replace a 19-byte path at 1,000 places in 256 MiB, vs sed -i and bbe" 10 \
	"$MMTOOL replace $cr_path $cr_path $cr_f" \
	"env LC_ALL=C sed -i s,$cr_path,$cr_path,g $cr_f" \
	"bbe -e s,$cr_path,$cr_path, -o $BENCH_DIR/replace-out $cr_f"
rm -f "$cr_f" "$BENCH_DIR/replace-out"
