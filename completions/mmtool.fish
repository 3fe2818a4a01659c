# fish completion for mmtool(1).  The option lists mirror each command's
# --help; tests/docs.bats fails when they drift apart.

# The options of command $argv[1] that take a value in the next word.
function __fish_mmtool_valued
    switch $argv[1]
        case peek
            printf '%s\n' -f --format -c --cols -g --group -o --display-offset \
                -s --seek -l --length -n --name --count
        case poke
            printf '%s\n' -t --type -i --input -r --repeat --expect --size --undo --patch
        case grep
            printf '%s\n' -e --regexp -f --file -m --max-count --range --radix \
                -A --after-context -B --before-context -C --context -j --threads \
                --include --exclude --exclude-dir
        case flush
            printf '%s\n' --range
        case cmp
            printf '%s\n' -i --ignore-initial -n --bytes --range --radix -j --threads
        case replace
            printf '%s\n' --pad --undo -m --max-count --expect-count --range -j --threads
    end
end

# Print the command on the line, then what the word being completed is:
# "option-value", "file", "command" or "other".
function __fish_mmtool_state
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l cmd
    set -l valued
    set -l n 0
    set -l want 0
    set -l ended 0
    set -l have_e 0
    for t in $tokens
        if test -z "$cmd"
            string match -q -- '-*' $t; and continue
            set cmd $t
            set valued (__fish_mmtool_valued $cmd)
            continue
        end
        if test $want = 1
            set want 0
            continue
        end
        if test $ended = 1; or not string match -q -- '-?*' $t
            set n (math $n + 1)
            continue
        end
        if string match -qr -- '^-[0-9]' $t; and contains -- $cmd peek poke
            set n (math $n + 1)
            continue
        end
        switch $t
            case --
                set ended 1
            case '--*'
                string match -qr -- '^--regexp(=|$)' $t; and set have_e 1
                not string match -q -- '*=*' $t; and contains -- $t $valued; and set want 1
            case '*'
                # A cluster such as -ua or -c16: a letter taking a value ends it.
                set -l letters (string split '' -- (string sub -s 2 -- $t))
                for i in (seq (count $letters))
                    if contains -- -$letters[$i] $valued
                        test $letters[$i] = e; and set have_e 1
                        test $i = (count $letters); and set want 1
                        break
                    end
                end
        end
    end
    echo $cmd
    if test -z "$cmd"
        echo command
    else if test $want = 1
        echo option-value
    else
        switch $cmd
            case peek poke
                test $n = 0; and echo file; or echo other
            case grep
                test $have_e = 1 -o $n -gt 0; and echo file; or echo other
            case flush info cmp
                echo file
            case replace
                test $n -gt 1; and echo file; or echo other
            case help
                test $n = 0; and echo command; or echo other
            case '*'
                echo other
        end
    end
end

# True when the command on the line is $argv[1] (and, with $argv[2], the
# word being completed is of that kind).
function __fish_mmtool_is
    set -l state (__fish_mmtool_state)
    test "$state[1]" = "$argv[1]"; or return 1
    test (count $argv) -lt 2; or test "$state[2]" = "$argv[2]"
end

# The values of peek -f (with the types) and of poke -t.
function __fish_mmtool_formats
    printf '%s\t%s\n' xxd 'as xxd prints (default)' bits 'binary digits, as xxd -b prints' \
        canonical 'as hexdump -C prints' \
        hex 'plain hex, as xxd -p prints' raw 'the bytes themselves' \
        c 'C initializer lines, as xxd -i prints' string 'one line with C escapes'
    __fish_mmtool_types
end

function __fish_mmtool_types
    for t in u8 i8 u16 i16 u32 i32 u64 i64 f32 f64
        printf '%s\n' $t {$t}le {$t}be
    end
end

complete -c mmtool -f

