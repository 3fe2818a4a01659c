#!/usr/bin/env bash
# make valgrind: a representative run of every command under valgrind
# (memcheck, full leak check); any report makes valgrind exit 99 and this
# script fail.  The bats suite is too large to run whole under valgrind.
set -u
mm=${MMTOOL:?set MMTOOL to the binary}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
vg() { valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite "$mm" "$@"; }
head -c 70000 /dev/urandom > "$dir/r"
printf 'hello needle world needle\n' > "$dir/t"
head -c 4096 /dev/zero > "$dir/z"
fails=0 runs=0
check() {
	local want=$1; shift
	runs=$((runs + 1))
	vg "$@" > "$dir/out" 2> "$dir/err" < /dev/null
	local rc=$?
	if [ "$rc" -ne "$want" ]; then
		fails=$((fails + 1))
		echo "FAIL (exit $rc, wanted $want): mmtool $*"
		head -20 "$dir/err"
	fi
}
check 0 peek "$dir/r"
check 0 peek -f canonical "$dir/r" 100 5000
check 0 peek -f hex -c 7 "$dir/r"
check 0 peek -f c -u "$dir/r" 0 300
check 0 peek -f string "$dir/r" 0 300
check 0 peek -f f64be "$dir/r" 8 800
check 0 peek -a -c 9 -g 3 "$dir/z"
check 0 peek --color=always "$dir/r" -100
check 0 peek --raw "$dir/r" 5 10
check 2 peek "$dir/r" 0x1g
check 2 peek -f nope "$dir/r"
check 0 poke "$dir/t" 0 Hello
check 0 poke -x "$dir/t" 1 '45 4c'
check 0 poke -e "$dir/t" 0 'H\x45'
check 0 poke -t u16be "$dir/t" 2 0x4c4c
check 0 poke --undo "$dir/u" -r 2 "$dir/t" 0 ab
check 0 poke --patch "$dir/u" "$dir/t"
# A 2 MB patch: read by two threads, written by the kernel copy.
head -c 500000 /dev/urandom > "$dir/big"
xxd "$dir/big" > "$dir/bigp"
check 0 poke --grow --patch "$dir/bigp" "$dir/r"
check 0 poke -i "$dir/big" "$dir/big" 0
check 0 poke -n "$dir/t" 0 zz
check 0 poke -v --grow "$dir/t" -2 'end!'
check 1 poke --expect nope "$dir/t" 0 x
check 2 poke -x "$dir/t" 0 4g
check 0 poke --create --size 8K "$dir/new"
check 0 grep needle "$dir/t"
# A large file, read and mapped.
check 0 peek -f hex "$dir/r"
check 1 grep -c -j2 needle "$dir/r"
check 1 grep -c --mmap needle "$dir/r"
check 0 grep -c -x '6e ?? 65' "$dir/t"
check 0 grep -E 'ne+d' --json "$dir/t" "$dir/r"
check 1 grep -q absent "$dir/t"
check 0 grep -C 4 -i NEEDLE "$dir/t"
check 0 flush "$dir/t"
check 0 flush --range 0:100 --data "$dir/t"
check 0 info "$dir/t" "$dir/r" "$dir/z"
check 0 info --json "$dir/t"
check 2 info "$dir/missing"
echo "valgrind: $runs runs, $fails failed"
[ "$fails" -eq 0 ]
