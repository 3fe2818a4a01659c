# bash completion for mmtool(1)                            -*- shell-script -*-
#
# Works on its own; uses bash-completion's _filedir for file names when that
# is loaded.  The option lists mirror each command's --help; tests/docs.bats
# fails when they drift apart.

_mmtool_commands='peek poke grep flush info cmp replace help'
_mmtool_formats='xxd bits canonical hex raw c string'
_mmtool_types='u8 u8le u8be i8 i8le i8be u16 u16le u16be i16 i16le i16be
	u32 u32le u32be i32 i32le i32be u64 u64le u64be i64 i64le i64be
	f32 f32le f32be f64 f64le f64be'

# Set flags (the options of command $1 without a value) and valued (those
# taking one) in the caller; no subshell, so TAB stays instant.
_mmtool_opts()
{
	flags='--help --usage' valued=
	# -h is --help everywhere but in grep, where it is --no-filename.
	[[ $1 == grep ]] || flags+=' -h'
	case $1 in
	peek)
		# --color takes its value only after '='.
		flags+=' --raw -b --bits -i --include -p --plain -e --little-endian
			-u --upper -a --autoskip -v --no-squeeze -d --decimal --json
			--color --lock'
		valued='-f --format -c --cols -g --group -o --display-offset
			-s --seek -l --length -n --name --count'
		;;
	poke)
		flags+=' -e --escapes -x --hex --grow --create --lock -s --sync
			-n --dry-run -v --verbose'
		valued='-t --type -i --input -r --repeat --expect --size --undo --patch'
		;;
	grep)
		flags+=' -x --hex -E --regex -P --perl-regexp -F --fixed-strings
			-i --ignore-case -w --word-regexp --overlap
			-H --with-filename -h --no-filename -o --only-matching -c --count
			-l --files-with-matches -L --files-without-match -q --quiet
			-s --no-messages -0 --null --json --color -r --recursive
			--lock --mmap --no-mmap'
		valued='-e --regexp -f --file -m --max-count --range --radix
			-A --after-context -B --before-context -C --context -j --threads
			--include --exclude --exclude-dir'
		;;
	flush)
		flags+=' --async --data --drop --load'
		valued='--range'
		;;
	info)
		flags+=' -b --brief --mime --json -c --cache --map --bar -r --recursive'
		valued='-j --threads'
		;;
	cmp)
		flags+=' -c --count -s --silent -q --quiet -l --list --patch --json
			--mmap --no-mmap'
		valued='-i --ignore-initial -n --bytes --range --radix -j --threads'
		;;
	replace)
		flags+=' -x --hex -E --regex -i --ignore-case -e --escapes --cstring
			-n --dry-run --lock -s --sync -r --recursive -c --count'
		valued='--pad --undo -m --max-count --expect-count --range -j --threads'
		;;
	esac
}

# Offer the words of $1 that start with $cur.
_mmtool_reply()
{
	mapfile -t COMPREPLY < <(compgen -W "$1" -- "$cur")
}

# Complete file names matching $cur.
_mmtool_files()
{
	if declare -F _filedir >/dev/null; then
		_filedir
	else
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
	fi
}

# Complete the value of option $1 (the command is $2), the text so far $cur.
_mmtool_value()
{
	local list=
	case $2:$1 in
	peek:-f | peek:--format) list="$_mmtool_formats $_mmtool_types" ;;
	poke:-t | poke:--type) list=$_mmtool_types ;;
	peek:--color | grep:--color) list='auto always never' ;;
	grep:--radix | cmp:--radix) list='d x o' ;;
	poke:-i | poke:--input | poke:--undo | poke:--patch | replace:--undo | \
	grep:-f | grep:--file)
		_mmtool_files
		return
		;;
	esac
	_mmtool_reply "$list"
}