# mmtool [--help] [--version] COMMAND
complete -c mmtool -n '__fish_mmtool_is ""' -s h -l help -d 'Show the list of commands'
complete -c mmtool -n '__fish_mmtool_is ""' -s V -l version -d 'Show the version'
complete -c mmtool -n '__fish_mmtool_is ""' -a peek -d 'Print bytes at an offset'
complete -c mmtool -n '__fish_mmtool_is ""' -a poke -d 'Write bytes in place, or apply a patch'
complete -c mmtool -n '__fish_mmtool_is ""' -a grep -d 'Find the offsets of bytes'
complete -c mmtool -n '__fish_mmtool_is ""' -a flush -d 'Make writes durable, control the page cache'
complete -c mmtool -n '__fish_mmtool_is ""' -a info -d 'What a file is'
complete -c mmtool -n '__fish_mmtool_is ""' -a cmp -d 'Where two files differ'
complete -c mmtool -n '__fish_mmtool_is ""' -a replace -d 'Replace a pattern in place'
complete -c mmtool -n '__fish_mmtool_is ""' -a help -d 'Show the help of a command'
complete -c mmtool -n '__fish_mmtool_is help command' -a 'peek poke grep flush info cmp replace'

# Every command: popt's help options, and file names where a FILE goes.
for cmd in peek poke grep flush info cmp replace
    complete -c mmtool -n "__fish_mmtool_is $cmd" -s '?' -l help -d 'Show the options of the command'
    # -h is --help everywhere but in grep, where it is --no-filename.
    test $cmd = grep; or complete -c mmtool -n "__fish_mmtool_is $cmd" -s h -d 'Show the options of the command'
    complete -c mmtool -n "__fish_mmtool_is $cmd" -l usage -d 'Show a short usage message'
    complete -c mmtool -n "__fish_mmtool_is $cmd file; and not string match -q -- '--*=*' (commandline -ct)" -F
end

# peek [OPTIONS] FILE [OFFSET [LENGTH]]
set -l c '__fish_mmtool_is peek'
complete -c mmtool -n $c -s f -l format -x -a '(__fish_mmtool_formats)' -d 'Output format'
complete -c mmtool -n $c -l raw -d 'The bytes themselves (= --format raw)'
complete -c mmtool -n $c -s b -l bits -d 'Binary digits, as xxd -b'
complete -c mmtool -n $c -s i -l include -d 'A C array, as xxd -i'
complete -c mmtool -n $c -s p -l plain -d 'Plain hex, as xxd -p'
complete -c mmtool -n $c -s e -l little-endian -d 'Each group right to left, as xxd -e'
complete -c mmtool -n $c -s d -l decimal -d 'Offsets in decimal, as xxd -d'
complete -c mmtool -n $c -s o -l display-offset -x -d 'Add N to the offsets shown'
complete -c mmtool -n $c -s s -l seek -x -d 'Start at OFFSET'
complete -c mmtool -n $c -s l -l length -x -d 'Print LENGTH bytes'
complete -c mmtool -n $c -s n -l name -x -d 'The array name in the c format'
complete -c mmtool -n $c -l count -x -d 'Print N values or records'
complete -c mmtool -n $c -l json -d 'One JSON object per record'
complete -c mmtool -n $c -s c -l cols -x -d 'Bytes per line'
complete -c mmtool -n $c -s g -l group -x -d 'Bytes per group (0: no groups)'
complete -c mmtool -n $c -s u -l upper -d 'Upper-case hex digits'
complete -c mmtool -n $c -s a -l autoskip -d 'Squeeze runs of zero lines to *'
complete -c mmtool -n $c -s v -l no-squeeze -d 'Print repeated lines (canonical)'
# --color takes its value only after '='.
complete -c mmtool -n $c -l color -d 'Colour bytes by class'
complete -c mmtool -n "$c; and string match -q -- '--color=*' (commandline -ct)" \
    -a '--color=auto --color=always --color=never'
complete -c mmtool -n $c -l lock -d 'Hold a shared flock(2) while reading'

