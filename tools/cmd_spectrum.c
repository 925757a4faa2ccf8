/* tools/cmd_spectrum.c -- `deq spectrum`: the atoms of a spectrum, or a
 * one-row summary with its effective power-law exponent.  */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static const char spectrum_help[] =
  "Usage: deq spectrum --spectrum SPEC [--target TARGET] [OPTIONS]\n"
  "Print the atoms of a spectrum (after merging equal eigenvalues and\n"
  "sorting them in decreasing order), or a summary.\n\n"
  "  --spectrum SPEC      as for 'deq ridge'\n"
  "  --target TARGET      as for 'deq ridge' (default: the file's column,\n"
  "                       or no target)\n"
  "  --summary            one row: atoms dim rank trace signal alpha_eff\n"
  "  --format tsv|json    output format (default tsv)\n"
  "  --plot FILE.svg|png  draw eigenvalue against index with gnuplot\n"
  "  -h, --help           print this help\n\n"
  "Columns: index eigenvalue multiplicity target_power (index from 1).\n"
  "alpha_eff is the exponent of a power-law fit of the eigenvalues against\n"
  "their mid cumulative mode index, leaving out the first and last 10% of\n"
  "the modes (nan with fewer than 3 atoms left).\n";

static const struct option spectrum_options[] = {
  { "spectrum", required_argument, NULL, OPT_SPECTRUM },
  { "target", required_argument, NULL, OPT_TARGET },
  { "summary", no_argument, NULL, OPT_SUMMARY },
  { "format", required_argument, NULL, OPT_FORMAT },
  { "plot", required_argument, NULL, OPT_PLOT },
  { "help", no_argument, NULL, OPT_HELP },
  { NULL, 0, NULL, 0 }
};

typedef struct spectrum_opts {
  const char *spectrum, *target;
  int summary;
  cli_output out;
} spectrum_opts;

static int spectrum_option(void *ctx, int code, const char *arg)
{
  spectrum_opts *o = ctx;
  switch (code) {
  case OPT_SPECTRUM: o->spectrum = arg; return CLI_OK;
  case OPT_TARGET: o->target = arg; return CLI_OK;
  case OPT_SUMMARY: o->summary = 1; return CLI_OK;
  case OPT_FORMAT: return cli_format_parse(&o->out.format, "spectrum", arg);
  case OPT_PLOT: return cli_plot_parse(&o->out.plot, "spectrum", arg);
  }
  cli_error("spectrum", "internal error: option %d", code);
  return CLI_EUSAGE;
}

/* Whether the atom at mid index `mid` (or position `pos` among `count`
   positive atoms) is in the fitting window: (10%, 90%] of the modes, or
   of the atoms when there are infinitely many modes (whose tail atoms
   carry huge quadrature weights).  */
static int in_window(double mid, double total, size_t pos, size_t count,
                     int infinite)
{
  if (infinite)
    return pos + 1 > 0.1 * (double)count && pos + 1 <= 0.9 * (double)count;
  return mid > 0.1 * total && mid <= 0.9 * total;
}

/* Power-law exponent of s against the mid cumulative index of each atom
   (atom i covers modes M_{i-1}+1 .. M_{i-1}+m_i; its mid index is
   M_{i-1} + (m_i + 1)/2, exactly k for a single mode k), over the
   positive eigenvalues in the window of in_window.  */
static double alpha_eff(const deq_spectrum *sp)
{
  double total = 0;
  size_t count = 0;
  for (size_t i = 0; i < sp->n; i++)
    if (sp->s[i] > 0) {
      total += sp->m[i];
      count++;
    }
  int infinite = !isfinite(sp->rank);
  double *x = malloc(sp->n * sizeof *x), *y = malloc(sp->n * sizeof *y);
  double b = NAN, cum = 0;
  size_t n = 0, pos = 0;
  if (x && y) {
    for (size_t i = 0; i < sp->n; i++) {
      if (!(sp->s[i] > 0))
        continue;
      double mid = cum + (sp->m[i] + 1) / 2;
      cum += sp->m[i];
      if (in_window(mid, total, pos++, count, infinite)) {
        x[n] = mid;
        y[n] = sp->s[i];
        n++;
      }
    }
    deq_fit fit;
    if (n >= 3 && deq_fit_powerlaw(&fit, n, x, y, NULL, 0, INFINITY) == DEQ_OK)
      b = fit.b;
  }
  free(x);
  free(y);
  return b;
}

static int write_atoms(const deq_spectrum *sp, const spectrum_opts *o)
{
  static const char *const cols[] = { "index", "eigenvalue", "multiplicity",
                                      "target_power" };
  cli_table t;
  cli_table_init(&t, 4, cols);
  int st = CLI_OK;
  for (size_t i = 0; st == CLI_OK && i < sp->n; i++)
    st = cli_table_add(&t, "spectrum", (double[]){ (double)(i + 1), sp->s[i],
                                                   sp->m[i], sp->v[i] });
  cli_plot plot = { 0, 1, -1, -1, -1 };
  if (st == CLI_OK)
    st = cli_table_write(&t, &o->out, &plot);
  cli_table_free(&t);
  return st;
}

static int write_summary(const deq_spectrum *sp, const spectrum_opts *o)
{
  static const char *const cols[] = { "atoms", "dim", "rank", "trace",
                                      "signal", "alpha_eff" };
  cli_table t;
  cli_table_init(&t, 6, cols);
  double row[6] = { (double)sp->n, sp->dim, sp->rank, sp->trace, sp->signal,
                    alpha_eff(sp) };
  int st = cli_table_add(&t, "spectrum", row);
  if (st == CLI_OK)
    st = cli_table_write(&t, &o->out, NULL);
  cli_table_free(&t);
  return st;
}

int cmd_spectrum(int argc, char **argv)
{
  spectrum_opts o = { NULL, NULL, 0, { "spectrum", CLI_FORMAT_TSV, NULL } };
  char **pos = malloc((size_t)argc * sizeof *pos);
  if (!pos) {
    cli_error("spectrum", "out of memory");
    return CLI_ENUM;
  }
  int npos = 0;
  int st = cli_getopt(argc, argv, "spectrum", spectrum_options, spectrum_help,
                      spectrum_option, &o, &npos, pos);
  if (st == CLI_OK && npos > 0) {
    cli_error("spectrum", "unexpected argument '%s'", pos[0]);
    st = CLI_EUSAGE;
  }
  free(pos);
  if (st == CLI_OK && o.summary && o.out.plot) {
    cli_error("spectrum", "--plot: --summary has no curve to plot");
    st = CLI_EUSAGE;
  }
  if (st != CLI_OK)
    return st < 0 ? CLI_OK : st;
  cli_spec spec;
  deq_spectrum *sp = NULL;
  st = cli_spec_parse(&spec, "spectrum", o.spectrum, o.target, 0);
  if (st == CLI_OK)
    st = cli_spec_build(&sp, "spectrum", &spec);
  if (st == CLI_OK)
    st = o.summary ? write_summary(sp, &o) : write_atoms(sp, &o);
  deq_spectrum_free(sp);
  return st;
}
