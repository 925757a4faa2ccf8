/* tools/cmd_spectrum_data.c -- `deq spectrum --data`: the spectrum and
 * target powers of a data set, or of a kernel on it, written as a
 * spectrum file (deq/data.h, deq_data_spectrum).  */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CMD "spectrum"

static const char data_help[] =
  "Usage: deq spectrum --data FILE --y COL [OPTIONS]\n"
  "The spectrum of a data set taken as the population (its n rows, each\n"
  "with probability 1/n), written as a spectrum file that --spectrum\n"
  "file:PATH reads back: one line 'eigenvalue target_power' per positive\n"
  "eigenvalue, decreasing, after '#' comment lines naming the data, the\n"
  "kernel, the label variance, the explained variance and the noise.\n\n"
  "  --data FILE          CSV/TSV table with a header line (gzip too)\n"
  "  --y COL              the label column (centred by its mean)\n"
  "  --columns A,B,...    feature columns (default: every other column);\n"
  "                       --features is the same\n"
  "  --kernel SPEC        linear (default): eigenvalues of the feature\n"
  "                       covariance X'X/n (features centred) and the target\n"
  "                       powers of the best linear predictor; its mean\n"
  "                       squared residual is the noise.\n"
  "                       rbf:gamma=G  exp(-G |x-x'|^2)\n"
  "                       poly:degree=D,c=C  (x.x' + C)^D (default D=2, C=1)\n"
  "                       laplace:gamma=G  exp(-G |x-x'|_1)\n"
  "                       a kernel gives the eigenvalues of the Gram matrix\n"
  "                       over n and the target powers (u_k'y)^2/n of the\n"
  "                       label in its unit eigenvectors u_k; the label\n"
  "                       variance outside them is the noise\n"
  "  --standardize        centre and scale every feature to unit standard\n"
  "                       deviation (a constant column is an error)\n"
  "  --max-rows N         use the first N rows only.  A kernel needs one\n"
  "                       dense n x n eigendecomposition (dsyevd: 24 n^2\n"
  "                       bytes, O(n^3) time): at most 5000 rows (about a\n"
  "                       minute); the linear kernel has no row limit\n"
  "  -h, --help           print this help\n\n"
  "Eigenvalues below the largest times max(n, d) times the machine epsilon\n"
  "count as zero and are left out (their target power is in the noise).\n"
  "Fit the exponents with 'deq fit --spectrum FILE'.\n";

enum { OPT_DATA = 1000, OPT_COLUMNS, OPT_KERNEL, OPT_STANDARDIZE,
       OPT_MAXROWS };

static const struct option data_options[] = {
  { "data", required_argument, NULL, OPT_DATA },
  { "y", required_argument, NULL, OPT_Y },
  { "columns", required_argument, NULL, OPT_COLUMNS },
  { "features", required_argument, NULL, OPT_COLUMNS },
  { "kernel", required_argument, NULL, OPT_KERNEL },
  { "standardize", no_argument, NULL, OPT_STANDARDIZE },
  { "max-rows", required_argument, NULL, OPT_MAXROWS },
  { "help", no_argument, NULL, OPT_HELP },
  { NULL, 0, NULL, 0 }
};

static int data_option(void *ctx, int code, const char *arg)
{
  cli_data_opts *o = ctx;
  switch (code) {
  case OPT_DATA: o->path = arg; return CLI_OK;
  case OPT_Y: o->y = arg; return CLI_OK;
  case OPT_COLUMNS: o->columns = arg; return CLI_OK;
  case OPT_KERNEL: return cli_kernel_parse(&o->kernel, CMD, arg);
  case OPT_STANDARDIZE: o->standardize = 1; return CLI_OK;
  case OPT_MAXROWS:
    return cli_count_parse(&o->max_rows, CMD, "--max-rows", arg, 2,
                           1000000000u);
  }
  cli_error(CMD, "internal error: option %d", code);
  return CLI_EUSAGE;
}

static int write_spectrum(const deq_spectrum *sp, const deq_data_info *info,
                          const cli_data_opts *o, const cli_data *d)
{
  char kname[128];
  cli_kernel_name(kname, sizeof kname, &o->kernel);
  printf("# deq spectrum --data %s --y %s%s%s%s\n", o->path, o->y,
         o->columns ? " --columns " : "", o->columns ? o->columns : "",
         o->standardize ? " --standardize" : "");
  printf("# data: %zu rows, %zu features; label mean %.17g (subtracted)\n",
         info->n, info->d, d->y_mean);
  printf("# kernel: %s\n", kname);
  printf("# modes: %zu positive eigenvalues\n", info->modes);
  printf("# label_variance: %.17g\n", info->y_var);
  printf("# explained: %.17g\n", info->explained);
  printf("# noise: %.17g\n", info->noise);
  printf("# eigenvalue target_power\n");
  for (size_t i = 0; i < sp->n; i++)
    printf("%.17g %.17g\n", sp->s[i], sp->v[i]);
  return fflush(stdout) == 0 ? CLI_OK : CLI_EUSAGE;
}

int cmd_spectrum_data(int argc, char **argv)
{
  cli_data_opts o;
  memset(&o, 0, sizeof o);
  int npos = 0;
  char **pos = calloc((size_t)argc + 1, sizeof *pos);
  if (!pos) return CLI_ENUM;
  int rc = cli_getopt(argc, argv, CMD, data_options, data_help, data_option,
                      &o, &npos, pos);
  if (rc == CLI_OK && npos > 0) {
    cli_error(CMD, "unexpected argument '%s'", pos[0]);
    rc = CLI_EUSAGE;
  }
  free(pos);
  if (rc == CLI_OK && !o.path) {
    cli_error(CMD, "--data is required");
    rc = CLI_EUSAGE;
  }
  if (rc == CLI_OK && !o.y) {
    cli_error(CMD, "--data needs --y COL (the label column)");
    rc = CLI_EUSAGE;
  }
  if (rc != CLI_OK) return rc < 0 ? CLI_OK : rc;
  cli_data d;
  rc = cli_data_load(&d, CMD, &o, o.kernel.kind != DEQ_KERNEL_LINEAR);
  if (rc) return rc;
  deq_spectrum *sp = NULL;
  deq_data_info info;
  deq_status st = deq_data_spectrum(&sp, &info, d.X, d.y, d.n, d.d, &o.kernel);
  if (st == DEQ_EDOM)
    cli_error(CMD, "--data %s: no positive eigenvalue (every feature "
              "constant?)", o.path);
  else if (st)
    cli_error(CMD, "--data %s: %s", o.path, deq_strerror(st));
  if (st)
    rc = cli_status_exit(st);
  else
    rc = write_spectrum(sp, &info, &o, &d);
  deq_spectrum_free(sp);
  cli_data_free(&d);
  return rc;
}
