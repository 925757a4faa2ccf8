/* tools/cmd_rf.c -- `deq rf` and `deq mc rf`: linear random-feature and
 * deep structured-feature ridge, theory and Monte Carlo.  */
#include <config.h>

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_LAYER_SPECS 64

static const char rf_help[] =
  "Usage: deq rf --spectrum SPEC [--target TARGET] (--features M | --widths\n"
  "       N1,N2,...) --P GRID [OPTIONS]\n"
  "Random-feature ridge learning curves from the deterministic equivalent:\n"
  "features G'x with G = F1...FL, Fl = Sigma_l^(1/2) Z/sqrt(Nl), ridge\n"
  "readout on P samples (lambda normalised by P).\n\n"
  "  --spectrum SPEC      spectrum of Omega = Sigma^1/2 Sigma_1 Sigma^1/2\n"
  "                       (= Sigma for isotropic first-layer weights):\n"
  "                       iso:n=N | loguniform:n=N,lo=A,hi=B |\n"
  "                       powerlaw:alpha=A,n=N|inf | file:PATH\n"
  "  --target TARGET      target powers u_i^2 in Omega's eigenbasis:\n"
  "                       source:r=R | iso[:norm=W2] | file:PATH | none\n"
  "  --noise S2           label noise variance sigma^2 >= 0 (default 0)\n"
  "  --features GRID      one layer of M isotropic features (M > 0, inf\n"
  "                       allowed: ridge); a grid gives one block per M\n"
  "  --widths N1,N2,...   a deep chain of L layers with these widths\n"
  "  --layer-spectrum S   covariance Sigma_l of layers 2..L (its normalised\n"
  "                       eigenvalue distribution, eigenvalues > 0); once:\n"
  "                       every layer, repeated: layer 2, 3, ... in order;\n"
  "                       'identity' for Sigma_l = I\n"
  "  --P GRID             sample sizes > 0\n"
  "  --lambda GRID        ridges >= 0 (default 0)\n"
  "  --format tsv|json    output format (default tsv)\n"
  "  --plot FILE.svg|png  draw E_g against P with gnuplot\n"
  "  -h, --help           print this help\n\n"
  "Columns: P lambda M kappa kappa_f df rho gamma E_pop E_g bias var_noise\n"
  "var_features E_cross E_test E_tr gcv.  M is the last width N_L; kappa\n"
  "is kappa_Omega (df = df1^Omega(kappa)), kappa_f = lambda/(1 - df/P);\n"
  "E_g is the excess risk = bias + var_noise + var_features, E_cross =\n"
  "bias + var_noise the feature-averaged (infinite-ensemble) risk,\n"
  "E_test = E_g + noise, E_tr = (1 - df/P)^2 E_test, gcv = E_test.\n";

static const char mc_rf_help[] =
  "Usage: deq mc rf --spectrum SPEC [--target TARGET] (--features M |\n"
  "       --widths N1,...) --P GRID [OPTIONS]\n"
  "Monte Carlo random-feature ridge (fresh features per trial) next to its\n"
  "deterministic equivalent.\n\n"
  "  --spectrum, --target, --noise, --features, --widths, --layer-spectrum,\n"
  "  --lambda, --format, --plot   as for 'deq rf' (exact spectrum, integer\n"
  "                       widths, finite dimension)\n"
  "  --P GRID             integer sample sizes > 0\n"
  "  --trials T           trials per point (>= 2, default 100)\n"
  "  --seed S             random seed (default 1)\n"
  "  --threads K          threads (default 0: one per core); results do\n"
  "                       not depend on K\n"
  "  -h, --help           print this help\n\n"
  "Columns: P lambda M kappa df E_g E_test E_tr gcv, then for E_g, E_tr,\n"
  "gcv and df the Monte Carlo mean <name>_mc, its standard error <name>_se\n"
  "and the z-score <name>_z against theory (gcv against E_test).\n";

enum { OPT_FEATURES = 1000, OPT_WIDTHS, OPT_LAYER };

