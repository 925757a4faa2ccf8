/* tools/cmd_lcurve.c -- `deq gcv --learning-curve`: the learning curve
 * of (kernel) ridge measured on a data set taken as the population, next
 * to the deterministic equivalent of the same data's measured spectrum
 * and noise (deq_lcurve_execute, deq_data_spectrum, deq_ridge_solve).  */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CMD "gcv"

static const char lcurve_help[] =
  "Usage: deq gcv --learning-curve P_GRID --data FILE --y COL [OPTIONS]\n"
  "The learning curve of ridge (or kernel ridge) measured on a data set\n"
  "taken as the population, next to its theory.  For each P: draw P rows\n"
  "uniformly with replacement, fit f = k(x)'(K + P lambda)^+ y (lambda\n"
  "normalised by P; lambda = 0 is the minimum-norm interpolator), and\n"
  "test on all n rows; mean and standard error over trials.  Theory: the\n"
  "ridge deterministic equivalent (deq ridge) of the data's measured\n"
  "spectrum (deq spectrum --data, same kernel) with the measured noise.\n"
  "The label is centred by its mean; there is no intercept.\n\n"
  "  --learning-curve P_GRID  sample sizes (integers >= 1, at most 5000)\n"
  "  --data, --y, --columns, --kernel, --standardize, --max-rows\n"
  "                       as for 'deq spectrum --data' (every kernel, the\n"
  "                       linear one too, uses the n x n Gram matrix here:\n"
  "                       n <= 5000 rows)\n"
  "  --lambda L           ridge >= 0, normalised by P (default 0)\n"
  "  --trials T           trials per P (default 20)\n"
  "  --seed S             random seed (default 1)\n"
  "  --threads K          threads (default: one per core); the numbers are\n"
  "                       bitwise the same for any K\n"
  "  --format tsv|json    output format (default tsv)\n"
  "  --plot FILE.svg|png  theory curve and measured points with error bars\n"
  "  -h, --help           print this help\n\n"
  "Columns: P lambda E_test E_test_mc E_test_se E_test_z (E_test: the\n"
  "theory, test error of the centred label including the noise).  On\n"
  "stderr: the noise, and the exponents b of E_test - noise ~ P^-b (the\n"
  "excess risk E_g) fitted to the measured points (weighted by their\n"
  "errors; points at or below the noise are left out) and to the theory\n"
  "over the whole grid.  Trial t at size P draws from stream (S, P 2^32 + t), so\n"
  "the sizes are independent of one another.\n";

enum { OPT_DATA = 1000, OPT_COLUMNS, OPT_KERNEL, OPT_STANDARDIZE,
       OPT_MAXROWS, OPT_LCURVE };

static const struct option lcurve_options[] = {
  { "learning-curve", required_argument, NULL, OPT_LCURVE },
  { "data", required_argument, NULL, OPT_DATA },
  { "y", required_argument, NULL, OPT_Y },
  { "columns", required_argument, NULL, OPT_COLUMNS },
  { "features", required_argument, NULL, OPT_COLUMNS },
  { "kernel", required_argument, NULL, OPT_KERNEL },
  { "standardize", no_argument, NULL, OPT_STANDARDIZE },
  { "max-rows", required_argument, NULL, OPT_MAXROWS },
  { "lambda", required_argument, NULL, OPT_LAMBDA },
  CLI_MC_OPTIONS,
  { "format", required_argument, NULL, OPT_FORMAT },
  { "plot", required_argument, NULL, OPT_PLOT },
  { "help", no_argument, NULL, OPT_HELP },
  { NULL, 0, NULL, 0 }
};

typedef struct lc_opts {
  cli_data_opts data;
  cli_grid P;
  double lambda;
  uint64_t trials, seed;
  int threads;
  cli_output out;
} lc_opts;

static int lc_option(void *ctx, int code, const char *arg)
{
  lc_opts *o = ctx;
  switch (code) {
  case OPT_LCURVE:
    return cli_grid_parse(&o->P, CMD, "--learning-curve", arg,
                          CLI_POSITIVE | CLI_INTEGER | CLI_ROUND);
  case OPT_DATA: o->data.path = arg; return CLI_OK;
  case OPT_Y: o->data.y = arg; return CLI_OK;
  case OPT_COLUMNS: o->data.columns = arg; return CLI_OK;
  case OPT_KERNEL: return cli_kernel_parse(&o->data.kernel, CMD, arg);
  case OPT_STANDARDIZE: o->data.standardize = 1; return CLI_OK;
  case OPT_MAXROWS:
    return cli_count_parse(&o->data.max_rows, CMD, "--max-rows", arg, 2,
                           1000000000u);
  case OPT_LAMBDA:
    return cli_scalar_parse(&o->lambda, CMD, "--lambda", arg,
                            CLI_NONNEGATIVE);
  case OPT_TRIALS:
  case OPT_SEED:
  case OPT_THREADS:
    return cli_mc_option(&o->trials, &o->seed, &o->threads, CMD, code, arg);
  case OPT_FORMAT: return cli_format_parse(&o->out.format, CMD, arg);
  case OPT_PLOT: return cli_plot_parse(&o->out.plot, CMD, arg);
  }
  cli_error(CMD, "internal error: option %d", code);
  return CLI_EUSAGE;
}

