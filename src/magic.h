/*
 * magic: what a file is, as libmagic (file(1)) says.  Used by info only.
 * libmagic is opened with dlopen(3) and its database loaded on first use:
 * the other commands neither load the library (and the compression
 * libraries it pulls in, about 0.6 ms of start-up here) nor read the 8 MB
 * database (about 2.4 ms).  Never prints.
 *
 * Threads: a libmagic handle (magic_t) keeps state between calls, so each
 * thread that asks gets a handle of its own, never shared.  The handles are
 * opened and loaded one after another under a lock: magic_open and
 * magic_load running at the same time in two threads have corrupted the
 * heap in other programs; loaded handles then work side by side.
 */
#ifndef MM_MAGIC_H
#define MM_MAGIC_H

enum mm_magic_want {
	MM_MAGIC_TYPE = 1,	/* the description, as `file -b` */
	MM_MAGIC_MIME = 2,	/* the MIME type, as `file -b --mime-type` */
	MM_MAGIC_ENCODING = 4,	/* the encoding, as `file -b --mime-encoding` */
};

/* The answers asked for; the others are NULL.  Free with magic_info_free. */
struct magic_info {
	char *type;
	char *mime;
	char *encoding;
};

/*
 * Load libmagic and the calling thread's handle with the default database
 * (or $MAGIC), so that a database that cannot be loaded is one error before
 * any file.  Returns 0, or -1 with *why set to a message (static storage).
 * A failure is remembered: later calls fail the same way.
 */
int magic_db_load(const char **why);

/*
 * Identify the file at `path`, or, when path is NULL, the one open on fd
 * (read from its current offset, which is then restored), with the calling
 * thread's handle (loaded first if need be).  Symbolic links are followed.
 * Returns 0, or -1 with *why set to a message valid until this thread's
 * next call.
 */
int magic_db_identify(const char *path, int fd, int want,
		      struct magic_info *out, const char **why);

void magic_info_free(struct magic_info *m);

/* Close every thread's handle (for leak checkers); no thread may ask after. */
void magic_db_unload(void);

#endif