#define RF_COMMON_OPTIONS                                     \
  { "spectrum", required_argument, NULL, OPT_SPECTRUM },      \
  { "target", required_argument, NULL, OPT_TARGET },          \
  { "noise", required_argument, NULL, OPT_NOISE },            \
  { "features", required_argument, NULL, OPT_FEATURES },      \
  { "widths", required_argument, NULL, OPT_WIDTHS },          \
  { "layer-spectrum", required_argument, NULL, OPT_LAYER },   \
  { "P", required_argument, NULL, OPT_P },                    \
  { "lambda", required_argument, NULL, OPT_LAMBDA },          \
  { "format", required_argument, NULL, OPT_FORMAT },          \
  { "plot", required_argument, NULL, OPT_PLOT },              \
  { "help", no_argument, NULL, OPT_HELP }

static const struct option rf_options[] = {
  RF_COMMON_OPTIONS, { NULL, 0, NULL, 0 }
};
static const struct option mc_rf_options[] = {
  RF_COMMON_OPTIONS,
  CLI_MC_OPTIONS,
  { NULL, 0, NULL, 0 }
};

typedef struct rf_opts {
  const char *cmd;
  int mc;
  const char *spectrum, *target;
  cli_spec spec;
  double noise;
  cli_grid features, widths, P, lambda;
  const char *layer_text[MAX_LAYER_SPECS];
  size_t nlayer_text;
  cli_output out;
  uint64_t trials, seed;
  int threads;
  /* built */
  deq_spectrum *omega;
  deq_spectrum *layer_sp[MAX_LAYER_SPECS];  /* per layer text */
  const deq_spectrum **layers;               /* L - 1 entries */
} rf_opts;

/* A width grid: "inf" is allowed for --features in the theory.  */
static int parse_widths(cli_grid *g, const rf_opts *o, const char *opt,
                        const char *arg)
{
  int c = CLI_POSITIVE | (o->mc ? CLI_INTEGER : 0);
  if (!o->mc && strcmp(arg, "inf") == 0) {
    cli_grid_free(g);
    g->v = malloc(sizeof *g->v);
    if (!g->v) return CLI_ENUM;
    g->v[0] = INFINITY;
    g->n = 1;
    return CLI_OK;
  }
  return cli_grid_parse(g, o->cmd, opt, arg, c);
}

static int rf_option(void *ctx, int code, const char *arg)
{
  rf_opts *o = ctx;
  switch (code) {
  case OPT_SPECTRUM: o->spectrum = arg; return CLI_OK;
  case OPT_TARGET: o->target = arg; return CLI_OK;
  case OPT_NOISE:
    return cli_scalar_parse(&o->noise, o->cmd, "--noise", arg, CLI_NONNEGATIVE);
  case OPT_FEATURES: return parse_widths(&o->features, o, "--features", arg);
  case OPT_WIDTHS: return parse_widths(&o->widths, o, "--widths", arg);
  case OPT_LAYER:
    if (o->nlayer_text == MAX_LAYER_SPECS) {
      cli_error(o->cmd, "--layer-spectrum: at most %d", MAX_LAYER_SPECS);
      return CLI_EUSAGE;
    }
    o->layer_text[o->nlayer_text++] = arg;
    return CLI_OK;
  case OPT_P:
    return cli_grid_parse(&o->P, o->cmd, "--P", arg,
                          CLI_POSITIVE | (o->mc ? CLI_INTEGER : 0));
  case OPT_LAMBDA:
    return cli_grid_parse(&o->lambda, o->cmd, "--lambda", arg, CLI_NONNEGATIVE);
  case OPT_FORMAT: return cli_format_parse(&o->out.format, o->cmd, arg);
  case OPT_PLOT: return cli_plot_parse(&o->out.plot, o->cmd, arg);
  case OPT_TRIALS:
  case OPT_SEED:
  case OPT_THREADS:
    return cli_mc_option(&o->trials, &o->seed, &o->threads, o->cmd, code, arg);
  }
  cli_error(o->cmd, "internal error: option %d", code);
  return CLI_EUSAGE;
}

static void rf_opts_free(rf_opts *o)
{
  cli_grid_free(&o->features);
  cli_grid_free(&o->widths);
  cli_grid_free(&o->P);
  cli_grid_free(&o->lambda);
  deq_spectrum_free(o->omega);
  for (size_t i = 0; i < MAX_LAYER_SPECS; i++) deq_spectrum_free(o->layer_sp[i]);
  free(o->layers);
}

