/*
 * json: the one JSON encoder.  Every command that prints JSON writes one
 * object per line through it, into a struct out.  Strings are bytes: valid
 * UTF-8 passes as it is, each maximal invalid subsequence (Unicode, section
 * 3.9: what Python's decoder replaces) becomes U+FFFD, control characters
 * are escaped.  A file name that is not valid UTF-8 also gets its exact
 * bytes in base64 under "file_b64".
 */
#ifndef MM_JSON_H
#define MM_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "out.h"

/* An object being written: json_begin, members, json_end. */
struct json {
	struct out *o;
	int members;		/* written so far, for the commas */
};

/* Start `{"kind":"KIND"`. */
void json_begin(struct json *j, struct out *o, const char *kind);
/* End the object and the line: `}\n`. */
void json_end(struct json *j);

void json_u64(struct json *j, const char *key, uint64_t v);
void json_i64(struct json *j, const char *key, int64_t v);
/* A string member from NUL-terminated text; NULL writes null. */
void json_str(struct json *j, const char *key, const char *s);
/* A string member from n bytes. */
void json_bytes(struct json *j, const char *key, const void *p, size_t n);
/* The bytes as lower-case hex digits in a string. */
void json_hex(struct json *j, const char *key, const void *p, size_t n);
/* `"file":"…"`, plus `"file_b64":"…"` when the name is not valid UTF-8. */
void json_file(struct json *j, const char *name);
/*
 * A member whose value the caller writes itself (an array, a number in a
 * format of its own): writes `"key":` and returns the output to write to.
 */
struct out *json_key(struct json *j, const char *key);

/* A JSON string value (quotes included) for n bytes, as json_bytes. */
void json_write_string(struct out *o, const void *p, size_t n);

/*
 * Length of the valid UTF-8 sequence at s[0..n), or 0 with *bad set to the
 * number of bytes of its maximal invalid subpart (at least 1).
 */
size_t json_utf8_len(const unsigned char *s, size_t n, size_t *bad);

#endif
