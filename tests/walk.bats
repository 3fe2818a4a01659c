#!/usr/bin/env bats
# grep -r, info -r and replace -r find their files with one walk (src/walk.c):
# on one tree they name the same files, and python's os.lstat walk (py_walk),
# run as the same user, is the oracle.

setup() {
	load test_helper/common-setup
	_common_setup
}

# As user 65534, and stopped if a loop or a FIFO held it.
nobody() { timeout 20 setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

@test "walk: grep -r, info -r and replace -r visit the same files past a link loop, a closed directory and a FIFO" {
	unpriv_dir
	mkdir -p "$U/t/a/b" "$U/t/a.d" "$U/t/shut/in"
	for f in a/b/x a/y a.d/z a.txt w shut/in/q shut/r; do printf 'x NEEDLE' > "$U/t/$f"; done
	ln -s .. "$U/t/a/loop"
	ln -s ../w "$U/t/a/link"
	mkfifo "$U/t/fifo"
	chmod -R a+rwX "$U/t"
	chmod 000 "$U/t/shut"
	want=$(py_walk "$U/t" nobody | sort)
	assert_equal "$(wc -l <<< "$want")" 5

	run -2 --separate-stderr nobody mmtool grep -r -l NEEDLE "$U/t"
	assert_equal "$(sort <<< "$output")" "$want"
	assert_equal "$stderr" "mmtool: grep: $U/t/shut: Permission denied"

	run -2 --separate-stderr nobody mmtool info -r --json "$U/t"
	assert_equal "$(python3 -c '
import json, sys
for l in sys.stdin:
    o = json.loads(l)
    if o["kind"] == "info":
        print(o["file"])' <<< "$output" | sort)" "$want"
	assert_equal "$stderr" "mmtool: info: $U/t/shut: Permission denied"

	run -2 --separate-stderr nobody mmtool replace -r -c NEEDLE NEEDLX "$U/t"
	assert_equal "$(sed 's/:1$//' <<< "$output" | sort)" "$want"
	assert_equal "$stderr" "mmtool: replace: $U/t/shut: cannot read: Permission denied"
}

@test "walk: a symbolic link to a directory given on the command line is followed by all three" {
	mkdir -p "$T/t/a"
	printf 'x NEEDLE' > "$T/t/a/f"
	printf 'NEEDLE' > "$T/t/g"
	ln -s t "$T/link"
	want=$(printf '%s\n' "$T/link/a/f" "$T/link/g")
	run -0 --separate-stderr mmtool grep -r -l NEEDLE "$T/link"
	assert_output "$want"
	run -0 --separate-stderr mmtool info -r -c "$T/link"
	assert_equal "$(sed -n 's/^file: *//p' <<< "$output")" "$want"
	run -0 --separate-stderr mmtool replace -r -c NEEDLE NEEDLX "$T/link"
	assert_output "$(printf '%s:1\n' "$T/link/a/f" "$T/link/g")"
	assert_equal "$(cat "$T/t/a/f")" "x NEEDLX"
}