static int rf_opts_check(rf_opts *o, int npos, char **pos)
{
  if (npos > 0) {
    cli_error(o->cmd, "unexpected argument '%s'", pos[0]);
    return CLI_EUSAGE;
  }
  int st = cli_spec_parse(&o->spec, o->cmd, o->spectrum, o->target, 1);
  if (st != CLI_OK) return st;
  if ((o->features.n > 0) == (o->widths.n > 0)) {
    cli_error(o->cmd, "give exactly one of --features M and --widths N1,...");
    return CLI_EUSAGE;
  }
  if (o->P.n == 0) {
    cli_error(o->cmd, "--P is required");
    return CLI_EUSAGE;
  }
  size_t L = o->widths.n > 0 ? o->widths.n : 1;
  if (o->nlayer_text > 0 && L < 2) {
    cli_error(o->cmd, "--layer-spectrum needs --widths with at least two "
              "layers");
    return CLI_EUSAGE;
  }
  if (o->nlayer_text > 1 && o->nlayer_text != L - 1) {
    cli_error(o->cmd, "--layer-spectrum given %zu times: give it once or "
              "once per layer 2..L (%zu times)", o->nlayer_text, L - 1);
    return CLI_EUSAGE;
  }
  if (o->lambda.n == 0)
    return cli_grid_parse(&o->lambda, o->cmd, "--lambda", "0", CLI_NONNEGATIVE);
  return CLI_OK;
}

/* Build Omega and the layer spectra; validate the chain.  */
static int rf_build(rf_opts *o)
{
  int st = cli_spec_build(&o->omega, o->cmd, &o->spec);
  if (st != CLI_OK) return st;
  for (size_t i = 0; i < o->nlayer_text; i++) {
    if (strcmp(o->layer_text[i], "identity") == 0) continue;
    /* messages read "deq rf --layer-spectrum: --spectrum ...": one line */
    const char *who = o->mc ? "mc rf --layer-spectrum" : "rf --layer-spectrum";
    cli_spec ls;
    st = cli_spec_parse(&ls, who, o->layer_text[i], "none", 0);
    if (st == CLI_OK) st = cli_spec_build(&o->layer_sp[i], who, &ls);
    if (st != CLI_OK) return st;
    for (size_t j = 0; j < o->layer_sp[i]->n; j++)
      if (!(o->layer_sp[i]->s[j] > 0)) {
        cli_error(o->cmd, "--layer-spectrum '%s': eigenvalues must be > 0 "
                  "(Sigma_l must be invertible)", o->layer_text[i]);
        return CLI_EUSAGE;
      }
  }
  size_t L = o->widths.n > 0 ? o->widths.n : 1;
  o->layers = calloc(L, sizeof *o->layers);
  if (!o->layers) return CLI_ENUM;
  for (size_t l = 0; l + 1 < L && o->nlayer_text > 0; l++)
    o->layers[l] = o->layer_sp[o->nlayer_text == 1 ? 0 : l];
  return CLI_OK;
}

static int rf_opts_parse(rf_opts *o, int argc, char **argv, int mc)
{
  memset(o, 0, sizeof *o);
  o->mc = mc;
  o->cmd = mc ? "mc rf" : "rf";
  o->out.command = o->cmd;
  o->out.format = CLI_FORMAT_TSV;
  o->trials = 100;
  o->seed = 1;
  char **pos = malloc((size_t)argc * sizeof *pos);
  if (!pos) {
    cli_error(o->cmd, "out of memory");
    return CLI_ENUM;
  }
  int npos = 0;
  int st = cli_getopt(argc, argv, o->cmd, mc ? mc_rf_options : rf_options,
                      mc ? mc_rf_help : rf_help, rf_option, o, &npos, pos);
  if (st == CLI_OK) st = rf_opts_check(o, npos, pos);
  if (st == CLI_OK) st = rf_build(o);
  free(pos);
  if (st != CLI_OK) rf_opts_free(o);
  return st;
}

