/* tools/cmd_spectrum.c -- `deq spectrum`: the atoms of a spectrum, or a
 * one-row summary with its effective power-law exponent; with --samples
 * or --product, the spectrum of a sample covariance or of a product of
 * random matrices (density, edges, moments, Stieltjes and S-transforms,
 * df); and `deq mc spectrum`, which takes the same options and writes
 * its table through tools/cmd_mc_spectrum.c.  */
#include <config.h>

#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char spectrum_help[] =
  "Usage: deq spectrum --spectrum SPEC [--target TARGET] [OPTIONS]\n"
  "Print the atoms of a spectrum (after merging equal eigenvalues and\n"
  "sorting them in decreasing order), or a summary; or, with --samples P\n"
  "and/or --product, the limiting spectrum of the sample covariance\n"
  "X'X/P (X: P x N, rows N(0, Sigma)) or of the product G' Sigma G,\n"
  "G = F1 ... FL, F_l = Sigma_l^1/2 Z_l/sqrt(N_l) (with --samples too:\n"
  "G' Sigma_hat G, the covariance of P samples of the features).\n\n"
  "  --spectrum SPEC      as for 'deq ridge' (Sigma, or Omega = Sigma^1/2\n"
  "                       Sigma_1 Sigma^1/2 for a structured first layer)\n"
  "  --target TARGET      as for 'deq ridge' (default: the file's column,\n"
  "                       or no target)\n"
  "  --summary            one row: atoms dim rank trace signal alpha_eff\n"
  "  --samples P          number of samples P > 0\n"
  "  --product            a product of random layers; needs --widths\n"
  "  --widths N1,N2,...   layer widths > 0\n"
  "  --layer-spectrum SPEC  covariance Sigma_l of layers 2..L (used as a\n"
  "                       distribution; no zero eigenvalues); default I\n"
  "  --density GRID       columns: x density (continuous part; the mass of\n"
  "                       the atom at 0 is reported on stderr)\n"
  "  --edges              columns: interval lower upper mass (support of\n"
  "                       the sample covariance; interval 0 is the atom at 0)\n"
  "  --moments[=K]        columns: k moment, k = 0..K (default 4), of the\n"
  "                       sample covariance: lim (1/N) tr Sigma_hat^k\n"
  "  --stieltjes LIST     g(z) = (1/n) tr (A - z)^-1 at complex points\n"
  "                       RE, RE+IMi, RE-IMi or IMi with IM >= 0 (comma\n"
  "                       list); columns: z_re z_im g_re g_im; IM = 0 on the\n"
  "                       support of a model gives g(x + i0)\n"
  "  --s-transform GRID   columns: delta S, S(delta) = (1-delta)/(delta\n"
  "                       lambda(delta)), lambda the inverse of the\n"
  "                       normalised df\n"
  "  --df GRID            columns: lambda df1 kappa: df1 = tr A (A+lambda)^-1,\n"
  "                       kappa the matching ridge of the input spectrum\n"
  "  --format tsv|json    output format (default tsv)\n"
  "  --plot FILE.svg|png  draw the curve with gnuplot\n"
  "  -h, --help           print this help\n"
  "  --data FILE --y COL  the spectrum of a data set instead (see\n"
  "                       'deq spectrum --data F --help')\n\n"
  "Without a model the columns are index eigenvalue multiplicity\n"
  "target_power (index from 1).  alpha_eff is the exponent of a power-law\n"
  "fit of the eigenvalues against their mid cumulative mode index, leaving\n"
  "out the first and last 10% of the modes (nan with fewer than 3 atoms).\n";

enum {
  OPT_SAMPLES = 1000, OPT_PRODUCT, OPT_WIDTHS, OPT_LAYER, OPT_DENSITY,
  OPT_EDGES, OPT_MOMENTS, OPT_STIELTJES, OPT_STRANSFORM, OPT_DF, OPT_BINS,
  OPT_KS
};

