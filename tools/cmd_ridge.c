/* tools/cmd_ridge.c -- `deq ridge`: ridge learning curves, the optimal
 * ridge, and predicted exponents.  Its option parsing is shared with
 * `deq mc ridge`.  */
#include <config.h>

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char ridge_help[] =
  "Usage: deq ridge --spectrum SPEC [--target TARGET] --P GRID [OPTIONS]\n"
  "Ridge regression learning curves from the deterministic equivalent.\n\n"
  "  --spectrum SPEC      iso:n=N[,scale=S] | loguniform:n=N,lo=A,hi=B |\n"
  "                       powerlaw:alpha=A,n=N|inf[,scale=S,head=H,\n"
  "                       exact_max=M] | file:PATH (lines 'eigenvalue\n"
  "                       [target_power [multiplicity]]')\n"
  "  --target TARGET      source:r=R[,amp=A] (power law) | iso[:norm=W2] |\n"
  "                       file:PATH (one target power per atom) | none;\n"
  "                       required unless the spectrum is a file\n"
  "  --noise S2           label noise variance sigma^2 >= 0 (default 0)\n"
  "  --P GRID             sample sizes > 0\n"
  "  --lambda GRID        ridges >= 0, normalised by P (default 0)\n"
  "  --optimal-lambda     one row per P at the optimal ridge lambda*(P)\n"
  "  --predict-exponent   print the predicted exponent of E_g in P instead\n"
  "                       (power-law spectrum with a source target)\n"
  "  --format tsv|json    output format (default tsv)\n"
  "  --plot FILE.svg|png  draw E_g against P with gnuplot\n"
  "  -h, --help           print this help\n\n"
  "A GRID is a value, a list v1,v2,... or start:stop:count[:log].\n"
  "Columns: P lambda kappa df1 df2 gamma bias variance E_g E_test E_tr gcv\n"
  "dkappa_dlambda; E_g is the excess risk, E_test = E_g + noise.\n";

#define RIDGE_COMMON_OPTIONS                                   \
  { "spectrum", required_argument, NULL, OPT_SPECTRUM },      \
  { "target", required_argument, NULL, OPT_TARGET },          \
  { "noise", required_argument, NULL, OPT_NOISE },            \
  { "P", required_argument, NULL, OPT_P },                    \
  { "lambda", required_argument, NULL, OPT_LAMBDA },          \
  { "optimal-lambda", no_argument, NULL, OPT_OPTIMAL },       \
  { "format", required_argument, NULL, OPT_FORMAT },          \
  { "plot", required_argument, NULL, OPT_PLOT },              \
  { "help", no_argument, NULL, OPT_HELP }

static const struct option ridge_options[] = {
  RIDGE_COMMON_OPTIONS,
  { "predict-exponent", no_argument, NULL, OPT_PREDICT },
  { NULL, 0, NULL, 0 }
};

static const struct option mc_ridge_options[] = {
  RIDGE_COMMON_OPTIONS,
  CLI_MC_OPTIONS,
  { NULL, 0, NULL, 0 }
};

/* ------------------------------------------------------------ options */

static int ridge_option(void *ctx, int code, const char *arg)
{
  cli_ridge_opts *o = ctx;
  switch (code) {
  case OPT_SPECTRUM: o->spectrum = arg; return CLI_OK;
  case OPT_TARGET: o->target = arg; return CLI_OK;
  case OPT_NOISE:
    return cli_scalar_parse(&o->noise, o->cmd, "--noise", arg, CLI_NONNEGATIVE);
  case OPT_P:
    return cli_grid_parse(&o->P, o->cmd, "--P", arg,
                          CLI_POSITIVE | (o->mc ? CLI_INTEGER : 0));
  case OPT_LAMBDA:
    o->lambda_given = 1;
    return cli_grid_parse(&o->lambda, o->cmd, "--lambda", arg, CLI_NONNEGATIVE);
  case OPT_OPTIMAL: o->optimal = 1; return CLI_OK;
  case OPT_PREDICT: o->predict = 1; return CLI_OK;
  case OPT_FORMAT: return cli_format_parse(&o->out.format, o->cmd, arg);
  case OPT_PLOT: return cli_plot_parse(&o->out.plot, o->cmd, arg);
  case OPT_TRIALS:
  case OPT_SEED:
  case OPT_THREADS:
    return cli_mc_option(&o->trials, &o->seed, &o->threads, o->cmd, code, arg);
  }
  cli_error(o->cmd, "internal error: option %d", code);
  return CLI_EUSAGE;
}

