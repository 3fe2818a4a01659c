/* The one place the version is written. */
#define MM_VERSION "0.1.0"