# poke [OPTIONS] FILE OFFSET DATA... | poke [OPTIONS] --patch PATCH FILE
set c '__fish_mmtool_is poke'
complete -c mmtool -n $c -s e -l escapes -d 'Read DATA with C escapes'
complete -c mmtool -n $c -s x -l hex -d 'Read DATA as hex digits'
complete -c mmtool -n $c -s t -l type -x -a '(__fish_mmtool_types)' -d 'Write DATA as numbers of a type'
complete -c mmtool -n $c -s i -l input -r -F -d 'Write the bytes of a file (- for stdin)'
complete -c mmtool -n $c -s r -l repeat -x -d 'Write DATA N times'
complete -c mmtool -n $c -l expect -x -d 'Write only if the bytes now there are these'
complete -c mmtool -n $c -l grow -d 'Allow writing past the end of the file'
complete -c mmtool -n $c -l create -d 'Create the file if it does not exist'
complete -c mmtool -n $c -l size -x -d 'Extend the file to SIZE first'
complete -c mmtool -n $c -l lock -d 'Hold an exclusive flock(2) while writing'
complete -c mmtool -n $c -s s -l sync -d 'Wait until the data is on stable storage'
complete -c mmtool -n $c -l undo -r -F -d 'Save the old bytes as a patch in a file'
complete -c mmtool -n $c -s n -l dry-run -d 'Write nothing, show what would change'
complete -c mmtool -n $c -s v -l verbose -d 'Show the old and the new bytes'
complete -c mmtool -n $c -l patch -r -F -d 'Apply the edits of a patch file (- for stdin)'

# grep [OPTIONS] PATTERN [FILE...] | grep [OPTIONS] -e PATTERN... [FILE...]
set c '__fish_mmtool_is grep'
complete -c mmtool -n $c -s e -l regexp -x -d 'Search for PATTERN (may be repeated)'
complete -c mmtool -n $c -s x -l hex -d 'Patterns are hex bytes, ?? any byte'
complete -c mmtool -n $c -s E -l regex -d 'Patterns are PCRE2 regular expressions'
complete -c mmtool -n $c -s P -l perl-regexp -d 'The same as -E'
complete -c mmtool -n $c -s F -l fixed-strings -d 'Patterns are literal bytes, the default'
complete -c mmtool -n $c -s f -l file -r -F -d 'Read patterns from FILE, one a line'
complete -c mmtool -n $c -s i -l ignore-case -d 'Fold ASCII case'
complete -c mmtool -n $c -s w -l word-regexp -d 'A match must not touch a letter, digit or _'
complete -c mmtool -n $c -l overlap -d 'Report overlapping matches'
complete -c mmtool -n $c -s H -l with-filename -d 'Print FILE:OFFSET'
complete -c mmtool -n $c -s h -l no-filename -d 'Print only the offset'
complete -c mmtool -n $c -s o -l only-matching -d 'Print OFFSET:BYTES'
complete -c mmtool -n $c -s L -l files-without-match -d 'Print only the names of files without a match'
complete -c mmtool -n $c -s s -l no-messages -d 'No messages about unreadable files'
complete -c mmtool -n $c -s A -l after-context -x -d 'Print N bytes after a match'
complete -c mmtool -n $c -s B -l before-context -x -d 'Print N bytes before a match'
# --color takes its value only after '='.
complete -c mmtool -n $c -l color -d 'Highlight the matches'
complete -c mmtool -n "$c; and string match -q -- '--color=*' (commandline -ct)" \
    -a '--color=auto --color=always --color=never'
complete -c mmtool -n $c -l include -x -d 'Search only files matching GLOB'
complete -c mmtool -n $c -l exclude -x -d 'Skip files matching GLOB'
complete -c mmtool -n $c -l exclude-dir -x -d 'Skip directories matching GLOB'
complete -c mmtool -n $c -s c -l count -d 'Print the number of matches'
complete -c mmtool -n $c -s l -l files-with-matches -d 'Print only the names of matching files'
complete -c mmtool -n $c -s q -l quiet -d 'Print nothing, exit 0 on a match'
complete -c mmtool -n $c -s m -l max-count -x -d 'Stop after N matches'
complete -c mmtool -n $c -l range -x -d 'Only matches inside START:END or START+LENGTH'
complete -c mmtool -n $c -l radix -x -a '(printf "%s\t%s\n" d decimal x hex o octal)' -d 'Radix of the offsets'
complete -c mmtool -n $c -s C -l context -x -d 'Print N bytes either side of a match'
complete -c mmtool -n $c -s 0 -l null -d 'End each record with NUL'
complete -c mmtool -n $c -l json -d 'One JSON object a line'
complete -c mmtool -n $c -s r -l recursive -d 'Search directories'
complete -c mmtool -n $c -l lock -d 'Hold a shared flock(2) while searching'
complete -c mmtool -n $c -s j -l threads -x -d 'Search with N threads'
complete -c mmtool -n $c -l mmap -d 'Map every file instead of reading it'
complete -c mmtool -n $c -l no-mmap -d 'Read every file with pread(2) (the default)'

