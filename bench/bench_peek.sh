# peek beside xxd, hexdump -C, xxd -p and cat, on a hot 32 MiB random file.
f=$BENCH_DIR/peek32m
head -c 32M /dev/urandom > "$f"
cat "$f" > /dev/null
bench_compare "peek (xxd format) vs xxd, 32 MiB" 5 \
	"$MMTOOL peek $f" "xxd $f"
bench_compare "peek -f canonical vs hexdump -C, 32 MiB" 3 \
	"$MMTOOL peek -f canonical $f" "hexdump -C $f"
bench_compare "peek -f hex vs xxd -p, 32 MiB" 5 \
	"$MMTOOL peek -f hex $f" "xxd -p $f"
bench_pipe_compare "peek --raw vs cat, into a pipe, 32 MiB" 20 \
	"$MMTOOL peek --raw $f" "cat $f"
bench_compare "start-up: peek FILE 0 16 vs xxd -l 16 (300 runs)" 300 \
	"$MMTOOL peek $f 0 16" "xxd -l 16 $f"