/* The chains: one per --features value, or the single --widths chain.  */
static size_t nchains(const rf_opts *o)
{
  return o->widths.n > 0 ? 1 : o->features.n;
}

static deq_rf_chain chain_at(const rf_opts *o, size_t i)
{
  deq_rf_chain ch;
  if (o->widths.n > 0) {
    ch.L = o->widths.n;
    ch.width = o->widths.v;
  } else {
    ch.L = 1;
    ch.width = &o->features.v[i];
  }
  ch.layer = o->layers;
  return ch;
}

/* Solve every point; report divergences (stderr) or the first failure. */
static int solve_all(deq_rf_point **out, const rf_opts *o)
{
  size_t nc = nchains(o), per = o->P.n * o->lambda.n, n = nc * per;
  deq_rf_point *pts = calloc(n, sizeof *pts);
  if (!pts) {
    cli_error(o->cmd, "out of memory for %zu points", n);
    return CLI_ENUM;
  }
  char bp[32], bl[32], bm[32];
  for (size_t c = 0; c < nc; c++) {
    deq_rf_chain ch = chain_at(o, c);
    deq_status ret = deq_rf_grid(pts + c * per, o->omega, &ch, o->P.v, o->P.n,
                                 o->lambda.v, o->lambda.n, o->noise);
    double M = ch.width[ch.L - 1];
    if (ret == DEQ_EDOM || ret == DEQ_EINVAL) {
      cli_error(o->cmd, "--widths/--features/--layer-spectrum: %s",
                deq_strerror(ret));
      free(pts);
      return CLI_EUSAGE;
    }
    for (size_t i = 0; i < per; i++) {
      const deq_rf_point *p = &pts[c * per + i];
      if (p->status == DEQ_EDIVERGE)
        fprintf(stderr, "deq %s: M=%s, P=%s, lambda=%s: interpolation peak; "
                "E_g is %s\n", o->cmd, cli_num(bm, M), cli_num(bp, p->P),
                cli_num(bl, p->lambda), isinf(p->E_g) ? "infinite" : "0");
      else if (p->status != DEQ_OK) {
        cli_error(o->cmd, "M=%s, P=%s, lambda=%s: %s", cli_num(bm, M),
                  cli_num(bp, p->P), cli_num(bl, p->lambda),
                  deq_strerror(p->status));
        free(pts);
        return CLI_ENUM;
      }
    }
  }
  *out = pts;
  return CLI_OK;
}

static const char *const rf_columns[] = {
  "P", "lambda", "M", "kappa", "kappa_f", "df", "rho", "gamma", "E_pop",
  "E_g", "bias", "var_noise", "var_features", "E_cross", "E_test", "E_tr",
  "gcv"
};
#define RF_NCOL (sizeof rf_columns / sizeof rf_columns[0])

int cmd_rf(int argc, char **argv)
{
  rf_opts o;
  int st = rf_opts_parse(&o, argc, argv, 0);
  if (st != CLI_OK) return st < 0 ? CLI_OK : st;
  deq_rf_point *pts = NULL;
  st = solve_all(&pts, &o);
  cli_table t;
  cli_table_init(&t, RF_NCOL, rf_columns);
  size_t per = o.P.n * o.lambda.n;
  for (size_t c = 0; st == CLI_OK && c < nchains(&o); c++) {
    deq_rf_chain ch = chain_at(&o, c);
    for (size_t i = 0; st == CLI_OK && i < per; i++) {
      const deq_rf_point *p = &pts[c * per + i];
      double row[RF_NCOL] = {
        p->P, p->lambda, ch.width[ch.L - 1], p->kappa, p->kappa_f, p->df,
        p->rho, p->gamma, p->E_pop, p->E_g, p->bias, p->var_noise,
        p->var_features, p->E_cross, p->E_test, p->E_tr, p->gcv };
      st = cli_table_add(&t, o.cmd, row);
    }
  }
  int series = nchains(&o) > 1 ? 2 : (o.lambda.n > 1 ? 1 : -1);
  cli_plot plot = { 0, cli_table_column(&t, "E_g"), -1, -1, series };
  if (st == CLI_OK) st = cli_table_write(&t, &o.out, &plot);
  cli_table_free(&t);
  free(pts);
  rf_opts_free(&o);
  return st;
}