#define SPECTRUM_MODEL_OPTIONS                                       \
  { "spectrum", required_argument, NULL, OPT_SPECTRUM },            \
  { "target", required_argument, NULL, OPT_TARGET },                \
  { "samples", required_argument, NULL, OPT_SAMPLES },              \
  { "product", no_argument, NULL, OPT_PRODUCT },                    \
  { "widths", required_argument, NULL, OPT_WIDTHS },                \
  { "layer-spectrum", required_argument, NULL, OPT_LAYER },         \
  { "format", required_argument, NULL, OPT_FORMAT },                \
  { "plot", required_argument, NULL, OPT_PLOT },                    \
  { "help", no_argument, NULL, OPT_HELP }

static const struct option spectrum_options[] = {
  SPECTRUM_MODEL_OPTIONS,
  { "summary", no_argument, NULL, OPT_SUMMARY },
  { "density", required_argument, NULL, OPT_DENSITY },
  { "edges", no_argument, NULL, OPT_EDGES },
  { "moments", optional_argument, NULL, OPT_MOMENTS },
  { "stieltjes", required_argument, NULL, OPT_STIELTJES },
  { "s-transform", required_argument, NULL, OPT_STRANSFORM },
  { "df", required_argument, NULL, OPT_DF },
  { NULL, 0, NULL, 0 }
};

static const char mc_spectrum_help[] =
  "Usage: deq mc spectrum --spectrum SPEC (--samples P | --product\n"
  "       --widths N1,... [--samples P]) [OPTIONS]\n"
  "Eigenvalues of sampled sample covariances or products (the same models\n"
  "as 'deq spectrum'), pooled over trials, against the limiting density.\n\n"
  "  --spectrum, --samples, --product, --widths, --layer-spectrum\n"
  "                       as for 'deq spectrum' (integer sizes; exact\n"
  "                       spectra; a layer spectrum of dimension N_{l-1})\n"
  "  --bins K             histogram bins over [0, largest eigenvalue]\n"
  "                       (default 40)\n"
  "  --ks                 one row instead: n trials eigenvalues ks atom0\n"
  "                       atom0_mc\n"
  "  --trials T           samples (default 10)\n"
  "  --seed S             random seed (default 1)\n"
  "  --threads K          threads (default: one per core)\n"
  "  --format tsv|json    output format (default tsv)\n"
  "  --plot FILE.svg|png  draw the density and the histogram with gnuplot\n"
  "  -h, --help           print this help\n\n"
  "Columns: bin_lo bin_hi x density density_mc density_se density_z:\n"
  "density is the bin average of the limiting density (its CDF difference\n"
  "over the bin width, the atom at 0 left out), density_mc the fraction of\n"
  "the pooled nonzero-part eigenvalues in the bin over its width, with its\n"
  "standard error over trials.  The Kolmogorov-Smirnov distance between the\n"
  "pooled eigenvalue CDF and the limiting CDF (atom included) is printed\n"
  "on stderr, or as the table with --ks.\n";

static const struct option mc_spectrum_options[] = {
  SPECTRUM_MODEL_OPTIONS,
  { "bins", required_argument, NULL, OPT_BINS },
  { "ks", no_argument, NULL, OPT_KS },
  CLI_MC_OPTIONS,
  { NULL, 0, NULL, 0 }
};

/* What to print besides the atoms/summary.  */
enum { MODE_ATOMS, MODE_DENSITY, MODE_EDGES, MODE_MOMENTS, MODE_STIELTJES,
       MODE_STRANSFORM, MODE_DF };

typedef struct spectrum_opts {
  const char *spectrum, *target;
  int summary;
  cli_output out;
  double samples;               /* 0: none */
  int product;
  cli_grid widths;
  const char *layer;            /* --layer-spectrum */
  int mode, nmodes;
  const char *mode_opt;         /* the option that chose the mode */
  cli_grid grid;                /* --density, --s-transform, --df */
  const char *grid_text;
  size_t order;                 /* --moments */
  const char *stieltjes;
  int mc;                       /* deq mc spectrum */
  uint64_t trials, seed, bins;
  int threads, ks;
} spectrum_opts;

