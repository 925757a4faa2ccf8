/* tools/deq.c -- the deq command-line tool: dispatch to cmd_<name>, and
 * the option loop every command shares.  */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
/* Declared here rather than through <cblas.h>, which is not OpenBLAS's on
   every system.  */
void openblas_set_num_threads(int num_threads);
#endif

typedef struct command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} command;

static const command commands[] = {
  /* run == NULL: a model command (cli_model_command) */
  { "ridge", NULL, "ridge learning curves (deterministic equivalent)" },
  { "rf", NULL, "linear random features and deep structured features" },
  { "corr", NULL, "ridge with correlated samples, GCV and CorrGCV" },
  { "ensemble", NULL, "random-feature ensembles, optimal ridge, no free lunch" },
  { "twopoint", NULL, "two-point functions z1 z2 (S+z1)^-1 A (S+z2)^-1" },
  { "cot", NULL, "chain of thought: risk vs depth, optimal depth, phases [reconstruction]" },
  { "icl-depth", NULL, "L-layer linear attention as L-step in-context GD [reconstruction]" },
  { "sgd", NULL, "one-pass SGD risk trajectories: schedules, batch ramps, averages" },
  { "subsample", NULL, "feature-subsampled (linear views) ridge ensembles" },
  { "flow", NULL, "gradient flow of linear random features: L(t, N, P) [derived, checked by simulation in the sheet]" },
  { "gd", NULL, "full-batch GD on P fixed samples: R_t, early stopping" },
  { "msgd", NULL, "multi-pass SGD on P fixed samples: test and training risk [derived, checked by simulation]" },
  { "frontier", NULL, "compute-optimal frontier N*(C), t*(C), L*(C) of the flow model or of a fitted law" },
  { "icl", NULL, "in-context learning by linear attention: task diversity, alignment" },
  { "gcv", cmd_gcv, "GCV, leave-one-out and CorrGCV of ridge on a data file" },
  { "mc", cmd_mc, "Monte Carlo check of a model: deq mc MODEL (deq mc --help lists them)" },
  { "fit", cmd_fit, "power-law fits of a column of a table; --joint: L_inf + a N^-p + b t^-q" },
  { "spectrum", cmd_spectrum, "spectra, sample-covariance densities, S-transforms" },
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
  fputs("Usage: deq COMMAND [OPTIONS]\n"
        "Deterministic equivalents of random-matrix learning curves.\n\n"
        "Commands:\n", f);
  for (size_t i = 0; i < NCOMMANDS; i++)
    fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fputs("\n'deq COMMAND --help' describes a command's options.\n"
        "  -h, --help     print this help\n"
        "  -V, --version  print the version\n\n"
        "Exit status: 0 success, 1 usage or input error, 2 numerical failure.\n"
        "Manual: info deq\n", f);
}

int cli_getopt(int argc, char **argv, const char *cmd,
               const struct option *opts, const char *help,
               cli_option_fn handle, void *ctx, int *npos, char **pos)
{
  int code;
  opterr = 0;
  optind = 0;  /* glibc: reinitialise the scan completely */
  *npos = 0;
  while ((code = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
    if (code == 'h') {
      fputs(help, stdout);
      return -1;
    }
    if (code == '?') {
      if (optopt)
        cli_error(cmd, "unknown option '-%c'", optopt);
      else
        cli_error(cmd, "unknown or ambiguous option '%s'", argv[optind - 1]);
      return CLI_EUSAGE;
    }
    if (code == ':') {
      cli_error(cmd, "option '%s' needs an argument", argv[optind - 1]);
      return CLI_EUSAGE;
    }
    int st = handle(ctx, code, optarg);
    if (st != CLI_OK)
      return st;
  }
  for (int i = optind; i < argc; i++)
    pos[(*npos)++] = argv[i];
  return CLI_OK;
}

static int run_command(int argc, char **argv)
{
  if (argc < 2) {
    fputs("deq: missing command; try 'deq --help'\n", stderr);
    return CLI_EUSAGE;
  }
  const char *name = argv[1];
  if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
    usage(stdout);
    return CLI_OK;
  }
  if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
    printf("deq %s (libdeq %s)\n", PACKAGE_VERSION, deq_version());
    return CLI_OK;
  }
  const cli_model_cmd *fw = cli_model_forward(name, argc - 1, argv + 1);
  if (fw) return cli_model_main(fw, 0, argc - 1, argv + 1);
  for (size_t i = 0; i < NCOMMANDS; i++)
    if (strcmp(name, commands[i].name) == 0)
      return commands[i].run ? commands[i].run(argc - 1, argv + 1)
             : cli_model_main(cli_model_command(name), 0, argc - 1, argv + 1);
  fprintf(stderr, "deq: unknown command '%s'; try 'deq --help'\n", name);
  return CLI_EUSAGE;
}

int main(int argc, char **argv)
{
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
  /* Monte Carlo runs trials in parallel; BLAS inside a trial must not
     start threads of its own.  */
  openblas_set_num_threads(1);
#endif
  /* Under mpirun every rank runs the command; deq mc shares its trials
     among them and only rank 0 writes.  */
  cli_mpi_init(&argc, &argv);
  return cli_mpi_finish(run_command(argc, argv));
}
