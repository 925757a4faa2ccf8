/* tools/cli_data.c -- what `deq spectrum --data` and `deq gcv
 * --learning-curve` share: the --kernel spec and reading a data set
 * (label, feature columns, row limit, preparation) into deq/data.h's
 * layout.  */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_kernel_parse(deq_kernel *k, const char *cmd, const char *text)
{
  memset(k, 0, sizeof *k);
  const char *colon = strchr(text, ':');
  size_t len = colon ? (size_t)(colon - text) : strlen(text);
  const char *body = colon ? colon + 1 : NULL;
  char kind[16];
  if (len >= sizeof kind) len = sizeof kind - 1;
  memcpy(kind, text, len);
  kind[len] = 0;
  cli_key_ctx c = { cmd, "--kernel", text, kind };
  int st;
  if (strcmp(kind, "linear") == 0) {
    k->kind = DEQ_KERNEL_LINEAR;
    if (body) {
      cli_error(cmd, "--kernel '%s': linear takes no parameters", text);
      return CLI_EUSAGE;
    }
    st = CLI_OK;
  } else if (strcmp(kind, "rbf") == 0 || strcmp(kind, "laplace") == 0) {
    k->kind = kind[0] == 'r' ? DEQ_KERNEL_RBF : DEQ_KERNEL_LAPLACE;
    cli_key keys[] = { { "gamma", &k->gamma, 1, 0, 0 } };
    st = cli_keys_parse(&c, keys, 1, body);
  } else if (strcmp(kind, "poly") == 0) {
    k->kind = DEQ_KERNEL_POLY;
    k->degree = 2;
    k->c = 1;
    cli_key keys[] = { { "degree", &k->degree, 0, 0, 0 },
                       { "c", &k->c, 0, 0, 0 } };
    st = cli_keys_parse(&c, keys, 2, body);
  } else {
    cli_error(cmd, "--kernel '%s': unknown kernel '%s' (linear, "
              "rbf:gamma=G, poly:degree=D,c=C or laplace:gamma=G)", text, kind);
    return CLI_EUSAGE;
  }
  if (st != CLI_OK) return st;
  deq_error err;
  if (deq_kernel_check(k, &err) != DEQ_OK) {
    cli_error(cmd, "--kernel '%s': %s", text, err.message);
    return CLI_EUSAGE;
  }
  return CLI_OK;
}

const char *cli_kernel_name(char *buf, size_t size, const deq_kernel *k)
{
  switch (k->kind) {
  case DEQ_KERNEL_RBF: snprintf(buf, size, "rbf:gamma=%.17g", k->gamma); break;
  case DEQ_KERNEL_LAPLACE:
    snprintf(buf, size, "laplace:gamma=%.17g", k->gamma);
    break;
  case DEQ_KERNEL_POLY:
    snprintf(buf, size, "poly:degree=%.17g,c=%.17g", k->degree, k->c);
    break;
  default: snprintf(buf, size, "linear"); break;
  }
  return buf;
}

static int read_table(deq_table **t, const char *cmd, const char *path)
{
  deq_error err;
  deq_error_clear(&err);
  deq_status st = deq_table_read_file(t, path, &err);
  if (st == DEQ_OK) return CLI_OK;
  *t = NULL;
  if (st == DEQ_EIO || st == DEQ_EUNSUP) {
    cli_error(cmd, "--data: %s", err.message[0] ? err.message
                                                : deq_strerror(st));
    return CLI_EUSAGE;
  }
  return cli_file_error(cmd, "--data", path, err.line, err.column, st, &err);
}

/* Feature columns: the comma list, or every column but the label.  */
static int pick_columns(long **cols, size_t *nf, const deq_table *t,
                        const cli_data_opts *o, long ycol, const char *cmd)
{
  long *c = malloc((t->ncol + 1) * sizeof *c);
  if (!c) return CLI_ENUM;
  size_t k = 0;
  if (!o->columns) {
    for (size_t j = 0; j < t->ncol; j++)
      if ((long)j != ycol) c[k++] = (long)j;
  } else {
    char *copy = strdup(o->columns), *save = NULL;
    if (!copy) {
      free(c);
      return CLI_ENUM;
    }
    for (char *tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
      long j = deq_table_column(t, tok);
      if (j < 0 || j == ycol || k >= t->ncol) {
        cli_error(cmd, "--columns: %s '%s'%s", j < 0 ? "no column"
                  : j == ycol ? "the label column" : "too many columns, at",
                  tok, j == ycol ? " cannot be a feature" : "");
        free(copy);
        free(c);
        return CLI_EUSAGE;
      }
      c[k++] = j;
    }
    free(copy);
  }
  if (k == 0) {
    cli_error(cmd, "--data %s: no feature columns besides '%s'", o->path,
              o->y);
    free(c);
    return CLI_EUSAGE;
  }
  *cols = c;
  *nf = k;
  return CLI_OK;
}

