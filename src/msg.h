/* msg: the only place that writes diagnostics to stderr. */
#ifndef MM_MSG_H
#define MM_MSG_H

/* Exit statuses, as grep has them (mmtool(1), EXIT STATUS). */
enum mm_exit {
	MM_EXIT_OK = 0,		/* done, or found */
	MM_EXIT_NO = 1,		/* a well-formed "no": no match, --expect differs */
	MM_EXIT_ERROR = 2,	/* usage, bad input, I/O, permission */
};

/*
 * Print "mmtool: CMD: FILE: MESSAGE" on stderr as one line and return
 * MM_EXIT_ERROR, so callers write `return mm_error(...)`.  CMD or FILE may be
 * NULL and are then left out.  Control characters in FILE and MESSAGE are
 * printed as '?' so that a hostile file name cannot forge a second line.
 */
int mm_error(const char *cmd, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * c as it may be shown on a terminal: control characters become '?'.  The
 * one rule for file names and messages in errors and in info's lines.
 */
static inline char msg_clean_char(char c)
{
	return ((unsigned char)c < 0x20 || c == 0x7f) ? '?' : c;
}

/* Worse of two exit statuses: an error outranks "no", which outranks ok. */
int mm_worst(int a, int b);

#endif