# flush [OPTIONS] FILE...
set c '__fish_mmtool_is flush'
complete -c mmtool -n $c -l range -x -d 'Only START:END or START+LENGTH'
complete -c mmtool -n $c -l async -d 'Start the writeback and return'
complete -c mmtool -n $c -l data -d 'Skip metadata (fdatasync)'
complete -c mmtool -n $c -l drop -d 'Evict the clean pages from the page cache'
complete -c mmtool -n $c -l load -d 'Read the pages not in the page cache into it'

# info [OPTIONS] FILE...
set c '__fish_mmtool_is info'
complete -c mmtool -n $c -s b -l brief -d 'Print only the type line'
complete -c mmtool -n $c -l mime -d 'Print only the MIME type'
complete -c mmtool -n $c -l json -d 'One JSON object a line'
complete -c mmtool -n $c -s c -l cache -d 'Only the page-cache fields'
complete -c mmtool -n $c -l map -d 'List data runs, disk extents, holes, resident runs'
complete -c mmtool -n $c -l bar -d 'Draw a 64-cell bar of the page cache and holes'
complete -c mmtool -n $c -s r -l recursive -d 'Every regular file below each directory'
complete -c mmtool -n $c -s j -l threads -x -d 'Worker threads'

# cmp [OPTIONS] FILE1 FILE2
set c '__fish_mmtool_is cmp'
complete -c mmtool -n $c -s c -l count -d 'Print the differing bytes and ranges'
complete -c mmtool -n $c -s s -l silent -d 'Print nothing, stop at the first difference'
complete -c mmtool -n $c -s q -l quiet -d 'The same as --silent'
complete -c mmtool -n $c -s l -l list -d 'Each range as xxd lines, - and +'
complete -c mmtool -n $c -l patch -d 'Print a patch that makes FILE1 into FILE2'
complete -c mmtool -n $c -l json -d 'One JSON object a line'
complete -c mmtool -n $c -s i -l ignore-initial -x -d 'Skip SKIP1[:SKIP2] bytes'
complete -c mmtool -n $c -s n -l bytes -x -d 'Compare at most LIMIT bytes'
complete -c mmtool -n $c -l range -x -d 'Only FILE1 bytes in START:END or START+LENGTH'
complete -c mmtool -n $c -l radix -x -a '(printf "%s\t%s\n" d decimal x hex o octal)' -d 'Radix of the offsets'
complete -c mmtool -n $c -s j -l threads -x -d 'Worker threads'
complete -c mmtool -n $c -l mmap -d 'Map both files instead of reading them'
complete -c mmtool -n $c -l no-mmap -d 'Read both files with pread(2) (the default)'

# replace [OPTIONS] PATTERN REPLACEMENT FILE...
set c '__fish_mmtool_is replace'
complete -c mmtool -n $c -s x -l hex -d 'PATTERN and REPLACEMENT are hex'
complete -c mmtool -n $c -s E -l regex -d 'PATTERN is a PCRE2 regular expression'
complete -c mmtool -n $c -s i -l ignore-case -d 'Fold ASCII case'
complete -c mmtool -n $c -s e -l escapes -d 'Read C escapes'
complete -c mmtool -n $c -l pad -x -d 'Fill a shorter replacement with BYTE'
complete -c mmtool -n $c -l cstring -d 'Move the rest of the C string left, NUL-pad it'
complete -c mmtool -n $c -s n -l dry-run -d 'Write nothing, show what would change'
complete -c mmtool -n $c -l undo -r -F -d 'Save the old bytes as a patch in a file'
complete -c mmtool -n $c -s m -l max-count -x -d 'Replace at most N matches a file'
complete -c mmtool -n $c -l expect-count -x -d 'Write only a file with exactly N matches'
complete -c mmtool -n $c -l range -x -d 'Only matches inside START:END or START+LENGTH'
complete -c mmtool -n $c -l lock -d 'Hold an exclusive flock(2) while writing'
complete -c mmtool -n $c -s s -l sync -d 'Wait until the data is on stable storage'
complete -c mmtool -n $c -s r -l recursive -d 'Replace in directories'
complete -c mmtool -n $c -s c -l count -d 'Print how many were replaced'
complete -c mmtool -n $c -s j -l threads -x -d 'Worker threads'
