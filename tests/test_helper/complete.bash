# Drive the shells' completion for real (loaded by tests/completions.bats and
# tests/docs.bats).  Each function takes a command line as typed, with the
# cursor at its end, and prints the candidates one a line, sorted.

COMPLETIONS=$BATS_TEST_DIRNAME/../completions

# bash: split LINE as readline does (blanks, then '=' and ':' as words of
# their own), set COMP_WORDS, COMP_CWORD, COMP_LINE and COMP_POINT, and
# call the function that `complete -p mmtool` names.  MODE "alone" loads
# only our file; "bash-completion" loads bash-completion first.
complete_bash() {
	local line=$1 mode=${2:-alone}
	bash --norc --noprofile -c '
		if [[ $1 == bash-completion ]]; then
			. /usr/share/bash-completion/bash_completion || exit 3
		fi
		. "$2/mmtool.bash" || exit 3
		line=$3
		COMP_WORDS=()
		read -ra parts <<<"$line"
		for p in "${parts[@]}"; do
			while [[ $p =~ ^([^=:]*)([=:]+)(.*)$ ]]; do
				[[ -n ${BASH_REMATCH[1]} ]] && COMP_WORDS+=("${BASH_REMATCH[1]}")
				COMP_WORDS+=("${BASH_REMATCH[2]}")
				p=${BASH_REMATCH[3]}
			done
			[[ -n $p ]] && COMP_WORDS+=("$p")
		done
		[[ $line == *[[:space:]] ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE=$line
		COMP_POINT=${#line}
		spec=$(complete -p mmtool) || exit 4
		[[ $spec =~ -F\ ([^ ]+) ]] || exit 5
		"${BASH_REMATCH[1]}" mmtool "${COMP_WORDS[COMP_CWORD]}" \
			"${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}"
	' complete_bash "$mode" "$COMPLETIONS" "$line" | sed '/^$/d' | LC_ALL=C sort
}

# fish: load our file by fish's own autoloading from fish_complete_path
# and ask `complete -C`.  Prints the candidates without descriptions.
# fish autoloads only for a command on PATH: a stand-in is put there, so
# that a binary being rebuilt meanwhile cannot make fish fall back to
# plain file names.
complete_fish() {
	local bin=${BATS_FILE_TMPDIR:-$BATS_TEST_TMPDIR}/fishbin
	[[ -x $bin/mmtool ]] || { mkdir -p "$bin" && ln -sf /bin/true "$bin/mmtool"; }
	PATH=$bin:$PATH fish --no-config -c \
		'set fish_complete_path $argv[1]; complete -C $argv[2]' \
		"$COMPLETIONS" "$1" | cut -f1 | LC_ALL=C sort
}

# zsh: start an interactive zsh on a pseudo-terminal (zpty), load our file
# by compinit from fpath, run the zsh code STYLES (zstyle settings, as a
# user's .zshrc has them), type LINE and TAB, and record every match that
# compadd is given.  What the completion wrote on stderr is passed on to
# stderr.  The compinit dump is kept for the whole test file.
complete_zsh() {
	local dir=${BATS_FILE_TMPDIR:-$BATS_TEST_TMPDIR}/zsh.$$.$RANDOM
	mkdir -p "$dir"
	printf '%s\n' "${2:-}" >"$dir/styles.zsh"
	# Sourced by the interactive zsh (typed text would trip over TABs).
	cat >"$dir/init.zsh" <<-'EOF'
		PS1= PROMPT= RPROMPT=
		exec 2>>$MMTOOL_ZOUT/stderr
		fpath=($MMTOOL_COMPLETIONS $fpath)
		autoload -Uz compinit
		compinit -u -C -d $MMTOOL_ZDUMP
		zstyle ':completion:*' insert-tab false
		. $MMTOOL_ZOUT/styles.zsh
		bindkey '^I' complete-word
		# Record what is offered; -O, -A and -D only ask, so pass them on.
		compadd() {
			if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
				builtin compadd "$@"
				return
			fi
			local -a __mmtool_hits
			builtin compadd -A __mmtool_hits "$@"
			(( $#__mmtool_hits )) &&
				print -rl -- $__mmtool_hits >> $MMTOOL_ZOUT/hits
			builtin compadd "$@"
		}
		__mmtool_done() { : >> $MMTOOL_ZOUT/done }
		comppostfuncs=(__mmtool_done)
	EOF
	MMTOOL_COMPLETIONS=$COMPLETIONS MMTOOL_ZOUT=$dir \
	MMTOOL_ZDUMP=${BATS_FILE_TMPDIR:-$BATS_TEST_TMPDIR}/zcompdump \
	zsh -f -c '
		zmodload zsh/zpty || exit 3
		zpty z TERM=dumb zsh -f -i
		zpty -w z ". ${(q)MMTOOL_ZOUT}/init.zsh"
		zpty -w -n z "$1"
		for i in {1..1500}; do [[ -e $MMTOOL_ZOUT/done ]] && break; sleep 0.02; done
		zpty -d z
		[[ -s $MMTOOL_ZOUT/stderr ]] && cat $MMTOOL_ZOUT/stderr >&2
		[[ -e $MMTOOL_ZOUT/done ]] || { print -u2 "zsh: the completion did not finish"; exit 4; }
		[[ -e $MMTOOL_ZOUT/hits ]] && cat $MMTOOL_ZOUT/hits
		exit 0
	' complete_zsh "$1"$'\t' | LC_ALL=C sort -u
}

# The options in a popt --help text on stdin ("-f" and "--format" from
# "  -f, --format=FMT  ..."), one a line, sorted.
help_opts() {
	local l
	while IFS= read -r l; do
		[[ $l =~ ^[[:space:]]+(-[^-[:space:]],[[:space:]]+)?(--[a-z0-9][a-z0-9-]*) ]] || continue
		[[ -n ${BASH_REMATCH[1]} ]] && printf '%s\n' "${BASH_REMATCH[1]%%,*}"
		printf '%s\n' "${BASH_REMATCH[2]}"
	done | LC_ALL=C sort -u
}

# The options listed (.It Fl ...) in the DESCRIPTION of the man page,
# under the subsection named $1 ("" for those before the first one).
man_opts() {
	awk -v want="$1" '
		/^\.Sh / { insec = ($0 == ".Sh DESCRIPTION"); ss = ""; next }
		!insec { next }
		/^\.Ss / { ss = $2; next }
		/^\.It / && ss == want {
			n = split($0, w, " ")
			for (i = 1; i < n; i++) {
				if (w[i] != "Fl")
					continue
				o = w[i + 1]
				gsub(/\\&/, "", o)
				if (o ~ /^\\-/) {
					gsub(/\\-/, "-", o)
					print "-" o
				} else {
					print "-" substr(o, 1, 1)
				}
			}
		}
	' "$BATS_TEST_DIRNAME/../man/mmtool.1" | LC_ALL=C sort -u
}

# The options the SYNOPSIS of the man page shows for command $1 ("" for
# mmtool alone): letters of "Fl auv" one by one, and "Fl \-long".
synopsis_opts() {
	awk -v want="$1" '
		/^\.Sh / { insec = ($0 == ".Sh SYNOPSIS"); next }
		!insec { next }
		/^\.Nm/ { cmd = ""; next }
		/^\.Cm / && cmd == "" { cmd = $2; next }
		cmd == want {
			n = split($0, w, " ")
			sub(/^\./, "", w[1])
			for (i = 1; i < n; i++) {
				if (w[i] != "Fl")
					continue
				o = w[i + 1]
				gsub(/\\&/, "", o)
				if (o ~ /^\\-/) {
					gsub(/\\-/, "-", o)
					print "-" o
				} else {
					for (j = 1; j <= length(o); j++)
						print "-" substr(o, j, 1)
				}
			}
		}
	' "$BATS_TEST_DIRNAME/../man/mmtool.1" | LC_ALL=C sort -u
}

# From a popt --help text on stdin: what a SYNOPSIS shows, the short
# options and the long options that have none, without popt's own.
help_synopsis_opts() {
	local l
	while IFS= read -r l; do
		[[ $l =~ ^[[:space:]]+(-[^-[:space:]],[[:space:]]+)?(--[a-z0-9][a-z0-9-]*) ]] || continue
		if [[ -n ${BASH_REMATCH[1]} ]]; then
			printf '%s\n' "${BASH_REMATCH[1]%%,*}"
		else
			printf '%s\n' "${BASH_REMATCH[2]}"
		fi
	done | grep -vx -e '-?' -e --usage | LC_ALL=C sort -u
}
