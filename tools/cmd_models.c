/* tools/cmd_models.c -- the model commands: deq ridge | rf | corr and their
 * `deq mc` counterparts, each one descriptor (deq/model.h) run by the
 * engine in cli_model.c.  Extra modes: ridge --predict-exponent and
 * gd --early-stop.  */
#include <config.h>

#include <math.h>
#include <string.h>

#include "cli.h"
#include "deq/dynamics.h"

/* --predict-exponent: the exponent of E_g in P predicted from the power
   law's alpha and the source exponent r, in the regime the options ask
   for.  */
static int predict(const cli_model_extra *e)
{
  const deq_model_type *t = &deq_model_ridge;
  int is = deq_model_param(t, "spectrum"), il = deq_model_param(t, "lambda");
  int io = deq_model_param(t, "optimal-lambda"), in = deq_model_param(t, "noise");
  const cli_spec *s = &e->spec[is];
  if (s->target != CLI_TARGET_SOURCE) {
    cli_error(e->cmd, "--predict-exponent needs --spectrum powerlaw:... and "
              "--target source:r=...");
    return CLI_EUSAGE;
  }
  int optimal = e->x[io] != 0, ridgeless = !e->given[il] || e->x[il] == 0;
  deq_ridge_regime regime = optimal ? DEQ_REGIME_OPTIMAL
                            : ridgeless ? DEQ_REGIME_RIDGELESS
                            : DEQ_REGIME_FIXED;
  const char *name = optimal ? "optimal" : ridgeless ? "ridgeless" : "fixed";
  int noisy = e->x[in] > 0;
  deq_exponent ex;
  const deq_powerlaw *p = &s->powerlaw;
  deq_status st = deq_fit_predict_ridge(&ex, p->alpha, p->r, regime, 0.0, noisy);
  if (st != DEQ_OK) {
    cli_error(e->cmd, "--predict-exponent: %s", st == DEQ_EDOM
              ? "the prediction needs alpha > 1 and r > 0" : deq_strerror(st));
    return cli_status_exit(st);
  }
  static const char *const cols[] = { "regime", "alpha", "r", "noisy",
                                      "exponent", "floor", "lambda_exponent" };
  cli_cell row[7] = { { 0, name }, { p->alpha, NULL }, { p->r, NULL },
                      { noisy, NULL }, { ex.b, NULL }, { ex.floor, NULL },
                      { ex.lambda_b, NULL } };
  cli_table tab;
  cli_table_init(&tab, 7, cols);
  int ret = cli_table_add_cells(&tab, e->cmd, row);
  if (ret == CLI_OK) ret = cli_table_write(&tab, e->out, NULL);
  cli_table_free(&tab);
  return ret;
}

/* --early-stop: per (P, lr) of the grids, the step t* in [0, t_max] with
   the smallest R_t (deq_gd_early_stop scans every step), t_max the last
   --steps value, next to the risk at t_max and at t = inf (least
   squares / the ridgeless fit) so that the gain of stopping shows.  */