/* Checks that need every option.  */
static int ridge_opts_check(cli_ridge_opts *o, int npos, char **pos)
{
  if (npos > 0) {
    cli_error(o->cmd, "unexpected argument '%s'", pos[0]);
    return CLI_EUSAGE;
  }
  int st = cli_spec_parse(&o->spec, o->cmd, o->spectrum, o->target,
                          !o->predict);
  if (st != CLI_OK)
    return st;
  if (o->predict) {
    if (o->spec.target != CLI_TARGET_SOURCE) {
      cli_error(o->cmd, "--predict-exponent needs --spectrum powerlaw:... and "
                "--target source:r=...");
      return CLI_EUSAGE;
    }
    if (o->out.plot) {
      cli_error(o->cmd, "--plot: --predict-exponent has no curve to plot");
      return CLI_EUSAGE;
    }
  } else if (o->P.n == 0) {
    cli_error(o->cmd, "--P is required");
    return CLI_EUSAGE;
  }
  if (o->optimal && o->lambda_given) {
    cli_error(o->cmd, "--lambda cannot be combined with --optimal-lambda");
    return CLI_EUSAGE;
  }
  if (o->lambda.n == 0)
    return cli_grid_parse(&o->lambda, o->cmd, "--lambda", "0", CLI_NONNEGATIVE);
  if (o->P.n > SIZE_MAX / sizeof(deq_ridge_point) / o->lambda.n) {
    cli_error(o->cmd, "--P and --lambda: the grid is too large");
    return CLI_EUSAGE;
  }
  return CLI_OK;
}

int cli_ridge_opts_parse(cli_ridge_opts *o, int argc, char **argv,
                         const char *mc_help)
{
  int mc = mc_help != NULL;
  memset(o, 0, sizeof *o);
  o->mc = mc;
  o->cmd = mc ? "mc ridge" : "ridge";
  o->out.command = o->cmd;
  o->out.format = CLI_FORMAT_TSV;
  o->trials = 100;
  o->seed = 1;
  char **pos = malloc((size_t)argc * sizeof *pos);
  if (!pos) {
    cli_error(o->cmd, "out of memory");
    return CLI_ENUM;
  }
  int npos = 0;
  int st = cli_getopt(argc, argv, o->cmd, mc ? mc_ridge_options : ridge_options,
                      mc ? mc_help : ridge_help, ridge_option, o,
                      &npos, pos);
  if (st == CLI_OK)
    st = ridge_opts_check(o, npos, pos);
  free(pos);
  if (st != CLI_OK)
    cli_ridge_opts_free(o);
  return st;
}

void cli_ridge_opts_free(cli_ridge_opts *o)
{
  cli_grid_free(&o->P);
  cli_grid_free(&o->lambda);
}

/* ------------------------------------------------------------ statuses */

int cli_ridge_check(const char *cmd, deq_status ret,
                    const deq_ridge_point *pts, size_t n)
{
  char bp[32], bl[32];
  if (ret == DEQ_OK || ret == DEQ_EDIVERGE) {
    for (size_t i = 0; i < n; i++)
      if (pts[i].status == DEQ_EDIVERGE)
        fprintf(stderr, "deq %s: P=%s, lambda=%s: interpolation peak (P equals "
                "the rank); %s\n", cmd, cli_num(bp, pts[i].P),
                cli_num(bl, pts[i].lambda), isinf(pts[i].E_g)
                ? "E_g is infinite" : "dkappa/dlambda is infinite "
                "(noiseless: E_g -> 0)");
    return CLI_OK;
  }
  for (size_t i = 0; i < n; i++)
    if (pts[i].status == ret) {
      cli_error(cmd, "P=%s, lambda=%s: %s", cli_num(bp, pts[i].P),
                cli_num(bl, pts[i].lambda), deq_strerror(ret));
      return CLI_ENUM;
    }
  cli_error(cmd, "%s", deq_strerror(ret));
  return CLI_ENUM;
}

/* ------------------------------------------------------------ the command */

static const char *const ridge_columns[] = {
  "P", "lambda", "kappa", "df1", "df2", "gamma", "bias", "variance",
  "E_g", "E_test", "E_tr", "gcv", "dkappa_dlambda"
};
#define RIDGE_NCOL (sizeof ridge_columns / sizeof ridge_columns[0])

static int write_points(const cli_ridge_opts *o, const deq_ridge_point *pts,
                        size_t n)
{
  cli_table t;
  cli_table_init(&t, RIDGE_NCOL, ridge_columns);
  int st = CLI_OK;
  for (size_t i = 0; st == CLI_OK && i < n; i++) {
    const deq_ridge_point *p = &pts[i];
    double row[RIDGE_NCOL] = {
      p->P, p->lambda, p->kappa, p->df1, p->df2, p->gamma, p->bias,
      p->variance, p->E_g, p->E_test, p->E_tr, p->gcv, p->dkappa_dlambda };
    st = cli_table_add(&t, o->cmd, row);
  }
  /* One curve per lambda when several were asked for.  */
  cli_plot plot = { 0, cli_table_column(&t, "E_g"), -1, -1,
                    o->lambda.n > 1 && !o->optimal ? 1 : -1 };
  if (st == CLI_OK)
    st = cli_table_write(&t, &o->out, &plot);
  cli_table_free(&t);
  return st;
}