static int prepare_error(deq_status st, const deq_error *err,
                         const deq_table *t, const long *cols,
                         const cli_data_opts *o, const char *cmd)
{
  if (st != DEQ_EDOM) {
    cli_error(cmd, "--data %s: %s", o->path, deq_strerror(st));
    return cli_status_exit(st);
  }
  const char *name = err->column > 0 ? t->names[cols[err->column - 1]] : o->y;
  if (err->line == 0)
    cli_error(cmd, "--standardize: column '%s' is constant in %s", name,
              o->path);
  else
    cli_error(cmd, "--data %s: data row %ld, column '%s': value is not "
              "finite", o->path, err->line, name);
  return CLI_EUSAGE;
}

int cli_data_load(cli_data *d, const char *cmd, const cli_data_opts *o,
                  int need_gram)
{
  memset(d, 0, sizeof *d);
  deq_table *t = NULL;
  long *cols = NULL;
  size_t nf = 0;
  int rc = read_table(&t, cmd, o->path);
  if (rc) return rc;
  long ycol = deq_table_column(t, o->y);
  if (ycol < 0) {
    cli_error(cmd, "--y: no column '%s' in %s", o->y, o->path);
    rc = CLI_EUSAGE;
    goto done;
  }
  if ((rc = pick_columns(&cols, &nf, t, o, ycol, cmd)) != CLI_OK) goto done;
  size_t n = t->nrow;
  if (o->max_rows > 0 && n > o->max_rows) n = (size_t)o->max_rows;
  if (need_gram && n > DEQ_DATA_MAX_ROWS) {
    cli_error(cmd, "--data %s: %zu rows, more than the limit of %d rows for "
              "an n x n kernel matrix (%s; 24 n^2 bytes and O(n^3) time): "
              "use --max-rows N (N <= %d) to take the first N rows",
              o->path, n, DEQ_DATA_MAX_ROWS,
              o->kernel.kind == DEQ_KERNEL_LINEAR ? "the learning curve"
                                                  : "the kernel spectrum",
              DEQ_DATA_MAX_ROWS);
    rc = CLI_EUSAGE;
    goto done;
  }
  if (n < 2) {
    cli_error(cmd, "--data %s: %zu data rows; need at least 2", o->path, n);
    rc = CLI_EUSAGE;
    goto done;
  }
  d->n = n;
  d->d = nf;
  d->X = malloc(n * nf * sizeof *d->X);
  d->y = malloc(n * sizeof *d->y);
  if (!d->X || !d->y) {
    cli_error(cmd, "out of memory");
    rc = CLI_ENUM;
    goto done;
  }
  for (size_t i = 0; i < n; i++) {
    const double *row = t->data + i * t->ncol;
    for (size_t j = 0; j < nf; j++) d->X[i + j * n] = row[cols[j]];
    d->y[i] = row[ycol];
  }
  double sum = 0;
  for (size_t i = 0; i < n; i++) sum += d->y[i];
  d->y_mean = sum / (double)n;
  deq_error err;
  deq_status st = deq_data_prepare(d->X, d->y, n, nf, &o->kernel,
                                   o->standardize, &err);
  if (st) rc = prepare_error(st, &err, t, cols, o, cmd);
done:
  free(cols);
  deq_table_free(t);
  if (rc) cli_data_free(d);
  return rc;
}

void cli_data_free(cli_data *d)
{
  free(d->X);
  free(d->y);
  d->X = d->y = NULL;
}

int cli_has_option(int argc, char **argv, const char *name)
{
  size_t len = strlen(name);
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) return 0;
    if (strncmp(argv[i], name, len) == 0
        && (argv[i][len] == 0 || argv[i][len] == '='))
      return 1;
  }
  return 0;
}
