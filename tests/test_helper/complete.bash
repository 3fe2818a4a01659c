# Drive the shells' completion for real (loaded by tests/completions.bats and
# tests/docs.bats).  Each function takes a command line as typed, with the
# cursor at its end, and prints the candidates one a line, sorted.

COMPLETIONS=$BATS_TEST_DIRNAME/../completions

# Each driver takes command lines as typed, with the cursor at the end of
# each, asks its shell for all of them in one process, and prints each
# line's candidates followed by a line holding only $OFFERS_END.
OFFERS_END=$'\x1f'

# bash: split LINE as readline does (blanks, then '=' and ':' as words of
# their own), set COMP_WORDS, COMP_CWORD, COMP_LINE and COMP_POINT, and
# call the function that `complete -p mmtool` names.  MODE "alone" loads
# only our file; "bash-completion" loads bash-completion first.
complete_bash_many() {
	local mode=$1
	shift
	bash --norc --noprofile -c '
		if [[ $1 == bash-completion ]]; then
			. /usr/share/bash-completion/bash_completion || exit 3
		fi
		. "$2/mmtool.bash" || exit 3
		end=$3
		shift 3
		spec=$(complete -p mmtool) || exit 4
		[[ $spec =~ -F\ ([^ ]+) ]] || exit 5
		func=${BASH_REMATCH[1]}
		for line; do
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
			COMPREPLY=()
			"$func" mmtool "${COMP_WORDS[COMP_CWORD]}" \
				"${COMP_WORDS[COMP_CWORD-1]}"
			printf "%s\n" "${COMPREPLY[@]}" "$end"
		done
	' complete_bash "$mode" "$COMPLETIONS" "$OFFERS_END" "$@" | sed '/^$/d'
}

# One line's candidates, sorted, from a *_many driver.
complete_one() {
	"$@" | sed "/^$OFFERS_END\$/d" | LC_ALL=C sort
}

complete_bash() { complete_one complete_bash_many "${2:-alone}" "$1"; }

# fish: load our file by fish's own autoloading from fish_complete_path
# and ask `complete -C`.  Prints the candidates without descriptions.
# fish autoloads only for a command on PATH: a stand-in is put there, so
# that a binary being rebuilt meanwhile cannot make fish fall back to
# plain file names.
complete_fish_many() {
	local bin=${BATS_FILE_TMPDIR:-$BATS_TEST_TMPDIR}/fishbin
	[[ -x $bin/mmtool ]] || { mkdir -p "$bin" && ln -sf /bin/true "$bin/mmtool"; }
	PATH=$bin:$PATH fish --no-config -c \
		'set fish_complete_path $argv[1]
		for line in $argv[3..-1]; complete -C $line; echo $argv[2]; end' \
		"$COMPLETIONS" "$OFFERS_END" "$@" | cut -f1
}

complete_fish() { complete_one complete_fish_many "$1"; }

# zsh: start an interactive zsh on a pseudo-terminal (zpty), load our file
# by compinit from fpath, run the zsh code STYLES (zstyle settings, as a
# user's .zshrc has them), then for each line type it and TAB, and record
# every match that compadd is given.  What the
# completion wrote on stderr is passed on to stderr.  The compinit dump is
# kept for the whole test file.
complete_zsh_many() {
	local dir=${BATS_FILE_TMPDIR:-$BATS_TEST_TMPDIR}/zsh.$$.$RANDOM
	mkdir -p "$dir"
	mkfifo "$dir/done"
	printf '%s\n' "$1" >"$dir/styles.zsh"
	shift
	# Sourced by the interactive zsh (typed text would trip over TABs).
	cat >"$dir/init.zsh" <<-'EOF'
		PS1= PROMPT= RPROMPT=
		exec 2>>$MMTOOL_ZOUT/stderr
		fpath=($MMTOOL_COMPLETIONS $fpath)
		autoload -Uz compinit
		compinit -u -C -d $MMTOOL_ZDUMP
		zstyle ':completion:*' insert-tab false
		. $MMTOOL_ZOUT/styles.zsh
		# No listing: a long one would ask before showing itself and take
		# the next line's first key as its answer.
		unsetopt auto_list auto_menu list_ambiguous
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
		# TAB completes, ends the line's record and empties the line.
		__mmtool_tab() {
			zle complete-word
			print -r -- $MMTOOL_OFFERS_END >> $MMTOOL_ZOUT/hits
			print done >> $MMTOOL_ZOUT/done
			BUFFER= CURSOR=0
		}
		zle -N __mmtool_tab
		bindkey '^I' __mmtool_tab
	EOF
	MMTOOL_COMPLETIONS=$COMPLETIONS MMTOOL_ZOUT=$dir MMTOOL_OFFERS_END=$OFFERS_END \
	MMTOOL_ZDUMP=${BATS_FILE_TMPDIR:-$BATS_TEST_TMPDIR}/zcompdump \
	zsh -f -c '
		zmodload zsh/zpty || exit 3
		# The widget writes a line to the fifo "done" after each TAB; held
		# open here for reading and writing, so that neither side blocks
		# in open and each wait is one read (no polling, no sleep forks).
		exec {fd}<>$MMTOOL_ZOUT/done
		zpty z TERM=dumb zsh -f -i
		zpty -w z ". ${(q)MMTOOL_ZOUT}/init.zsh"
		integer n=0 ok=1
		local ack
		for line; do
			(( n++ ))
			zpty -w -n z "$line"$'\''\t'\''
			read -t 30 -u $fd ack || { ok=0; break; }
		done
		zpty -d z
		[[ -s $MMTOOL_ZOUT/stderr ]] && cat $MMTOOL_ZOUT/stderr >&2
		(( ok )) || { print -u2 "zsh: the completion of line $n did not finish"; exit 4; }
		[[ -e $MMTOOL_ZOUT/hits ]] && cat $MMTOOL_ZOUT/hits
		exit 0
	' complete_zsh "$@"
}

complete_zsh() { complete_one complete_zsh_many "${2:-}" "$1" | LC_ALL=C sort -u; }

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