/* Solve every (P, lambda) of the grid, or the optimum at each P.  */
static deq_status solve_points(deq_ridge_point *pts, const deq_spectrum *sp,
                               const cli_ridge_opts *o)
{
  if (!o->optimal) {
    deq_status ret = deq_ridge_grid(pts, sp, o->P.v, o->P.n, o->lambda.v,
                                    o->lambda.n, o->noise);
    /* The inputs, as given (also for points the solver never reached).  */
    for (size_t i = 0; i < o->P.n; i++)
      for (size_t j = 0; j < o->lambda.n; j++) {
        pts[i * o->lambda.n + j].P = o->P.v[i];
        pts[i * o->lambda.n + j].lambda = o->lambda.v[j];
      }
    return ret;
  }
  deq_status ret = DEQ_OK;
  for (size_t i = 0; i < o->P.n; i++) {
    deq_status st = deq_ridge_optimal(&pts[i], sp, o->P.v[i], o->noise);
    pts[i].status = st;
    pts[i].P = o->P.v[i];
    if (st != DEQ_OK && (ret == DEQ_OK || ret == DEQ_EDIVERGE))
      ret = st;
  }
  return ret;
}

int cli_ridge_solve(deq_ridge_point **out, size_t *n, const deq_spectrum *sp,
                    const cli_ridge_opts *o)
{
  *n = o->optimal ? o->P.n : o->P.n * o->lambda.n;
  *out = calloc(*n, sizeof **out);
  if (!*out) {
    cli_error(o->cmd, "out of memory for %zu points", *n);
    return CLI_ENUM;
  }
  deq_status ret = solve_points(*out, sp, o);
  int st = cli_ridge_check(o->cmd, ret, *out, *n);
  if (st != CLI_OK) {
    free(*out);
    *out = NULL;
  }
  return st;
}

static int predict(const cli_ridge_opts *o)
{
  int ridgeless = 1;
  for (size_t j = 0; j < o->lambda.n; j++)
    ridgeless &= o->lambda.v[j] == 0;
  deq_ridge_regime regime = o->optimal ? DEQ_REGIME_OPTIMAL
                            : ridgeless ? DEQ_REGIME_RIDGELESS
                            : DEQ_REGIME_FIXED;
  const char *name = o->optimal ? "optimal" : ridgeless ? "ridgeless" : "fixed";
  int noisy = o->noise > 0;
  deq_exponent e;
  const deq_powerlaw *p = &o->spec.powerlaw;
  deq_status st = deq_fit_predict_ridge(&e, p->alpha, p->r, regime, 0.0, noisy);
  if (st != DEQ_OK) {
    cli_error(o->cmd, "--predict-exponent: %s", st == DEQ_EDOM
              ? "the prediction needs alpha > 1 and r > 0" : deq_strerror(st));
    return cli_status_exit(st);
  }
  static const char *const cols[] = { "regime", "alpha", "r", "noisy",
                                      "exponent", "floor", "lambda_exponent" };
  cli_cell row[7] = { { 0, name }, { p->alpha, NULL }, { p->r, NULL },
                      { noisy, NULL }, { e.b, NULL }, { e.floor, NULL },
                      { e.lambda_b, NULL } };
  cli_table t;
  cli_table_init(&t, 7, cols);
  int ret = cli_table_add_cells(&t, o->cmd, row);
  if (ret == CLI_OK)
    ret = cli_table_write(&t, &o->out, NULL);
  cli_table_free(&t);
  return ret;
}

static int curve(const cli_ridge_opts *o)
{
  deq_spectrum *sp = NULL;
  deq_ridge_point *pts = NULL;
  size_t n = 0;
  int st = cli_spec_build(&sp, o->cmd, &o->spec);
  if (st == CLI_OK)
    st = cli_ridge_solve(&pts, &n, sp, o);
  if (st == CLI_OK)
    st = write_points(o, pts, n);
  free(pts);
  deq_spectrum_free(sp);
  return st;
}

int cmd_ridge(int argc, char **argv)
{
  cli_ridge_opts o;
  int st = cli_ridge_opts_parse(&o, argc, argv, NULL);
  if (st != CLI_OK)
    return st < 0 ? CLI_OK : st;
  st = o.predict ? predict(&o) : curve(&o);
  cli_ridge_opts_free(&o);
  return st;
}
