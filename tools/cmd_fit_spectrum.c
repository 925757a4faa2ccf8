/* tools/cmd_fit_spectrum.c -- `deq fit --spectrum FILE`: capacity and
 * source exponents of a spectrum file, with their errors, window, and
 * the learning-curve exponents they predict (deq_fit_spectrum).  */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CMD "fit"

static const char fit_spectrum_help[] =
  "Usage: deq fit --spectrum FILE [--kmin K] [--kmax K] [--format tsv|json]\n"
  "Source/capacity exponents of a spectrum file (eigenvalue [target_power\n"
  "[multiplicity]] per line, e.g. from 'deq spectrum --data'), with modes\n"
  "numbered k = 1, 2, ... in decreasing eigenvalue order.\n\n"
  "  --spectrum FILE      the spectrum file\n"
  "  --kmin K, --kmax K   window of mode indices (default: 2 .. max(M/8, 6),\n"
  "                       M the number of positive modes)\n"
  "  --format tsv|json    output format (default tsv)\n"
  "  -h, --help           print this help\n\n"
  "alpha: least squares of log s_k on log k (s_k ~ k^-alpha).  tail: the\n"
  "exponent beta = 2 alpha r of the tail sums C(k) = sum_{j>k} v_j, fitted\n"
  "as C(k) = a ((k+1/2)^-beta - (M+1/2)^-beta) (the finite spectrum's\n"
  "end); r = beta/(2 alpha).  Each se is the fit's least-squares error and\n"
  "the drift between the fits to the window's two halves (a systematic\n"
  "error; column drift) in quadrature.  Predicted learning-curve exponents\n"
  "(E_g ~ P^-b, scaling_dynamics.md 1.3, as deq ridge --predict-exponent):\n"
  "ridgeless (noiseless) b = 2 alpha min(r, 1); optimal_ridge (noisy) b =\n"
  "b0/(b0 + 1).  They need alpha > 1 (nan otherwise).\n"
  "Columns: quantity value se drift kmin kmax.\n";

enum { OPT_KMIN = 1000, OPT_KMAX };

static const struct option fit_spectrum_options[] = {
  { "spectrum", required_argument, NULL, OPT_SPECTRUM },
  { "kmin", required_argument, NULL, OPT_KMIN },
  { "kmax", required_argument, NULL, OPT_KMAX },
  { "format", required_argument, NULL, OPT_FORMAT },
  { "help", no_argument, NULL, OPT_HELP },
  { NULL, 0, NULL, 0 }
};

typedef struct fs_opts {
  const char *path;
  uint64_t kmin, kmax;
  cli_output out;
} fs_opts;

static int fs_option(void *ctx, int code, const char *arg)
{
  fs_opts *o = ctx;
  switch (code) {
  case OPT_SPECTRUM: o->path = arg; return CLI_OK;
  case OPT_KMIN:
    return cli_count_parse(&o->kmin, CMD, "--kmin", arg, 1, 1000000000000u);
  case OPT_KMAX:
    return cli_count_parse(&o->kmax, CMD, "--kmax", arg, 1, 1000000000000u);
  case OPT_FORMAT: return cli_format_parse(&o->out.format, CMD, arg);
  }
  cli_error(CMD, "internal error: option %d", code);
  return CLI_EUSAGE;
}

static int write_fit(const deq_spectrum_fit *f, const fs_opts *o)
{
  static const char *const cols[] = { "quantity", "value", "se", "drift",
                                      "kmin", "kmax" };
  cli_table t;
  cli_table_init(&t, 6, cols);
  double lo = (double)f->lo, hi = (double)f->hi;
  struct { const char *name; double v, se, drift; } rows[] = {
    { "alpha", f->alpha, f->alpha_se, f->alpha_drift },
    { "tail", f->beta, f->beta_se, f->beta_drift },
    { "r", f->r, f->r_se, NAN },
    { "ridgeless", f->b_ridgeless, f->b_ridgeless_se, NAN },
    { "optimal_ridge", f->b_optimal, f->b_optimal_se, NAN }
  };
  int st = CLI_OK;
  for (size_t i = 0; st == CLI_OK && i < sizeof rows / sizeof rows[0]; i++) {
    cli_cell c[6] = { { 0, rows[i].name }, { rows[i].v, NULL },
                      { rows[i].se, NULL }, { rows[i].drift, NULL },
                      { lo, NULL }, { hi, NULL } };
    st = cli_table_add_cells(&t, CMD, c);
  }
  if (st == CLI_OK) st = cli_table_write(&t, &o->out, NULL);
  cli_table_free(&t);
  return st;
}

int cmd_fit_spectrum(int argc, char **argv)
{
  fs_opts o;
  memset(&o, 0, sizeof o);
  o.out.command = CMD;
  int npos = 0;
  char **pos = calloc((size_t)argc + 1, sizeof *pos);
  if (!pos) return CLI_ENUM;
  int rc = cli_getopt(argc, argv, CMD, fit_spectrum_options,
                      fit_spectrum_help, fs_option, &o, &npos, pos);
  if (rc == CLI_OK && npos > 0) {
    cli_error(CMD, "unexpected argument '%s' (the spectrum file is "
              "--spectrum FILE)", pos[0]);
    rc = CLI_EUSAGE;
  }
  free(pos);
  if (rc == CLI_OK && !o.path) {
    cli_error(CMD, "--spectrum FILE is required");
    rc = CLI_EUSAGE;
  }
  if (rc == CLI_OK && (o.kmin > 0) != (o.kmax > 0)) {
    cli_error(CMD, "--kmin and --kmax go together");
    rc = CLI_EUSAGE;
  }
  if (rc == CLI_OK && o.kmin > 0 && o.kmax < o.kmin + 3) {
    cli_error(CMD, "--kmax %llu: the window needs at least 4 modes "
              "(kmax >= kmin + 3)", (unsigned long long)o.kmax);
    rc = CLI_EUSAGE;
  }
  if (rc != CLI_OK) return rc < 0 ? CLI_OK : rc;
  deq_spectrum *sp = NULL;
  deq_error err;
  deq_error_clear(&err);
  deq_status st = deq_spectrum_read_file(&sp, o.path, &err);
  if (st)
    return cli_file_error(CMD, "--spectrum", o.path, err.line, err.column, st,
                          &err);
  deq_spectrum_fit f;
  st = deq_fit_spectrum(&f, sp, (size_t)o.kmin, (size_t)o.kmax);
  if (st == DEQ_EDOM) {
    cli_error(CMD, "--spectrum %s: the window %zu..%zu (of %zu modes) needs "
              "at least 4 modes with positive eigenvalues and tail sums",
              o.path, f.lo, f.hi, f.modes);
    rc = CLI_EUSAGE;
  } else if (st) {
    cli_error(CMD, "--spectrum %s: %s", o.path, deq_strerror(st));
    rc = cli_status_exit(st);
  } else {
    rc = write_fit(&f, &o);
  }
  deq_spectrum_free(sp);
  return rc;
}
