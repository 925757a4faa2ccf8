/* deq/status.h -- status codes, error text, parse-error locations, version.
 *
 * Every deq function that can fail returns a deq_status.  No deq function
 * prints, aborts or exits; the caller decides what to do with the code.  */
#ifndef DEQ_STATUS_H
#define DEQ_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum deq_status {
  DEQ_OK = 0,        /* success */
  DEQ_EINVAL = 1,    /* invalid argument: NULL pointer, empty array, bad option */
  DEQ_EDOM = 2,      /* argument outside the mathematical domain (negative or
                        non-finite eigenvalue, P <= 0, negative ridge ...) */
  DEQ_ENOCONV = 3,   /* an iteration hit its limit without converging */
  DEQ_EDIVERGE = 4,  /* the exact result is infinite (e.g. the interpolation
                        peak lambda = 0, P = rank); values are +Inf, not garbage */
  DEQ_ENOMEM = 5,    /* allocation failed */
  DEQ_EIO = 6,       /* a file could not be opened or read */
  DEQ_EPARSE = 7,    /* malformed input text (see deq_error for the location) */
  DEQ_ELAPACK = 8,   /* LAPACK reported a failure */
  DEQ_EUNSUP = 9     /* valid input this routine does not support (e.g. Monte
                        Carlo on a spectrum with non-integer multiplicities) */
} deq_status;

/* Short, constant English description of a status ("invalid argument").  */
const char *deq_strerror(deq_status status);

/* Location and text of a parse or validation error in a file or string.
   line is the 1-based line (or atom) number and column the 1-based field
   number on that line; 0 means "not applicable".  */
typedef struct deq_error {
  long line;
  long column;
  char message[256];
} deq_error;

/* Clear an error record (line = column = 0, empty message).  */
void deq_error_clear(deq_error *err);

/* Library version as "MAJOR.MINOR.PATCH".  */
const char *deq_version(void);

#ifdef __cplusplus
}
#endif
#endif
