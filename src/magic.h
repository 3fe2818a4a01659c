/*
 * magic: what a file is, as libmagic (file(1)) says.  Used by info only.
 * libmagic is opened with dlopen(3) and its database loaded on first use,
 * once per process: the other commands neither load the library (and the
 * compression libraries it pulls in, about 0.6 ms of start-up here) nor
 * read the 8 MB database (about 2.4 ms, FACTS.md).  Never prints.
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
 * Load libmagic and its default database (or $MAGIC) unless done already.
 * Returns 0, or -1 with *why set to a message (static storage).  A failure
 * is remembered: later calls fail the same way without trying again.
 */
int magic_db_load(const char **why);

/*
 * Identify the file at `path`, or, when path is NULL, the one open on fd
 * (read from its current offset, which is then restored).  Symbolic links
 * are followed.  Loads the database first if needed.  Returns 0, or -1 with
 * *why set to a message valid until the next call.
 */
int magic_db_identify(const char *path, int fd, int want,
		      struct magic_info *out, const char **why);

void magic_info_free(struct magic_info *m);

/*
 * For many files: fork a helper process, once the database is loaded (so
 * it is read once), that answers questions while the caller works on
 * other files or on the other half of the same one: two libmagic passes at
 * a time, on two cores.  Returns 0, or -1 (only one CPU allowed, or no
 * fork).
 */
int magic_db_helper_start(void);
void magic_db_helper_stop(void);

/* The most questions that may wait for an answer (more could deadlock). */
#define MM_MAGIC_WINDOW 8

/*
 * Ask the helper what magic_db_identify(path, -1, want, ...) would say.
 * Answers come back in the order asked.  Returns 0, or -1 if there is no
 * helper (or the path is too long): then ask magic_db_identify.
 */
int magic_db_ask(const char *path, int want);

/*
 * The answer to the oldest question not yet answered: 0 with *out filled
 * (fields not asked for are NULL), -1 with *why set to libmagic's error
 * for that file, or -2 if the helper is gone: then ask magic_db_identify.
 * Unless `wait`, 1 if the answer is not there yet.
 */
int magic_db_answer(struct magic_info *out, const char **why, int wait);

/* Stop the helper and release the database (for leak checkers). */
void magic_db_unload(void);

#endif