static int early_stop(const cli_model_extra *e)
{
  const deq_model_type *t = &deq_model_gd;
  int is = deq_model_param(t, "spectrum"), in = deq_model_param(t, "noise");
  /* axes in params order: P, lr, steps */
  const deq_model_axis *aP = &e->axes[0], *alr = &e->axes[1];
  const deq_model_axis *ast = &e->axes[2];
  deq_error err;
  deq_error_clear(&err);
  deq_status ds = deq_model_check(t, e->x, e->axes, 0, &err);
  if (ds != DEQ_OK) {
    cli_error(e->cmd, "%s", err.message);
    return CLI_EUSAGE;
  }
  double t_max = ast->v[ast->n - 1];
  if (!(t_max <= 1e7)) {
    cli_error(e->cmd, "--early-stop: the last --steps value %g is the search "
              "horizon t_max and must be finite and at most 1e7", t_max);
    return CLI_EUSAGE;
  }
  const deq_spectrum *sp = e->obj[is];
  static const char *const cols[] = { "P", "lr", "t_max", "t_star", "E_g",
                                      "signal", "variance", "E_test",
                                      "E_g_t_max", "E_g_inf" };
  cli_table tab;
  cli_table_init(&tab, 10, cols);
  int ret = CLI_OK;
  for (size_t i = 0; ret == CLI_OK && i < aP->n; i++)
    for (size_t j = 0; ret == CLI_OK && j < alr->n; j++) {
      double P = aP->v[i], eta = alr->v[j], ends[2] = { t_max, INFINITY };
      if (isnan(eta) && (ds = deq_gd_lr_bound(&eta, sp, P)) == DEQ_OK)
        eta /= 2;                                    /* the default 1/hi */
      deq_gd_point best, end[2];
      if (ds == DEQ_OK)
        ds = deq_gd_early_stop(&best, sp, P, e->x[in], eta, t_max, &err);
      if (ds == DEQ_OK)
        ds = deq_gd_run(end, sp, P, e->x[in], eta, ends, 2, &err);
      if (ds != DEQ_OK && ds != DEQ_EDIVERGE) {
        cli_error(e->cmd, "--early-stop at P=%g, lr=%g: %s", P, eta,
                  err.message[0] ? err.message : deq_strerror(ds));
        ret = cli_status_exit(ds);
        break;
      }
      double row[10] = { P, eta, t_max, best.step, best.E_g, best.signal,
                         best.variance, best.E_test, end[0].E_g, end[1].E_g };
      ret = cli_table_add(&tab, e->cmd, row);
    }
  if (ret == CLI_OK) ret = cli_table_write(&tab, e->out, NULL);
  cli_table_free(&tab);
  return ret;
}

static const cli_model_cmd commands[] = {
  { &deq_model_ridge, "mc ridge", "predict-exponent",
    "print the predicted exponent of E_g in P instead (power-law spectrum "
    "with a source target; --lambda > 0 means a fixed ridge)", 1, predict },
  { &deq_model_rf, "mc rf", NULL, NULL, 0, NULL },
  { &deq_model_corr, "mc corr", NULL, NULL, 0, NULL },
  { &deq_model_ensemble, "mc ensemble", NULL, NULL, 0, NULL },
  { &deq_model_twopoint, "mc twopoint", NULL, NULL, 0, NULL },
  { &deq_model_icl, "mc icl", NULL, NULL, 0, NULL },
  { &deq_model_cot, "mc cot", NULL, NULL, 0, NULL },
  { &deq_model_icl_depth, "mc icl-depth", NULL, NULL, 0, NULL },
  { &deq_model_sgd, "mc sgd", NULL, NULL, 0, NULL },
  { &deq_model_subsample, "mc subsample", NULL, NULL, 0, NULL },
  { &deq_model_flow, "mc flow", NULL, NULL, 0, NULL },
  { &deq_model_gd, "mc gd", "early-stop",
    "print, per P and lr, the early-stopping optimum instead: the step "
    "t_star in [0, t_max] (t_max: the last --steps value, at most 1e7) "
    "with the smallest E_g, its risk, and E_g at t_max and at t = inf",
    0, early_stop },
  { &deq_model_msgd, "mc msgd", NULL, NULL, 0, NULL },
  { &deq_model_frontier, NULL, NULL, NULL, 0, NULL },
};

const cli_model_cmd *cli_model_command(const char *name)
{
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(commands[i].type->name, name) == 0) return &commands[i];
  return NULL;
}

/* `deq [mc] ensemble --views FILE ...`: ensembles given by a member file
   are the subsample model.  By name, so that this holds whether or not
   the random-feature `ensemble` command is registered.  */
const cli_model_cmd *cli_model_forward(const char *name, int argc,
                                       char **argv)
{
  if (strcmp(name, "ensemble") != 0) return NULL;
  for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
    if (strcmp(argv[i], "--views") == 0 || strncmp(argv[i], "--views=", 8) == 0)
      return cli_model_command("subsample");
  return NULL;
}
