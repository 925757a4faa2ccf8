/* tools/cmd_fit.c -- `deq fit`: power-law fit y = c x^-b (optionally
 * with a floor) of two columns of a table, or its local exponents.  */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char fit_help[] =
  "Usage: deq fit [OPTIONS] [FILE|-]\n"
  "Fit y = c x^-b (or y = floor + c x^-b) to two columns of a table with a\n"
  "header line (deq's own TSV output, or any table separated by tabs,\n"
  "commas or blanks).\n"
  "Without FILE, or with '-', the table is read from standard input.\n\n"
  "  --x COL          abscissa column (default P)\n"
  "  --y COL          ordinate column (default E_g)\n"
  "  --se COL|none    standard errors of y (default: for --y NAME_mc,\n"
  "                   NAME_se; for --y NAME, NAME_se unless the table also\n"
  "                   has NAME_mc); weights are (y/se)^2\n"
  "  --floor          fit a free floor: y = floor + c x^-b\n"
  "  --xmin X         use only rows with x >= X\n"
  "  --xmax X         use only rows with x <= X\n"
  "  --local          print local exponents -dlog y/dlog x instead\n"
  "  --format tsv|json  output format (default tsv)\n"
  "  -h, --help       print this help\n"
  "  --spectrum FILE  fit source/capacity exponents to a spectrum file\n"
  "                   instead (see 'deq fit --spectrum F --help')\n"
  "  --joint          fit the joint law L_inf + a N^-p + b t^-q instead\n"
  "                   (see 'deq fit --joint --help')\n\n"
  "Columns: exponent exponent_se amplitude amplitude_se floor floor_se\n"
  "chi2_dof birge n x_lo x_hi local_min local_max (the range of the local\n"
  "exponents over the fitted points) dof exponent_ci95 (the residual\n"
  "degrees of freedom and the half-width of the 95% interval of the\n"
  "exponent: Student t with dof degrees of freedom when the error scale is\n"
  "estimated, 1.96 when the given errors fix it); with --local: x y\n"
  "local_exponent.\n";

static const struct option fit_options[] = {
  { "x", required_argument, NULL, OPT_X },
  { "y", required_argument, NULL, OPT_Y },
  { "se", required_argument, NULL, OPT_SE },
  { "floor", no_argument, NULL, OPT_FLOOR },
  { "xmin", required_argument, NULL, OPT_XMIN },
  { "xmax", required_argument, NULL, OPT_XMAX },
  { "local", no_argument, NULL, OPT_LOCAL },
  { "format", required_argument, NULL, OPT_FORMAT },
  { "help", no_argument, NULL, OPT_HELP },
  { NULL, 0, NULL, 0 }
};

typedef struct fit_opts {
  const char *x, *y, *se;
  int floor, local;
  double xmin, xmax;
  cli_output out;
  const char *path;  /* NULL or "-": stdin */
} fit_opts;

static int fit_option(void *ctx, int code, const char *arg)
{
  fit_opts *o = ctx;
  switch (code) {
  case OPT_X: o->x = arg; return CLI_OK;
  case OPT_Y: o->y = arg; return CLI_OK;
  case OPT_SE: o->se = arg; return CLI_OK;
  case OPT_FLOOR: o->floor = 1; return CLI_OK;
  case OPT_LOCAL: o->local = 1; return CLI_OK;
  case OPT_XMIN: return cli_scalar_parse(&o->xmin, "fit", "--xmin", arg, 0);
  case OPT_XMAX: return cli_scalar_parse(&o->xmax, "fit", "--xmax", arg, 0);
  case OPT_FORMAT: return cli_format_parse(&o->out.format, "fit", arg);
  }
  cli_error("fit", "internal error: option %d", code);
  return CLI_EUSAGE;
}

static const char *input_name(const fit_opts *o)
{
  return o->path && strcmp(o->path, "-") != 0 ? o->path : "<stdin>";
}

static int read_table(deq_table **t, const fit_opts *o)
{
  const char *name = input_name(o);
  int use_stdin = !o->path || strcmp(o->path, "-") == 0;
  FILE *f = use_stdin ? stdin : fopen(o->path, "r");
  if (!f) {
    cli_error("fit", "%s: %s", name, strerror(errno));
    return CLI_EUSAGE;
  }
  deq_error err;
  deq_error_clear(&err);
  deq_status st = deq_table_read(t, f, &err);
  if (!use_stdin)
    fclose(f);
  if (st == DEQ_OK)
    return CLI_OK;
  *t = NULL;
  return cli_file_error("fit", NULL, name, err.line, err.column, st, &err);
}

/* Column names renamed in deq 0.2 (NEWS): old and new names are read as
   one another for one release, with a note on stderr.  */
