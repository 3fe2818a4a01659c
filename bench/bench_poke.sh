# poke beside dd (a 5-byte write in place) and xxd -r (a 100,000-line patch).
five=$BENCH_DIR/five
printf 'Hello' > "$five"
big=$BENCH_DIR/poke256m
head -c 256M /dev/urandom > "$big"
bench_compare "5 bytes at 100 MiB of a 256 MiB file vs dd conv=notrunc (300 runs)" 300 \
	"$MMTOOL poke $big 104857600 Hello" \
	"dd if=$five of=$big bs=5 seek=104857600 oflag=seek_bytes conv=notrunc status=none"
small=$BENCH_DIR/poke16m
head -c 16M /dev/urandom > "$small"
bench_compare "5 bytes at 0 of a 16 MiB file vs dd (300 runs)" 300 \
	"$MMTOOL poke $small 0 Hello" \
	"dd if=$five of=$small bs=5 conv=notrunc status=none"
sparse=$BENCH_DIR/poke16g
truncate -s 16G "$sparse"
bench_compare "5 bytes at 15 GiB of a 16 GiB sparse file vs dd (300 runs)" 300 \
	"$MMTOOL poke $sparse 16106127360 Hello" \
	"dd if=$five of=$sparse bs=5 seek=16106127360 oflag=seek_bytes conv=notrunc status=none"
rm -f "$sparse"
# A 100,000-line patch of 16 bytes a line, as xxd prints it.
target=$BENCH_DIR/patch-target
head -c 1600000 /dev/urandom > "$target"
head -c 1600000 /dev/urandom | xxd > "$BENCH_DIR/patch"
bench_compare "--patch with 100,000 lines vs xxd -r" 20 \
	"$MMTOOL poke --patch $BENCH_DIR/patch $target" \
	"xxd -r $BENCH_DIR/patch $target"
# 100,000 lines of 16 bytes at random offsets of the 256 MiB file, in
# random order and sorted by offset, as xxd prints lines.
python3 - "$BENCH_DIR" <<'PY'
import random, sys
r = random.Random(13)
lines = []
for _ in range(100000):
    o = r.randrange((256 << 20) - 16)
    b = r.randbytes(16)
    h = b.hex()
    t = ''.join(chr(c) if 31 < c < 127 else '.' for c in b)
    lines.append((o, f"{o:08x}: " + ' '.join(h[i:i + 4] for i in range(0, 32, 4)) + "  " + t + "\n"))
open(sys.argv[1] + "/random.patch", "w").write(''.join(l for _, l in lines))
open(sys.argv[1] + "/sorted.patch", "w").write(''.join(l for _, l in sorted(lines)))
PY
for order in random sorted; do
	bench_compare "--patch, 100,000 lines at random offsets of 256 MiB, $order order, vs xxd -r" 5 \
		"$MMTOOL poke --patch $BENCH_DIR/$order.patch $big" \
		"xxd -r $BENCH_DIR/$order.patch $big"
done
bench_compare "-n and --undo of the random-order patch beside the apply (ratio: their time / the apply's)" 5 \
	"$MMTOOL poke --patch $BENCH_DIR/random.patch $big" \
	"$MMTOOL poke -n --patch $BENCH_DIR/random.patch $big" \
	"$MMTOOL poke --undo $BENCH_DIR/undo.patch --patch $BENCH_DIR/random.patch $big"
rm -f "$big"