static int check(const lc_opts *o)
{
  if (!o->data.path || !o->data.y) {
    cli_error(CMD, "--learning-curve needs --data FILE and --y COL");
    return CLI_EUSAGE;
  }
  for (size_t i = 0; i < o->P.n; i++)
    if (o->P.v[i] > DEQ_DATA_MAX_ROWS) {
      cli_error(CMD, "--learning-curve: P = %g is more than the limit of %d "
                "(one P x P eigendecomposition per trial)", o->P.v[i],
                DEQ_DATA_MAX_ROWS);
      return CLI_EUSAGE;
    }
  return CLI_OK;
}

/* The exponents of E_g = E_test - noise ~ P^-b over the grid (stderr):
   the known floor is subtracted before the logs (scaling_dynamics.md
   1.5.3); for the linear kernel E_test - noise is exactly the excess
   risk over the best linear predictor.  */
static void report_exponents(const double *P, const double *theory,
                             const double *mc, const double *se, size_t n,
                             double noise)
{
  double *gt = malloc(n * sizeof *gt), *gm = malloc(n * sizeof *gm);
  if (n >= 3 && gt && gm) {
    for (size_t i = 0; i < n; i++) {
      gt[i] = theory[i] - noise;
      gm[i] = mc[i] - noise;
    }
    deq_fit fm, ft;
    if (deq_fit_powerlaw(&fm, n, P, gm, se, 0, INFINITY) == DEQ_OK)
      fprintf(stderr, "# exponent of E_test - noise, measured: b = %.4f +- "
              "%.4f (weighted least squares, P %g..%g)\n", fm.b, fm.b_se,
              fm.x_lo, fm.x_hi);
    if (deq_fit_powerlaw(&ft, n, P, gt, NULL, 0, INFINITY) == DEQ_OK)
      fprintf(stderr, "# exponent of E_test - noise, theory:   b = %.4f "
              "(least squares, P %g..%g)\n", ft.b, ft.x_lo, ft.x_hi);
  }
  free(gt);
  free(gm);
}

static int run(const lc_opts *o, const cli_data *d)
{
  static const char *const cols[] = { "P", "lambda", "E_test", "E_test_mc",
                                      "E_test_se", "E_test_z" };
  deq_spectrum *sp = NULL;
  deq_data_info info;
  deq_lcurve_plan *plan = NULL;
  size_t n = o->P.n;
  double *th = calloc(n, sizeof *th), *mc = calloc(n, sizeof *mc),
         *se = calloc(n, sizeof *se);
  cli_table t;
  cli_table_init(&t, 6, cols);
  int rc = CLI_OK;
  deq_status st = th && mc && se ? DEQ_OK : DEQ_ENOMEM;
  if (!st) st = deq_data_spectrum(&sp, &info, d->X, d->y, d->n, d->d,
                                  &o->data.kernel);
  if (!st) st = deq_lcurve_plan_alloc(&plan, d->X, d->y, d->n, d->d,
                                      &o->data.kernel);
  if (st) {
    cli_error(CMD, "--data %s: %s", o->data.path, deq_strerror(st));
    rc = cli_status_exit(st);
    goto done;
  }
  cli_mc_banner(CMD " --learning-curve", o->seed, o->trials, o->threads);
  fprintf(stderr, "# data: %zu rows, %zu features, %zu modes; label "
          "variance %.6g, noise %.6g\n", d->n, d->d, info.modes, info.y_var,
          info.noise);
  for (size_t i = 0; i < n; i++) {
    deq_ridge_point pt;
    deq_ridge_solve(&pt, sp, o->P.v[i], o->lambda, info.noise, NULL);
    th[i] = pt.E_test;
    deq_mc_estimate e;
    st = deq_lcurve_execute(&e, plan, (size_t)o->P.v[i], o->lambda,
                            (size_t)o->trials, o->seed, o->threads);
    if (st) {
      cli_error(CMD, "--learning-curve: P = %g: %s", o->P.v[i],
                deq_strerror(st));
      rc = cli_status_exit(st);
      goto done;
    }
    mc[i] = e.mean;
    se[i] = e.se;
    double row[6] = { o->P.v[i], o->lambda, th[i], 0, 0, 0 };
    cli_mc_estimate_cells(row + 3, &e, th[i]);
    if ((rc = cli_table_add(&t, CMD, row)) != CLI_OK) goto done;
    cli_table_set_status(&t, i, pt.status);
  }
  report_exponents(o->P.v, th, mc, se, n, info.noise);
  cli_plot plot = { 0, 2, 3, 4, -1 };
  rc = cli_table_write(&t, &o->out, &plot);
done:
  cli_table_free(&t);
  deq_lcurve_plan_free(plan);
  deq_spectrum_free(sp);
  free(th);
  free(mc);
  free(se);
  return rc;
}

int cmd_gcv_learning_curve(int argc, char **argv)
{
  lc_opts o;
  memset(&o, 0, sizeof o);
  o.trials = 20;
  o.seed = 1;
  o.out.command = CMD;
  int npos = 0;
  char **pos = calloc((size_t)argc + 1, sizeof *pos);
  if (!pos) return CLI_ENUM;
  int rc = cli_getopt(argc, argv, CMD, lcurve_options, lcurve_help,
                      lc_option, &o, &npos, pos);
  if (rc == CLI_OK && npos > 0) {
    cli_error(CMD, "unexpected argument '%s'", pos[0]);
    rc = CLI_EUSAGE;
  }
  free(pos);
  if (rc == CLI_OK) rc = check(&o);
  if (rc == CLI_OK) {
    cli_data d;
    rc = cli_data_load(&d, CMD, &o.data, 1);
    if (rc == CLI_OK) {
      rc = run(&o, &d);
      cli_data_free(&d);
    }
  }
  cli_grid_free(&o.P);
  return rc < 0 ? CLI_OK : rc;
}