static const char *const renamed[][2] = {
  { "variance", "var_noise" }, { "gcv_naive", "gcv" }, { "train", "E_tr" },
  { "df", "df1" }, { "df_mc", "df1_mc" }, { "df_se", "df1_se" },
  { "df_z", "df1_z" }, { "gcv_naive_mc", "gcv_mc" },
  { "gcv_naive_se", "gcv_se" }, { "gcv_naive_z", "gcv_z" },
};

static int need_column(long *col, const deq_table *t, const fit_opts *o,
                       const char *opt, const char *name)
{
  *col = deq_table_column(t, name);
  if (*col >= 0)
    return CLI_OK;
  for (size_t i = 0; i < sizeof renamed / sizeof renamed[0]; i++)
    for (int k = 0; k < 2; k++)
      if (strcmp(name, renamed[i][k]) == 0
          && (*col = deq_table_column(t, renamed[i][1 - k])) >= 0) {
        fprintf(stderr, "# deq fit: %s %s: reading column '%s' (renamed "
                "from '%s' in deq 0.2)\n", opt, name, renamed[i][1 - k],
                renamed[i][0]);
        return CLI_OK;
      }
  cli_error("fit", "%s: no column '%s' in %s", opt, name, input_name(o));
  return CLI_EUSAGE;
}

/* The standard-error column: --se, or the one named after y.  -1: none.  */
static int se_column(long *col, const deq_table *t, const fit_opts *o)
{
  *col = -1;
  if (o->se)
    return strcmp(o->se, "none") == 0 ? CLI_OK
                                       : need_column(col, t, o, "--se", o->se);
  size_t len = strlen(o->y);
  char *name = malloc(len + 4);
  if (!name) {
    cli_error("fit", "out of memory");
    return CLI_ENUM;
  }
  /* E_g_mc -> E_g_se.  E_g -> E_g_se only if there is no E_g_mc column:
     in a Monte Carlo table E_g_se is the error of E_g_mc, not of the
     theory column E_g.  */
  int mc = len > 3 && strcmp(o->y + len - 3, "_mc") == 0;
  if (mc)
    len -= 3;
  snprintf(name, len + 4, "%.*s_mc", (int)len, o->y);
  int has_mc = deq_table_column(t, name) >= 0;
  snprintf(name, len + 4, "%.*s_se", (int)len, o->y);
  if (mc || !has_mc)
    *col = deq_table_column(t, name);
  free(name);
  return CLI_OK;
}

/* Rows usable for the fit, copied into x, y (and se when sc >= 0).  */
static size_t usable_rows(double *x, double *y, double *se, const deq_table *t,
                          long xc, long yc, long sc, const fit_opts *o)
{
  size_t n = 0;
  for (size_t i = 0; i < t->nrow; i++) {
    const double *row = t->data + i * t->ncol;
    double xi = row[xc], yi = row[yc], si = sc >= 0 ? row[sc] : 1.0;
    if (!(isfinite(xi) && xi > 0 && xi >= o->xmin && xi <= o->xmax))
      continue;
    /* Logs need y > 0; the floor fit weights by 1/y^2 without errors.  */
    if (!isfinite(yi) || (o->floor ? sc < 0 && yi == 0 : !(yi > 0)))
      continue;
    if (!(isfinite(si) && si > 0))
      continue;
    x[n] = xi;
    y[n] = yi;
    se[n] = si;
    n++;
  }
  return n;
}

/* Range of the local exponents over the fitted points: the drift of the
   exponent across the window, a systematic error of a pure power law.  */
static void local_range(double *lo, double *hi, const double *x,
                        const double *y, size_t n)
{
  *lo = *hi = NAN;
  double *b = malloc(n * sizeof *b);
  if (!b || deq_fit_local_slopes(b, n, x, y) != DEQ_OK) {
    free(b);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(b[i])) continue;
    if (!(b[i] >= *lo)) *lo = b[i];
    if (!(b[i] <= *hi)) *hi = b[i];
  }
  free(b);
}

static int write_fit(const deq_fit *f, const double *x, const double *y,
                     size_t n, const fit_opts *o)
{
  static const char *const cols[] = {
    "exponent", "exponent_se", "amplitude", "amplitude_se", "floor",
    "floor_se", "chi2_dof", "birge", "n", "x_lo", "x_hi", "local_min",
    "local_max", "dof", "exponent_ci95" };
  double lmin, lmax;
  local_range(&lmin, &lmax, x, y, n);
  double row[15] = { f->b, f->b_se, f->c, f->c_se, f->floor, f->floor_se,
                     f->chi2_dof, f->birge, (double)f->n, f->x_lo, f->x_hi,
                     lmin, lmax, f->dof, f->b_ci95 };
  cli_table t;
  cli_table_init(&t, 15, cols);
  int st = cli_table_add(&t, "fit", row);
  if (st == CLI_OK)
    st = cli_table_write(&t, &o->out, NULL);
  cli_table_free(&t);
  return st;
}

