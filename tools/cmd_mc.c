/* tools/cmd_mc.c -- `deq mc MODEL ...`: the Monte Carlo counterpart of a
 * model command (the engine in cli_model.c), or of `deq spectrum`.  */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char mc_help[] =
  "Usage: deq mc MODEL [OPTIONS]\n"
  "Monte Carlo simulation of a model next to its deterministic equivalent.\n\n"
  "Models:\n"
  "  ridge     ridge regression (see 'deq mc ridge --help')\n"
  "  rf        linear random features and deep features\n"
  "  corr      ridge with correlated samples\n"
  "  subsample feature-subsampled ridge ensembles (also: ensemble --views)\n"
  "  spectrum  eigenvalues of sample covariances and matrix products\n\n"
  "Every model takes the options of its theory command plus --trials T,\n"
  "--seed S and --threads K.\n";

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
  if (strcmp(model, "spectrum") == 0)
    return cmd_mc_spectrum(argc - 1, argv + 1);
  const cli_model_cmd *c = cli_model_forward(model, argc - 1, argv + 1);
  if (!c) c = cli_model_command(model);
  if (c && c->type->mc)
    return cli_model_main(c, 1, argc - 1, argv + 1);
  if (model[0] == '-')
    cli_error("mc", "missing model before '%s' (deq mc ridge ...)", model);
  else
    cli_error("mc", "unknown model '%s' (models: ridge, rf, corr, subsample, spectrum)",
              model);
  return CLI_EUSAGE;
}
