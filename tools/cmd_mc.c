/* tools/cmd_mc.c -- `deq mc MODEL ...`: Monte Carlo counterparts of the
 * model commands, next to their theory.  Only ridge so far.  */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"


static const char mc_help[] =
  "Usage: deq mc MODEL [OPTIONS]\n"
  "Monte Carlo simulation of a model next to its deterministic equivalent.\n\n"
  "Models:\n"
  "  ridge     ridge regression (see 'deq mc ridge --help')\n"
  "  rf        linear random features and deep features\n"
  "  corr      ridge with correlated samples\n"
  "  spectrum  eigenvalues of sample covariances and matrix products\n\n"
  "Every model takes the options of its theory command plus --trials T,\n"
  "--seed S and --threads K.\n";

static const char mc_ridge_help[] =
  "Usage: deq mc ridge --spectrum SPEC [--target TARGET] --P GRID [OPTIONS]\n"
  "Monte Carlo ridge regression next to its deterministic equivalent.\n\n"
  "  --spectrum, --target, --noise, --lambda, --optimal-lambda, --format,\n"
  "  --plot               as for 'deq ridge' (the spectrum must be exact:\n"
  "                       integer multiplicities, finite dimension)\n"
  "  --P GRID             integer sample sizes > 0\n"
  "  --trials T           trials per P (>= 2, default 100)\n"
  "  --seed S             random seed (default 1)\n"
  "  --threads K          threads (default 0: one per core); results do\n"
  "                       not depend on K\n"
  "  -h, --help           print this help\n\n"
  "Columns: P lambda kappa df1 E_g E_test E_tr gcv, then for E_g, E_tr, gcv\n"
  "and df1 the Monte Carlo mean <name>_mc, its standard error <name>_se and\n"
  "the z-score <name>_z against theory (gcv against E_test).\n";

static const char *const mc_ridge_columns[] = {
  "P", "lambda", "kappa", "df1", "E_g", "E_test", "E_tr", "gcv",
  "E_g_mc", "E_g_se", "E_g_z", "E_tr_mc", "E_tr_se", "E_tr_z",
  "gcv_mc", "gcv_se", "gcv_z", "df1_mc", "df1_se", "df1_z"
};
#define MC_RIDGE_NCOL (sizeof mc_ridge_columns / sizeof mc_ridge_columns[0])

static void mc_row(double *row, const deq_ridge_point *p,
                   const deq_mc_ridge_row *m)
{
  double theory[8] = { p->P, p->lambda, p->kappa, p->df1, p->E_g, p->E_test,
                       p->E_tr, p->gcv };
  memcpy(row, theory, sizeof theory);
  cli_mc_estimate_cells(row + 8, &m->E_g, p->E_g);
  cli_mc_estimate_cells(row + 11, &m->E_tr, p->E_tr);
  cli_mc_estimate_cells(row + 14, &m->gcv, p->E_test);
  cli_mc_estimate_cells(row + 17, &m->df1, p->df1);
}

/* Run the trials at each P and fill the table.  pts holds nl points per P.  */
static int simulate(cli_table *t, const deq_spectrum *sp,
                    const cli_ridge_opts *o, const deq_ridge_point *pts,
                    size_t nl)
{
  double *lambda = malloc(nl * sizeof *lambda);
  deq_mc_ridge_row *rows = malloc(nl * sizeof *rows);
  int st = lambda && rows ? CLI_OK : CLI_ENUM;
  if (st != CLI_OK)
    cli_error(o->cmd, "out of memory");
  for (size_t i = 0; st == CLI_OK && i < o->P.n; i++) {
    const deq_ridge_point *p = pts + i * nl;
    for (size_t j = 0; j < nl; j++)
      lambda[j] = p[j].lambda;
    deq_status ds = deq_mc_ridge_run(rows, sp, (size_t)o->P.v[i], lambda, nl,
                                     o->noise, (size_t)o->trials,
                                     cli_mc_seed(o->seed, i), o->threads);
    if (ds != DEQ_OK) {
      char buf[32], dim[32];
      cli_error(o->cmd, "P=%s: Monte Carlo failed: %s%s%s%s",
                cli_num(buf, o->P.v[i]), deq_strerror(ds),
                ds == DEQ_EUNSUP ? " (dimension " : "",
                ds == DEQ_EUNSUP ? cli_num(dim, sp->dim) : "",
                ds == DEQ_EUNSUP ? "; the sampler takes at most 2^20)" : "");
      st = cli_status_exit(ds);
    }
    for (size_t j = 0; st == CLI_OK && j < nl; j++) {
      double row[MC_RIDGE_NCOL];
      mc_row(row, &p[j], &rows[j]);
      st = cli_table_add(t, o->cmd, row);
    }
  }
  free(lambda);
  free(rows);
  return st;
}

static int mc_ridge(int argc, char **argv)
{
  cli_ridge_opts o;
  int st = cli_ridge_opts_parse(&o, argc, argv, mc_ridge_help);
  if (st != CLI_OK)
    return st < 0 ? CLI_OK : st;
  deq_spectrum *sp = NULL;
  deq_ridge_point *pts = NULL;
  size_t n = 0;
  cli_table t;
  cli_table_init(&t, MC_RIDGE_NCOL, mc_ridge_columns);
  st = cli_spec_build(&sp, o.cmd, &o.spec);
  if (st == CLI_OK)
    st = cli_mc_check_sampleable(sp, o.cmd, o.spectrum);
  if (st == CLI_OK)
    st = cli_ridge_solve(&pts, &n, sp, &o);
  if (st == CLI_OK) {
    fprintf(stderr, "# deq mc ridge: seed=%llu trials=%llu threads=%d\n",
            (unsigned long long)o.seed, (unsigned long long)o.trials,
            cli_mc_threads(o.threads));
    st = simulate(&t, sp, &o, pts, n / o.P.n);
  }
  cli_plot plot = { 0, cli_table_column(&t, "E_g"),
                    cli_table_column(&t, "E_g_mc"),
                    cli_table_column(&t, "E_g_se"),
                    o.lambda.n > 1 && !o.optimal ? 1 : -1 };
  if (st == CLI_OK)
    st = cli_table_write(&t, &o.out, &plot);
  cli_table_free(&t);
  free(pts);
  deq_spectrum_free(sp);
  cli_ridge_opts_free(&o);
  return st;
}

/* Models with a Monte Carlo counterpart: deq mc MODEL ...  */
typedef struct mc_model {
  const char *name;
  int (*run)(int argc, char **argv);
} mc_model;

static const mc_model models[] = {
  { "ridge", mc_ridge },
  { "rf", cmd_mc_rf },
  { "corr", cmd_mc_corr },
  { "spectrum", cmd_mc_spectrum },
};
#define NMODELS (sizeof models / sizeof models[0])

int cmd_mc(int argc, char **argv)
{
  if (argc < 2) {
    cli_error("mc", "missing model (deq mc ridge ...; see deq mc --help)");
    return CLI_EUSAGE;
  }
  const char *model = argv[1];
  if (strcmp(model, "--help") == 0 || strcmp(model, "-h") == 0) {
    fputs(mc_help, stdout);
    return CLI_OK;
  }
  for (size_t i = 0; i < NMODELS; i++)
    if (strcmp(model, models[i].name) == 0)
      return models[i].run(argc - 1, argv + 1);
  if (model[0] == '-')
    cli_error("mc", "missing model before '%s' (deq mc ridge ...)", model);
  else
    cli_error("mc", "unknown model '%s' (models: ridge, rf, corr, spectrum)",
              model);
  return CLI_EUSAGE;
}