static int write_local(const double *x, const double *y, size_t n,
                       const fit_opts *o)
{
  static const char *const cols[] = { "x", "y", "local_exponent" };
  double *b = malloc(n * sizeof *b);
  if (!b) {
    cli_error("fit", "out of memory");
    return CLI_ENUM;
  }
  deq_status ds = deq_fit_local_slopes(b, n, x, y);
  int st = CLI_OK;
  if (ds != DEQ_OK) {
    cli_error("fit", "--local: %s", ds == DEQ_EDOM
              ? "the x values must be strictly increasing or decreasing"
              : deq_strerror(ds));
    st = cli_status_exit(ds);
  }
  cli_table t;
  cli_table_init(&t, 3, cols);
  for (size_t i = 0; st == CLI_OK && i < n; i++)
    st = cli_table_add(&t, "fit", (double[]){ x[i], y[i], b[i] });
  if (st == CLI_OK)
    st = cli_table_write(&t, &o->out, NULL);
  cli_table_free(&t);
  free(b);
  return st;
}

static int fit_points(const double *x, const double *y, const double *se,
                      size_t n, const fit_opts *o)
{
  size_t need = o->floor ? 4 : 2;
  if (n < need) {
    cli_error("fit", "%s: %zu usable point%s of (%s, %s) (finite, x > 0, in "
              "the window%s); need at least %zu%s", input_name(o), n,
              n == 1 ? "" : "s", o->x, o->y, o->floor ? "" : ", y > 0", need,
              o->floor ? " with --floor" : "");
    return CLI_EUSAGE;
  }
  if (o->local)
    return write_local(x, y, n, o);
  deq_fit f;
  deq_status ds = o->floor
    ? deq_fit_powerlaw_floor(&f, n, x, y, se, o->xmin, o->xmax)
    : deq_fit_powerlaw(&f, n, x, y, se, o->xmin, o->xmax);
  if (ds != DEQ_OK) {
    cli_error("fit", "fitting %s against %s: %s", o->y, o->x, deq_strerror(ds));
    return cli_status_exit(ds);
  }
  return write_fit(&f, x, y, n, o);
}

static int run_fit(const deq_table *t, const fit_opts *o)
{
  long xc, yc, sc;
  int st = need_column(&xc, t, o, "--x", o->x);
  if (st == CLI_OK)
    st = need_column(&yc, t, o, "--y", o->y);
  if (st == CLI_OK)
    st = se_column(&sc, t, o);
  if (st != CLI_OK)
    return st;
  size_t cap = t->nrow ? t->nrow : 1;
  double *x = malloc(cap * sizeof *x), *y = malloc(cap * sizeof *y);
  double *se = malloc(cap * sizeof *se);
  if (!x || !y || !se) {
    cli_error("fit", "out of memory");
    st = CLI_ENUM;
  } else {
    size_t n = usable_rows(x, y, se, t, xc, yc, sc, o);
    st = fit_points(x, y, sc >= 0 ? se : NULL, n, o);
  }
  free(x);
  free(y);
  free(se);
  return st;
}

int cmd_fit(int argc, char **argv)
{
  if (cli_has_option(argc, argv, "--spectrum"))
    return cmd_fit_spectrum(argc, argv);
  if (cli_has_option(argc, argv, "--joint"))
    return cmd_fit_joint(argc, argv);
  fit_opts o = { "P", "E_g", NULL, 0, 0, 0.0, INFINITY,
                 { "fit", CLI_FORMAT_TSV, NULL }, NULL };
  char **pos = malloc((size_t)argc * sizeof *pos);
  if (!pos) {
    cli_error("fit", "out of memory");
    return CLI_ENUM;
  }
  int npos = 0;
  int st = cli_getopt(argc, argv, "fit", fit_options, fit_help, fit_option,
                      &o, &npos, pos);
  if (st == CLI_OK && npos > 1) {
    cli_error("fit", "unexpected argument '%s' (one input file at most)",
              pos[1]);
    st = CLI_EUSAGE;
  }
  if (st == CLI_OK && npos == 1)
    o.path = pos[0];
  free(pos);
  if (st == CLI_OK && o.local && o.floor) {
    cli_error("fit", "--local cannot be combined with --floor");
    st = CLI_EUSAGE;
  }
  if (st == CLI_OK && !(o.xmin <= o.xmax)) {
    cli_error("fit", "--xmin must not exceed --xmax");
    st = CLI_EUSAGE;
  }
  if (st != CLI_OK)
    return st < 0 ? CLI_OK : st;
  deq_table *t = NULL;
  st = read_table(&t, &o);
  if (st == CLI_OK)
    st = run_fit(t, &o);
  deq_table_free(t);
  return st;
}