_mmtool()
{
	local cur cword i w glue line=${COMP_LINE-}
	local -a words

	# Put back together what COMP_WORDBREAKS split: "--color=al" arrives
	# as "--color" "=" "al", and "0:16" as "0" ":" "16".  Pieces with no
	# blank between them in COMP_LINE are one word (without COMP_LINE,
	# pieces are taken to touch).
	cword=0
	for ((i = 0; i <= COMP_CWORD && i < ${#COMP_WORDS[@]}; i++)); do
		w=${COMP_WORDS[i]}
		glue=1
		if [[ -n $line ]]; then
			local rest=${line#"${line%%[![:space:]]*}"}
			((${#rest} == ${#line})) || glue=0
			line=${rest:${#w}}
		fi
		if ((glue && ${#words[@]} > 1)) &&
		   [[ ( -n $w && -z ${w//[=:]/} ) || ${words[${#words[@]}-1]} == *[=:] ]]; then
			words[${#words[@]}-1]+=$w
		else
			words+=("$w")
		fi
	done
	cword=$((${#words[@]} - 1))
	cur=${words[cword]-}

	# The command is the first word that is not an option.
	local cmd='' ci
	for ((ci = 1; ci < cword; ci++)); do
		[[ ${words[ci]} == -* ]] && continue
		cmd=${words[ci]}
		break
	done
	COMPREPLY=()
	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			_mmtool_reply '-h --help -V --version'
		else
			_mmtool_reply "$_mmtool_commands"
		fi
		return 0
	fi
	case " $_mmtool_commands " in
	*" $cmd "*) ;;
	*) return 0 ;;
	esac

	local flags valued
	_mmtool_opts "$cmd"
	valued=" ${valued//[[:space:]]/ } "

	# --opt=value: complete the value.  Bash replaces only the part after
	# '=' when '=' is a word break, else the whole word.
	if [[ $cur == --*=* ]]; then
		local opt=${cur%%=*}
		cur=${cur#*=}
		_mmtool_value "$opt" "$cmd"
		if [[ $COMP_WORDBREAKS != *=* ]]; then
			for i in "${!COMPREPLY[@]}"; do
				COMPREPLY[i]="$opt=${COMPREPLY[i]}"
			done
		fi
		return 0
	fi

	# Walk the words after the command: options, their values, operands.
	local n=0 ended=0 have_e=0 want='' c
	for ((i = ci + 1; i < cword; i++)); do
		w=${words[i]}
		if [[ -n $want ]]; then
			want=
			continue
		fi
		if ((ended)) || [[ $w != -?* ]] ||
		   [[ $w == -[0-9]* && ($cmd == peek || $cmd == poke) ]]; then
			((n++))
			continue
		fi
		if [[ $w == -- ]]; then
			ended=1
		elif [[ $w == --* ]]; then
			[[ $w == --regexp || $w == --regexp=* ]] && have_e=1
			[[ $w != *=* && $valued == *" $w "* ]] && want=$w
		else
			# A cluster such as -ua or -c16: a letter taking a value ends it.
			for ((c = 1; c < ${#w}; c++)); do
				if [[ $valued == *" -${w:c:1} "* ]]; then
					[[ ${w:c:1} == e ]] && have_e=1
					((c == ${#w} - 1)) && want=-${w:c:1}
					break
				fi
			done
		fi
	done

	if [[ -n $want ]]; then
		_mmtool_value "$want" "$cmd"
		return 0
	fi
	if ((!ended)) && [[ $cur == -* ]] &&
	   ! [[ $cur == -[0-9]* && ($cmd == peek || $cmd == poke) ]]; then
		_mmtool_reply "$flags $valued"
		return 0
	fi

	case $cmd in
	peek | poke) ((n == 0)) && _mmtool_files ;;
	grep) ((have_e || n > 0)) && _mmtool_files ;;
	flush | info | cmp) _mmtool_files ;;
	replace) ((n > 1)) && _mmtool_files ;;
	help)
		((n == 0)) &&
			_mmtool_reply "${_mmtool_commands% help}"
		;;
	esac
	return 0
}

complete -F _mmtool mmtool
