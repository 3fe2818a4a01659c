/*
 * grep: what the files of mmtool grep share.  cmd_grep.c parses the command
 * line and runs the search (pool jobs, seams); grep_out.c formats what a
 * match prints (offsets, -o, --json, the context groups of -A/-B/-C);
 * grep_walk.c builds the list of files (-r, --include/--exclude);
 * grep_pats.c gathers the patterns (-e, -f, -w).
 */
#ifndef MM_GREP_H
#define MM_GREP_H

#include <stddef.h>
#include <stdint.h>

#include "dump.h"
#include "map.h"
#include "num.h"
#include "out.h"
#include "search.h"

struct grep_opts {
	const char **pats;	/* -e, POPT_ARG_ARGV: malloc'd array of malloc'd strings */
	const char **pat_files;	/* -f */
	const char **includes, **excludes, **exclude_dirs;
	int hex, regex, perl, fixed, icase, overlap, with_name, count, list, quiet;
	int null, json, recursive, lock;
	int mmap;		/* --mmap 1, else 0: grep_maps */
	int list_without, only, word, no_messages;
	int word_filter;	/* -w on literal or hex: matches are checked here */
	const char *max_count, *range, *radix, *context, *threads;
	const char *after, *before, *color, *colour;
};

/* A file to search: a FILE operand, or one found under -r. */
struct grep_entry {
	size_t name;		/* offset of its path in grep.names */
	int err;		/* errno of a directory the walk could not read */
	int walked;		/* found under -r: a symbolic link is not followed */
};

struct grep {
	struct grep_opts o;
	struct search *s;
	struct out *out;
	uint64_t max;		/* -m */
	char radix;		/* 'd', 'x' or 'o' */
	size_t margin;		/* bytes kept either side of a match: max(A, B, w) */
	size_t after, before;	/* -A, -B (-C sets both) */
	int context;		/* -A, -B or -C given, in a mode that prints them */
	int color;		/* --color decided on */
	int show_name;
	char term;		/* '\n', or '\0' with -0 */
	struct num_range range;
	int have_range;
	unsigned threads;
	uint64_t range_size;	/* GREP_RANGE or GREP_RANGE_REGEX */
	int never_zero;		/* search_never_zero: holes hold no match */
	struct grep_entry *ents;
	size_t nents, capents;
	char *names;		/* the paths, NUL-terminated, one after another */
	size_t nameslen, namescap;
	int status;		/* the worst so far */
	int found;		/* a match anywhere */
	int listed;		/* -L printed a name */
	int quit;		/* -q found one, or output failed: stop everything */
	int grouped;		/* a context group was printed: the next needs "--" */
	uint64_t files, matches, bytes;	/* for the --json summary */
};

/* What a search of the starts in [from, limit) of a file left. */
struct grep_result {
	uint64_t n;		/* matches */
	uint64_t first;		/* the first one's offset */
	uint64_t resume;	/* where a search must go on from */
	int full;		/* stopped at `resume`: the output had no room */
	int rc;			/* 0, a map error or a search_status */
	char msg[200];		/* a search_status's text, or "" */
};

/* -A/-B/-C: the group being gathered; its bytes and offset lines wait. */
struct grep_group {
	uint64_t lo, hi;	/* the bytes held: [lo, hi) */
	unsigned char *bytes;
	size_t cap;
	uint64_t *hits;		/* each match's offset and length, in pairs */
	size_t nhits, hitcap;
	int open;
	int failed;		/* out of memory */
};

/* Where one search's matches go. */
struct grep_sink {
	const struct grep *g;
	const char *name;
	struct out *out;
	int bounded;		/* out cannot grow: stop when it is full */
	uint64_t max;		/* stop after this many matches */
	uint64_t next;		/* -w: where the next match may start */
	uint64_t lo, hi;	/* the part of the file searched */
	struct grep_result *r;
	struct grep_group *group;	/* -A/-B/-C, on the calling thread only */
	int *grouped;		/* grep.grouped */
	struct dump dump;
};

/* grep_out.c */
void grep_put_u64(struct out *o, uint64_t v, char radix);
void grep_put_name(const struct grep *g, struct out *o, const char *name, char sep);
/* At most how many bytes one match prints (a bounded output's check). */
size_t grep_record_max(const struct grep_sink *k, const struct search_hit *h);
/* What one match prints, in every mode but the context groups. */
void grep_put_match(struct grep_sink *k, const struct search_hit *h);
/* -A/-B/-C: add a match to the group, printing the one it does not touch. */
void grep_group_add(struct grep_sink *k, const struct search_hit *h);
/* Print the open group, if any, and free what it holds. */
void grep_group_end(struct grep_sink *k);
void grep_put_count(struct grep *g, const char *name, uint64_t n);
void grep_put_file(struct grep *g, const char *name);
void grep_put_summary(struct grep *g);

/* grep_walk.c */
/* Add the FILE operands (and under -r what their directories hold). */
int grep_list(struct grep *g, const char *const *files, int n, int implicit_dot);
int grep_is_dir(const char *path);

/* grep_pats.c */
/*
 * The patterns to compile: the -e ones or the operand, then each line of
 * each -f FILE, rewritten for -w with -E.  *out is a NULL-terminated array
 * of malloc'd strings (grep_pats_free).  Returns 0, or an exit status after
 * printing the error.
 */
int grep_pats(const struct grep *g, const char *const *given, size_t ngiven,
	      char ***out, size_t *n);
void grep_pats_free(char **pats);
/* -w: no ASCII letter, digit or '_' on either side of [off, off + len). */
int grep_word_ok(const struct search_hit *h, uint64_t lo, uint64_t hi);

#endif
