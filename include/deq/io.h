/* deq/io.h -- reading tables of numbers (deq's own TSV output, or any
 * whitespace/comma/tab-separated table with one header line).  */
#ifndef DEQ_IO_H
#define DEQ_IO_H

#include <stddef.h>
#include <stdio.h>
#include "deq/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct deq_table {
  size_t ncol, nrow;
  char **names;     /* ncol column names */
  double *data;     /* row-major nrow x ncol; "inf", "nan" accepted */
} deq_table;

/* Parse a table: first non-comment line is the header; '#' lines are
   skipped; fields split on tabs, commas or runs of spaces.  Errors give
   line and column in err.  A UTF-8 byte order mark is skipped; a column
   name given twice is an error (at its second occurrence).  */
deq_status deq_table_read(deq_table **out, FILE *f, deq_error *err);
/* The same from a file; a gzip-compressed file (recognised by its first
   two bytes) is decompressed through zlib.  DEQ_EIO, with err->message
   "PATH: reason", when the file cannot be opened or its compressed data
   is truncated or corrupt (never a table of the rows before the damage);
   DEQ_EUNSUP for a compressed file when deq was built without zlib.
   Parse errors are as from deq_table_read (line and field in err).  */
deq_status deq_table_read_file(deq_table **out, const char *path,
                               deq_error *err);
void deq_table_free(deq_table *t);
/* Index of a column by name, or -1.  */
long deq_table_column(const deq_table *t, const char *name);

#ifdef __cplusplus
}
#endif
#endif
