# flush and info (sourced by bench/run, with lib.sh loaded).
#
# info over 1,000 small files of mixed types against file(1) over the same
# files; flush of a clean 256 MiB file against sync(1); the page cache of a
# 4 GiB file and of /usr/share/doc against vmtouch and fincore.

info_dir=$BENCH_DIR/info-files
mkdir -p "$info_dir"
python3 - "$info_dir" "$(command -v ls)" <<'PY'
import gzip, os, random, struct, sys, zlib
d, elf = sys.argv[1], open(sys.argv[2], 'rb').read()
rnd = random.Random(5)
words = 'page cache mapping offset extent hole durable flush magic type'.split()
def png(w, h):
    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
    raw = b''.join(b'\0' + bytes(rnd.randrange(256) for _ in range(3 * w)) for _ in range(h))
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0))
            + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
def text(n):
    return (' '.join(rnd.choice(words) for _ in range(n)) + '\n').encode()
makers = [
    lambda: text(rnd.randrange(10, 2000)),
    lambda: b'#!/bin/sh\n' + text(rnd.randrange(5, 200)),
    lambda: ('{"n": %d, "words": "%s"}\n' % (rnd.randrange(1000), text(20).decode().strip())).encode(),
    lambda: gzip.compress(text(rnd.randrange(50, 500)), mtime=0),
    lambda: png(rnd.randrange(1, 32), rnd.randrange(1, 32)),
    lambda: elf[:rnd.randrange(4096, 16384)],
    lambda: bytes(rnd.randrange(256) for _ in range(rnd.randrange(100, 8192))),
    lambda: ('caf\u00e9 ' * rnd.randrange(10, 500)).encode(),
]
for i in range(1000):
    open(os.path.join(d, 'f%04d' % i), 'wb').write(makers[i % len(makers)]())
PY
# Written back first: info's SEEK_DATA waits on pages under writeback.
sync

# Both sides get the same shell, which expands the same glob: the names
# then stay out of the printed command lines.
files="$info_dir/f*"

bench_compare "info, 1,000 small files (all fields)" 10 \
	"sh -c 'exec $MMTOOL info $files'" "sh -c 'exec file $files'"
bench_compare "info -b, 1,000 small files" 10 \
	"sh -c 'exec $MMTOOL info -b $files'" "sh -c 'exec file -b $files'"
bench_compare "info --mime, 1,000 small files" 10 \
	"sh -c 'exec $MMTOOL info --mime $files'" "sh -c 'exec file -b --mime-type $files'"
bench_compare "info --json, 1,000 small files (file --mime: one pass for MIME type and encoding)" 10 \
	"sh -c 'exec $MMTOOL info --json $files'" "sh -c 'exec file $files'" \
	"sh -c 'exec file --mime $files'"

flush_file=$BENCH_DIR/flush-256M
head -c 256M /dev/urandom > "$flush_file"
sync "$flush_file"
bench_compare "flush, a clean 256 MiB file" 200 \
	"$MMTOOL flush $flush_file" "sync $flush_file"
bench_compare "flush --data, a clean 256 MiB file" 200 \
	"$MMTOOL flush --data $flush_file" "sync -d $flush_file"

# The page cache of a 4 GiB file, half resident: info --cache (one
# cachestat call) against vmtouch and fincore (mincore over every page).
# flush --load reads whole 2 MiB folios, as a sequential reader's
# readahead does; cachestat's walk is by folio, mincore's by page.
big=$BENCH_DIR/big-4G
head -c 4G /dev/zero | tr '\0' x > "$big"
sync "$big"
$MMTOOL flush --drop "$big"
$MMTOOL flush --load --range 0+2G "$big"
bench_compare "info --cache, a 4 GiB file half resident" 30 \
	"$MMTOOL info --cache $big" "vmtouch $big" "fincore $big"
# The full record, type included.  libmagic reads the last 7 MiB too,
# which are not resident: info evicts them again, file leaves them, so
# without the drop before each run every run of file but the first would
# find them cached while info reads them from disk each time.
bench_compare_prepared "info, a 4 GiB file half resident (all fields)" 10 \
	"$MMTOOL flush --drop --range 2G: $big" \
	"$MMTOOL info $big" "file $big"
# flush --load of a 4 GiB file 90% resident: each run starts from the same
# state (the last 10% evicted), so both sides read the same 410 MiB.
bench_compare_prepared "flush --load, a 4 GiB file 90% resident" 5 \
	"$MMTOOL flush --drop --range 3865470566: $big" \
	"$MMTOOL flush --load $big" "vmtouch -qt $big"
rm -f "$big"

# A real tree: the resident pages of /usr/share/doc.
bench_compare "info -r --cache over /usr/share/doc" 10 \
	"$MMTOOL info -r --cache /usr/share/doc" "vmtouch /usr/share/doc"

rm -rf "$info_dir" "$flush_file"
