# Loaded by every test file: bats-support and bats-assert from Debian, and
# an `mmtool` on PATH (tests/run puts the build, or a wrapper, there).
_common_setup() {
	load '/usr/lib/bats/bats-support/load'
	load '/usr/lib/bats/bats-assert/load'
	if ! command -v mmtool >/dev/null; then
		PATH="$BATS_TEST_DIRNAME/../build/release:$PATH"
	fi
	T=$BATS_TEST_TMPDIR
}

# sha256 of a file, to show that a failed command left it untouched.
sum() { sha256sum "$1" | cut -d' ' -f1; }

# A file of N random bytes (reproducible per name within one test).
randfile() { head -c "$2" /dev/urandom > "$1"; }

# True when running under ASan (it cannot work with a small ulimit -v).
under_sanitizer() { nm -D "$MMTOOL" 2>/dev/null | grep -q __asan_init || nm "$MMTOOL" 2>/dev/null | grep -q __asan_init; }