/* ------------------------------------------------------------ deq mc rf */

static const char *const mc_rf_columns[] = {
  "P", "lambda", "M", "kappa", "df", "E_g", "E_test", "E_tr", "gcv",
  "E_g_mc", "E_g_se", "E_g_z", "E_tr_mc", "E_tr_se", "E_tr_z",
  "gcv_mc", "gcv_se", "gcv_z", "df_mc", "df_se", "df_z"
};
#define MC_RF_NCOL (sizeof mc_rf_columns / sizeof mc_rf_columns[0])

static int mc_simulate(cli_table *t, const rf_opts *o, const deq_rf_point *pts)
{
  size_t nl = o->lambda.n, per = o->P.n * nl;
  deq_mc_rf_row *rows = malloc(nl * sizeof *rows);
  if (!rows) {
    cli_error(o->cmd, "out of memory");
    return CLI_ENUM;
  }
  int st = CLI_OK;
  char bp[32];
  for (size_t c = 0; st == CLI_OK && c < nchains(o); c++) {
    deq_rf_chain ch = chain_at(o, c);
    for (size_t i = 0; st == CLI_OK && i < o->P.n; i++) {
      deq_status ds = deq_mc_rf_run(rows, o->omega, &ch, (size_t)o->P.v[i],
                                    o->lambda.v, nl, o->noise,
                                    (size_t)o->trials,
                                    cli_mc_seed(o->seed, c * o->P.n + i),
                                    o->threads);
      if (ds != DEQ_OK) {
        cli_error(o->cmd, "P=%s: Monte Carlo failed: %s%s", cli_num(bp, o->P.v[i]),
                  deq_strerror(ds), ds == DEQ_EUNSUP ? " (layer multiplicities "
                  "must divide the widths; dimensions at most 2^20)" : "");
        st = cli_status_exit(ds);
        break;
      }
      for (size_t j = 0; st == CLI_OK && j < nl; j++) {
        const deq_rf_point *p = &pts[c * per + i * nl + j];
        double row[MC_RF_NCOL] = { p->P, p->lambda, ch.width[ch.L - 1],
                                   p->kappa, p->df, p->E_g, p->E_test,
                                   p->E_tr, p->gcv };
        cli_mc_estimate_cells(row + 9, &rows[j].E_g, p->E_g);
        cli_mc_estimate_cells(row + 12, &rows[j].E_tr, p->E_tr);
        cli_mc_estimate_cells(row + 15, &rows[j].gcv, p->E_test);
        cli_mc_estimate_cells(row + 18, &rows[j].df, p->df);
        st = cli_table_add(t, o->cmd, row);
      }
    }
  }
  free(rows);
  return st;
}

int cmd_mc_rf(int argc, char **argv)
{
  rf_opts o;
  int st = rf_opts_parse(&o, argc, argv, 1);
  if (st != CLI_OK) return st < 0 ? CLI_OK : st;
  deq_rf_point *pts = NULL;
  cli_table t;
  cli_table_init(&t, MC_RF_NCOL, mc_rf_columns);
  st = cli_mc_check_sampleable(o.omega, o.cmd, o.spectrum);
  if (st == CLI_OK) st = solve_all(&pts, &o);
  if (st == CLI_OK) {
    fprintf(stderr, "# deq mc rf: seed=%llu trials=%llu threads=%d\n",
            (unsigned long long)o.seed, (unsigned long long)o.trials,
            cli_mc_threads(o.threads));
    st = mc_simulate(&t, &o, pts);
  }
  int series = nchains(&o) > 1 ? 2 : (o.lambda.n > 1 ? 1 : -1);
  cli_plot plot = { 0, cli_table_column(&t, "E_g"),
                    cli_table_column(&t, "E_g_mc"),
                    cli_table_column(&t, "E_g_se"), series };
  if (st == CLI_OK) st = cli_table_write(&t, &o.out, &plot);
  cli_table_free(&t);
  free(pts);
  rf_opts_free(&o);
  return st;
}
