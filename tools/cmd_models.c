/* tools/cmd_models.c -- the model commands: deq ridge | rf | corr and their
 * `deq mc` counterparts, each one descriptor (deq/model.h) run by the
 * engine in cli_model.c.  Only ridge has an extra mode
 * (--predict-exponent).  */
#include <config.h>

#include <string.h>

#include "cli.h"

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
  { &deq_model_flow, NULL, NULL, NULL, 0, NULL },
  { &deq_model_gd, NULL, NULL, NULL, 0, NULL },
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
