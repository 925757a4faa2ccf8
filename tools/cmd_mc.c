/* tools/cmd_mc.c -- `deq mc MODEL ...`: the Monte Carlo counterpart of a
 * model command (the engine in cli_model.c), or of `deq spectrum`.  */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "cli.h"

/* The help and the list of models come from the model types, so that a
   new model with a Monte Carlo appears here by itself.  */
static void mc_help(void)
{
  fputs("Usage: deq mc MODEL [OPTIONS]\n"
        "Monte Carlo simulation of a model next to its deterministic "
        "equivalent.\n\nModels:\n", stdout);
  for (const deq_model_type *const *t = deq_model_types(); *t; t++)
    if ((*t)->mc) {   /* the summary up to its first colon: one line */
      const char *colon = strstr((*t)->summary, ": ");
      int len = colon ? (int)(colon - (*t)->summary) : (int)strlen((*t)->summary);
      printf("  %-10s %.*s\n", (*t)->name, len, (*t)->summary);
    }
  fputs("  spectrum   eigenvalues of sample covariances and matrix products\n\n"
        "Every model takes the options of its theory command plus --trials T,\n"
        "--seed S and --threads K, --checkpoint FILE, --resume FILE,\n"
        "--progress, --quiet and --blas-threads K (see 'deq mc MODEL --help');\n"
        "mpirun -np R deq mc MODEL ... shares the trials among R ranks (built\n"
        "with --with-mpi) with bitwise the same output.\n", stdout);
}

/* "ridge, rf, ..., spectrum" into buf.  */
static const char *mc_models(char *buf, size_t len)
{
  buf[0] = '\0';
  for (const deq_model_type *const *t = deq_model_types(); *t; t++)
    if ((*t)->mc) {
      size_t used = strlen(buf);
      snprintf(buf + used, len - used, "%s, ", (*t)->name);
    }
  size_t used = strlen(buf);
  snprintf(buf + used, len - used, "spectrum");
  return buf;
}

int cmd_mc(int argc, char **argv)
{
  if (argc < 2) {
    cli_error("mc", "missing model (deq mc ridge ...; see deq mc --help)");
    return CLI_EUSAGE;
  }
  const char *model = argv[1];
  if (strcmp(model, "--help") == 0 || strcmp(model, "-h") == 0) {
    mc_help();
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
  else {
    char names[512];
    cli_error("mc", "unknown model '%s' (models: %s)", model,
              mc_models(names, sizeof names));
  }
  return CLI_EUSAGE;
}