static int set_mode(spectrum_opts *o, int mode, const char *opt)
{
  if (o->nmodes++ > 0 && o->mode != mode) {
    cli_error(o->out.command, "%s: cannot be combined with %s", opt,
              o->mode_opt);
    return CLI_EUSAGE;
  }
  o->mode = mode;
  o->mode_opt = opt;
  return CLI_OK;
}

static int spectrum_option(void *ctx, int code, const char *arg)
{
  spectrum_opts *o = ctx;
  const char *cmd = o->out.command;
  uint64_t u;
  int st;
  switch (code) {
  case OPT_SPECTRUM: o->spectrum = arg; return CLI_OK;
  case OPT_TARGET: o->target = arg; return CLI_OK;
  case OPT_SUMMARY: o->summary = 1; return CLI_OK;
  case OPT_FORMAT: return cli_format_parse(&o->out.format, cmd, arg);
  case OPT_PLOT: return cli_plot_parse(&o->out.plot, cmd, arg);
  case OPT_SAMPLES:
    st = cli_scalar_parse(&o->samples, cmd, "--samples", arg, CLI_POSITIVE);
    if (st == CLI_OK && !(o->samples < 1e300)) {
      cli_error(cmd, "--samples '%s': must be finite", arg);
      st = CLI_EUSAGE;
    }
    return st;
  case OPT_PRODUCT: o->product = 1; return CLI_OK;
  case OPT_WIDTHS:
    return cli_grid_parse(&o->widths, cmd, "--widths", arg, CLI_POSITIVE);
  case OPT_LAYER: o->layer = arg; return CLI_OK;
  case OPT_EDGES: return set_mode(o, MODE_EDGES, "--edges");
  case OPT_MOMENTS:
    o->order = 4;
    if (arg && (st = cli_count_parse(&u, cmd, "--moments", arg, 1, 64)) != CLI_OK)
      return st;
    if (arg)
      o->order = (size_t)u;
    return set_mode(o, MODE_MOMENTS, "--moments");
  case OPT_STIELTJES:
    o->stieltjes = arg;
    return set_mode(o, MODE_STIELTJES, "--stieltjes");
  case OPT_DENSITY:
    o->grid_text = arg;
    if ((st = set_mode(o, MODE_DENSITY, "--density")) != CLI_OK)
      return st;
    return cli_grid_parse(&o->grid, cmd, "--density", arg, 0);
  case OPT_STRANSFORM:
    o->grid_text = arg;
    if ((st = set_mode(o, MODE_STRANSFORM, "--s-transform")) != CLI_OK)
      return st;
    return cli_grid_parse(&o->grid, cmd, "--s-transform", arg, CLI_POSITIVE);
  case OPT_DF:
    o->grid_text = arg;
    if ((st = set_mode(o, MODE_DF, "--df")) != CLI_OK)
      return st;
    return cli_grid_parse(&o->grid, cmd, "--df", arg, CLI_POSITIVE);
  case OPT_TRIALS:
  case OPT_SEED:
  case OPT_THREADS:
    return cli_mc_option(&o->trials, &o->seed, &o->threads, cmd, code, arg);
  case OPT_BINS:
    return cli_count_parse(&o->bins, cmd, "--bins", arg, 1, 100000);
  case OPT_KS: o->ks = 1; return CLI_OK;
  }
  cli_error(cmd, "internal error: option %d", code);
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
    st = cli_table_add(&t, o->out.command, (double[]){ (double)(i + 1), sp->s[i],
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
  int st = cli_table_add(&t, o->out.command, row);
  if (st == CLI_OK)
    st = cli_table_write(&t, &o->out, NULL);
  cli_table_free(&t);
  return st;
}


/* ------------------------------------------------------------ models */

/* Parse "RE", "RE+IMi", "RE-IMi", "IMi" (IM may be omitted: "2+i").  */
static int parse_complex(double complex *z, const char *t)
{
  char *end;
  double a = strtod(t, &end), b;
  if (end == t || !isfinite(a))
    return -1;
  if (*end == 0) {
    *z = a;
    return 0;
  }
  if (*end == 'i' && end[1] == 0) {
    *z = CMPLX(0, a);
    return 0;
  }
  if (*end != '+' && *end != '-')
    return -1;
  const char *p = end;
  if (p[1] == 'i' && p[2] == 0) {
    b = p[0] == '+' ? 1 : -1;
  } else {
    b = strtod(p, &end);
    if (end == p || *end != 'i' || end[1] != 0 || !isfinite(b))
      return -1;
  }
  *z = CMPLX(a, b);
  return 0;
}

/* The chain the options describe (layers point to one layer spectrum).  */
typedef struct chain_data {
  deq_spectrum *layer_sp;
  const deq_spectrum **layers;
  deq_freeprob_chain c;
} chain_data;

static void chain_free(chain_data *d)
{
  deq_spectrum_free(d->layer_sp);
  free(d->layers);
  d->layer_sp = NULL;
  d->layers = NULL;
}

static int check_options(const spectrum_opts *o)
{
  const char *cmd = o->out.command;
  int model = o->samples > 0 || o->product;
  if (o->product && o->widths.n == 0) {
    cli_error(cmd, "--product needs --widths N1,N2,...");
    return CLI_EUSAGE;
  }
  if (!o->product && o->widths.n > 0) {
    cli_error(cmd, "--widths needs --product");
    return CLI_EUSAGE;
  }
  if (o->layer && !o->product) {
    cli_error(cmd, "--layer-spectrum needs --product");
    return CLI_EUSAGE;
  }
  if (o->layer && o->widths.n < 2) {
    cli_error(cmd, "--layer-spectrum '%s': applies to layers 2..L but there "
              "is one layer (put the first layer's structure into "
              "--spectrum)", o->layer);
    return CLI_EUSAGE;
  }
  if (o->mc) {
    if (!model) {
      cli_error(cmd, "needs --samples P or --product --widths N1,...");
      return CLI_EUSAGE;
    }
    if (o->ks && o->out.plot) {
      cli_error(cmd, "--plot: --ks has no curve to plot");
      return CLI_EUSAGE;
    }
    return CLI_OK;
  }
  if (o->summary && (o->nmodes > 0 || model)) {
    cli_error(cmd, "--summary: cannot be combined with %s",
              o->nmodes > 0 ? o->mode_opt
                            : o->product ? "--product" : "--samples");
    return CLI_EUSAGE;
  }
  if (o->summary && o->out.plot) {
    cli_error(cmd, "--plot: --summary has no curve to plot");
    return CLI_EUSAGE;
  }
  if (model && o->nmodes == 0) {
    cli_error(cmd, "%s: say what to print (--density, --edges, --moments, "
              "--stieltjes, --s-transform or --df)",
              o->product ? "--product" : "--samples");
    return CLI_EUSAGE;
  }
  if (!model && o->nmodes > 0
      && (o->mode == MODE_DENSITY || o->mode == MODE_EDGES
          || o->mode == MODE_MOMENTS || o->mode == MODE_DF)) {
    cli_error(cmd, "%s needs --samples P or --product --widths N1,...",
              o->mode_opt);
    return CLI_EUSAGE;
  }
  if (o->product && (o->mode == MODE_EDGES || o->mode == MODE_MOMENTS)) {
    cli_error(cmd, "%s: only for a sample covariance (--samples without "
              "--product)", o->mode_opt);
    return CLI_EUSAGE;
  }
  if (o->out.plot && (o->mode == MODE_EDGES || o->mode == MODE_MOMENTS
                      || o->mode == MODE_STIELTJES)) {
    cli_error(cmd, "--plot: %s has no curve to plot", o->mode_opt);
    return CLI_EUSAGE;
  }
  return CLI_OK;
}

/* One message for a library failure of the model.  */
static int model_error(const spectrum_opts *o, deq_status st, const char *what)
{
  if (st == DEQ_EDOM || st == DEQ_EINVAL)
    cli_error(o->out.command, "%s: not defined for this model (%s)", what,
              deq_strerror(st));
  else
    cli_error(o->out.command, "%s: %s", what, deq_strerror(st));
  return cli_status_exit(st);
}

static int chain_build(chain_data *d, const spectrum_opts *o,
                       const deq_spectrum *sp)
{
  memset(d, 0, sizeof *d);
  const char *cmd = o->out.command;
  if (!isfinite(sp->dim)) {
    cli_error(cmd, "--spectrum '%s': needs a finite dimension here",
              o->spectrum);
    return CLI_EUSAGE;
  }
  if (o->layer) {
    cli_spec ls;
    int st = cli_spec_parse(&ls, cmd, o->layer, "none", 0);
    if (st == CLI_OK)
      st = cli_spec_build(&d->layer_sp, cmd, &ls);
    if (st != CLI_OK)
      return st;
    if (!isfinite(d->layer_sp->dim) || d->layer_sp->rank < d->layer_sp->dim) {
      cli_error(cmd, "--layer-spectrum '%s': must have a finite dimension "
                "and no zero eigenvalue (its S-transform is used on all of "
                "(0, 1); a rank-deficient layer is a narrower width)",
                o->layer);
      chain_free(d);
      return CLI_EUSAGE;
    }
    d->layers = calloc(o->widths.n, sizeof *d->layers);
    if (!d->layers) {
      cli_error(cmd, "out of memory");
      chain_free(d);
      return CLI_ENUM;
    }
    for (size_t l = 1; l < o->widths.n; l++)
      d->layers[l] = d->layer_sp;
  }
  deq_freeprob_chain c = { sp, o->widths.n, o->widths.v,
                           (const deq_spectrum *const *)d->layers,
                           o->samples };
  d->c = c;
  return CLI_OK;
}

static int write_density(const deq_spectrum *sp, const chain_data *d,
                         const spectrum_opts *o)
{
  static const char *const cols[] = { "x", "density" };
  size_t n = o->grid.n;
  deq_freeprob_point *p = malloc(n * sizeof *p);
  if (!p) {
    cli_error(o->out.command, "out of memory");
    return CLI_ENUM;
  }
  int sample = o->samples > 0 && !o->product;
  deq_status ds = sample
      ? deq_freeprob_sample_density(p, sp, o->samples, o->grid.v, n)
      : deq_freeprob_chain_density(p, &d->c, o->grid.v, n);
  if (ds != DEQ_OK) {
    free(p);
    return model_error(o, ds, "--density");
  }
  cli_table t;
  cli_table_init(&t, 2, cols);
  int st = CLI_OK;
  for (size_t i = 0; st == CLI_OK && i < n; i++)
    st = cli_table_add(&t, o->out.command,
                       (double[]){ o->grid.v[i], p[i].density });
  free(p);
  cli_plot plot = { 0, 1, -1, -1, -1 };
  if (st == CLI_OK) {
    char buf[32];
    fprintf(stderr, "# deq %s: atom at x = 0 with mass %s (not in the "
            "density column)\n", o->out.command,
            cli_num(buf, deq_freeprob_chain_atom0(&d->c)));
    st = cli_table_write(&t, &o->out, &plot);
  }
  cli_table_free(&t);
  return st;
}

static int write_edges(const deq_spectrum *sp, const spectrum_opts *o)
{
  static const char *const cols[] = { "interval", "lower", "upper", "mass" };
  deq_freeprob_support *s = NULL;
  deq_status ds = deq_freeprob_sample_support(&s, sp, o->samples);
  if (ds != DEQ_OK)
    return model_error(o, ds, "--edges");
  cli_table t;
  cli_table_init(&t, 4, cols);
  int st = CLI_OK;
  if (s->atom0 > 0)
    st = cli_table_add(&t, o->out.command, (double[]){ 0, 0, 0, s->atom0 });
  for (size_t k = 0; st == CLI_OK && k < s->n; k++)
    st = cli_table_add(&t, o->out.command,
                       (double[]){ (double)(k + 1), s->lo[k], s->hi[k],
                                   s->mass[k] });
  deq_freeprob_support_free(s);
  if (st == CLI_OK)
    st = cli_table_write(&t, &o->out, NULL);
  cli_table_free(&t);
  return st;
}

static int write_moments(const deq_spectrum *sp, const spectrum_opts *o)
{
  static const char *const cols[] = { "k", "moment" };
  double m[65];
  deq_status ds = deq_freeprob_sample_moments(m, o->order, sp, o->samples);
  if (ds != DEQ_OK)
    return model_error(o, ds, "--moments");
  cli_table t;
  cli_table_init(&t, 2, cols);
  int st = CLI_OK;
  for (size_t k = 0; st == CLI_OK && k <= o->order; k++)
    st = cli_table_add(&t, o->out.command, (double[]){ (double)k, m[k] });
  if (st == CLI_OK)
    st = cli_table_write(&t, &o->out, NULL);
  cli_table_free(&t);
  return st;
}

/* g at one point; CLI_OK or an exit status (message printed).  */
static int stieltjes_point(double complex *g, const deq_spectrum *sp,
                           const chain_data *d, const spectrum_opts *o,
                           const char *tok)
{
  const char *cmd = o->out.command;
  double complex z;
  if (parse_complex(&z, tok) != 0) {
    cli_error(cmd, "--stieltjes '%s': not a complex number (RE, RE+IMi, "
              "RE-IMi or IMi)", tok);
    return CLI_EUSAGE;
  }
  if (cimag(z) < 0) {
    cli_error(cmd, "--stieltjes '%s': the imaginary part must be >= 0 "
              "(g(conj z) = conj g(z))", tok);
    return CLI_EUSAGE;
  }
  deq_status ds;
  if (!(o->samples > 0 || o->product)) {
    ds = deq_freeprob_stieltjes(g, sp, z);
  } else {
    deq_freeprob_point p;
    ds = deq_freeprob_chain_stieltjes(&p, &d->c, z);
    *g = p.g;
  }
  if (ds == DEQ_EDOM) {
    cli_error(cmd, "--stieltjes '%s': z is an atom of the spectrum (a pole "
              "of g); give it an imaginary part", tok);
    return CLI_EUSAGE;
  }
  return ds == DEQ_OK ? CLI_OK : model_error(o, ds, "--stieltjes");
}

static int write_stieltjes(const deq_spectrum *sp, const chain_data *d,
                           const spectrum_opts *o)
{
  static const char *const cols[] = { "z_re", "z_im", "g_re", "g_im" };
  char *copy = strdup(o->stieltjes);
  if (!copy) {
    cli_error(o->out.command, "out of memory");
    return CLI_ENUM;
  }
  cli_table t;
  cli_table_init(&t, 4, cols);
  int st = CLI_OK;
  char *save = NULL;
  for (char *tok = strtok_r(copy, ",", &save); st == CLI_OK && tok;
       tok = strtok_r(NULL, ",", &save)) {
    double complex z, g;
    st = stieltjes_point(&g, sp, d, o, tok);
    if (st == CLI_OK) {
      parse_complex(&z, tok);
      st = cli_table_add(&t, o->out.command,
                         (double[]){ creal(z), cimag(z), creal(g), cimag(g) });
    }
  }
  free(copy);
  if (st == CLI_OK)
    st = cli_table_write(&t, &o->out, NULL);
  cli_table_free(&t);
  return st;
}

static int write_grid(const deq_spectrum *sp, const chain_data *d,
                      const spectrum_opts *o)
{
  static const char *const scols[] = { "delta", "S" };
  static const char *const dcols[] = { "lambda", "df1", "kappa" };
  int df = o->mode == MODE_DF, model = o->samples > 0 || o->product;
  const char *cmd = o->out.command;
  cli_table t;
  cli_table_init(&t, df ? 3 : 2, df ? dcols : scols);
  int st = CLI_OK;
  for (size_t i = 0; st == CLI_OK && i < o->grid.n; i++) {
    double v = o->grid.v[i], S = NAN, dfv = NAN, k = NAN;
    deq_status ds;
    if (df)
      ds = deq_freeprob_chain_df(&dfv, &k, &d->c, v);
    else if (model)
      ds = deq_freeprob_chain_s_transform(&S, &d->c, v);
    else
      ds = deq_freeprob_s_transform(&S, sp, v);
    if (ds == DEQ_EDOM && !df) {
      double n_out = sp->dim, d_max = sp->rank;
      if (model)
        deq_freeprob_chain_dims(&n_out, &d_max, &d->c);
      char buf[32], lim[32];
      cli_error(cmd, "--s-transform '%s': delta = %s is outside (0, %s) "
                "(the largest normalised df)", o->grid_text, cli_num(buf, v),
                cli_num(lim, d_max / n_out));
      st = CLI_EUSAGE;
      break;
    }
    if (ds != DEQ_OK) {
      st = model_error(o, ds, df ? "--df" : "--s-transform");
      break;
    }
    st = df ? cli_table_add(&t, cmd, (double[]){ v, dfv, k })
            : cli_table_add(&t, cmd, (double[]){ v, S });
  }
  cli_plot plot = { 0, 1, -1, -1, -1 };
  if (st == CLI_OK)
    st = cli_table_write(&t, &o->out, &plot);
  cli_table_free(&t);
  return st;
}

/* `deq spectrum` (mc = 0) and `deq mc spectrum` (mc = 1).  */
static int spectrum_main(int argc, char **argv, int mc)
{
  spectrum_opts o;
  memset(&o, 0, sizeof o);
  o.out.command = mc ? "mc spectrum" : "spectrum";
  o.out.format = CLI_FORMAT_TSV;
  o.mc = mc;
  o.trials = 10;
  o.seed = 1;
  o.bins = 40;
  const char *cmd = o.out.command;
  char **pos = malloc((size_t)argc * sizeof *pos);
  if (!pos) {
    cli_error(cmd, "out of memory");
    return CLI_ENUM;
  }
  int npos = 0;
  int st = cli_getopt(argc, argv, cmd,
                      mc ? mc_spectrum_options : spectrum_options,
                      mc ? mc_spectrum_help : spectrum_help, spectrum_option,
                      &o, &npos, pos);
  if (st == CLI_OK && npos > 0) {
    cli_error(cmd, "unexpected argument '%s'", pos[0]);
    st = CLI_EUSAGE;
  }
  free(pos);
  if (st == CLI_OK)
    st = check_options(&o);
  cli_spec spec;
  deq_spectrum *sp = NULL;
  chain_data d;
  memset(&d, 0, sizeof d);
  int model = o.samples > 0 || o.product;
  if (st == CLI_OK)
    st = cli_spec_parse(&spec, cmd, o.spectrum, o.target, 0);
  if (st == CLI_OK)
    st = cli_spec_build(&sp, cmd, &spec);
  if (st == CLI_OK && model)
    st = chain_build(&d, &o, sp);
  if (st == CLI_OK && mc)
    st = cli_mc_check_sampleable(sp, cmd, o.spectrum);
  if (st == CLI_OK && mc && d.layer_sp)
    st = cli_mc_check_sampleable(d.layer_sp, cmd, o.layer);
  if (st == CLI_OK) {
    if (mc)
      st = mc_spectrum_write(&d.c, o.trials, o.seed, o.threads,
                             (size_t)o.bins, o.ks, &o.out);
    else if (o.nmodes == 0)
      st = o.summary ? write_summary(sp, &o) : write_atoms(sp, &o);
    else if (o.mode == MODE_DENSITY)
      st = write_density(sp, &d, &o);
    else if (o.mode == MODE_EDGES)
      st = write_edges(sp, &o);
    else if (o.mode == MODE_MOMENTS)
      st = write_moments(sp, &o);
    else if (o.mode == MODE_STIELTJES)
      st = write_stieltjes(sp, &d, &o);
    else
      st = write_grid(sp, &d, &o);
  }
  chain_free(&d);
  deq_spectrum_free(sp);
  cli_grid_free(&o.widths);
  cli_grid_free(&o.grid);
  return st < 0 ? CLI_OK : st;
}

int cmd_spectrum(int argc, char **argv)
{
  if (cli_has_option(argc, argv, "--data"))
    return cmd_spectrum_data(argc, argv);
  return spectrum_main(argc, argv, 0);
}

int cmd_mc_spectrum(int argc, char **argv)
{
  return spectrum_main(argc, argv, 1);
}
