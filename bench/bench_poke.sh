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
rm -f "$sparse" "$big"
# A 100,000-line patch of 16 bytes a line, as xxd prints it.
target=$BENCH_DIR/patch-target
head -c 1600000 /dev/urandom > "$target"
head -c 1600000 /dev/urandom | xxd > "$BENCH_DIR/patch"
bench_compare "--patch with 100,000 lines vs xxd -r" 20 \
	"$MMTOOL poke --patch $BENCH_DIR/patch $target" \
	"xxd -r $BENCH_DIR/patch $target"
