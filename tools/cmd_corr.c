/* tools/cmd_corr.c -- `deq corr` (ridge with correlated samples: risk,
 * naive GCV, CorrGCV, forecasting) and `deq mc corr` (its Monte Carlo
 * counterpart through the correlated-row sampler).  */
#include <config.h>

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char corr_help[] =
  "Usage: deq corr --spectrum SPEC [--target TARGET] --corr K --P GRID\n"
  "                [--lambda GRID] [--noise S2] [--noise-model K|iid]\n"
  "                [--horizon H] [OPTIONS]\n"
  "Ridge regression with correlated samples, E[x_mu x_nu'] = K_mu,nu Sigma\n"
  "(Atanasov, Zavatone-Veth, Pehlevan, arXiv 2408.04607).\n\n"
  "  --spectrum, --target  as for 'deq ridge' (Sigma and the target)\n"
  "  --corr K             ar1:rho=R (K_ij = R^|i-j|, -1 < R < 1) |\n"
  "                       blocks:m=M,c=C (M must divide P) | equi:c=C |\n"
  "                       iid (K = I) | acf:file=PATH (autocorrelations,\n"
  "                       one per line from lag 0; normalised by lag 0) |\n"
  "                       file:PATH (a P x P matrix, one row per line;\n"
  "                       rescaled to tr K = P)\n"
  "  --noise S2           label noise variance sigma^2 >= 0 (default 0)\n"
  "  --noise-model K|iid  K: noise ~ N(0, S2 K) (default); iid: N(0, S2 I)\n"
  "  --P GRID             sample sizes (integers >= 2)\n"
  "  --lambda GRID        ridges >= 0, normalised by P (default 0)\n"
  "  --horizon H          forecast a test point H >= 1 steps after the last\n"
  "                       sample (ar1 and acf; noise model K): E_forecast\n"
  "  --k-spectrum exact|symbol  K's finite-P eigenvalues (default) or its\n"
  "                       Toeplitz symbol (ar1, acf)\n"
  "  --format tsv|json    output format (default tsv)\n"
  "  --plot FILE.svg|png  draw E_test against P with gnuplot\n"
  "  -h, --help           print this help\n\n"
  "Columns: P lambda kappa kappa_K df gamma bias variance E_g E_test E_tr\n"
  "gcv_naive corrgcv E_forecast dkappa_dlambda.  E_g is the excess risk,\n"
  "E_test = E_g + noise; gcv_naive = E_tr/(1 - df/P)^2 is the limit of the\n"
  "usual GCV; corrgcv = E_tr P/(kappa_K (df - df2_K)) the limit of CorrGCV\n"
  "(= E_test for noise model K); E_forecast is nan without --horizon.\n";

static const char mc_corr_help[] =
  "Usage: deq mc corr [the options of 'deq corr'] [--trials T] [--seed S]\n"
  "                   [--threads K]\n"
  "Monte Carlo of ridge with correlated rows (AR(1) recursion, circulant\n"
  "embedding for acf, Cholesky otherwise) next to the theory.\n\n"
  "  --trials T   trials per P (default 100, >= 2)\n"
  "  --seed S     seed (default 1); P number i uses seed + i 2^32\n"
  "  --threads K  threads (default 0: one per core); results do not\n"
  "               depend on K\n\n"
  "Columns: P lambda kappa kappa_K df E_g E_test E_tr gcv_naive corrgcv\n"
  "E_forecast (theory), then NAME_mc NAME_se NAME_z for E_g, E_tr,\n"
  "gcv_naive, corrgcv, df and E_forecast (z against the theory column).\n";

enum { OPT_CORR = 400, OPT_NOISE_MODEL, OPT_HORIZON, OPT_KSPEC };

#define CORR_OPTIONS                                          \
  { "spectrum", required_argument, NULL, OPT_SPECTRUM },      \
  { "target", required_argument, NULL, OPT_TARGET },          \
  { "noise", required_argument, NULL, OPT_NOISE },            \
  { "noise-model", required_argument, NULL, OPT_NOISE_MODEL },\
  { "corr", required_argument, NULL, OPT_CORR },              \
  { "P", required_argument, NULL, OPT_P },                    \
  { "lambda", required_argument, NULL, OPT_LAMBDA },          \
  { "horizon", required_argument, NULL, OPT_HORIZON },        \
  { "k-spectrum", required_argument, NULL, OPT_KSPEC },       \
  { "format", required_argument, NULL, OPT_FORMAT },          \
  { "plot", required_argument, NULL, OPT_PLOT },              \
  { "help", no_argument, NULL, OPT_HELP }

static const struct option corr_options[] = { CORR_OPTIONS, { NULL, 0, NULL, 0 } };
static const struct option mc_corr_options[] = {
  CORR_OPTIONS,
  CLI_MC_OPTIONS,
  { NULL, 0, NULL, 0 }
};

typedef struct corr_opts {
  const char *cmd;
  int mc;
  const char *spectrum, *target, *corr;
  cli_spec spec;
  double noise;
  deq_corr_noise noise_model;
  cli_grid P, lambda;
  uint64_t horizon, trials, seed;
  int threads;
  deq_corr_method kmethod;
  cli_output out;
  /* parsed --corr */
  deq_corr_model model;
  double *data;          /* acf or matrix read from a file */
} corr_opts;

/* ------------------------------------------------------------ --corr */

/* The value of key `name` in "k1=v1,k2=v2" as a number; 1 if absent.  */
static int corr_key(double *out, const char *body, const char *name)
{
  size_t n = strlen(name);
  for (const char *p = body; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
    if (strncmp(p, name, n) == 0 && p[n] == '=') {
      char buf[64];
      const char *e = strchr(p, ',');
      size_t len = e ? (size_t)(e - p - n - 1) : strlen(p + n + 1);
      if (len >= sizeof buf) return -1;
      memcpy(buf, p + n + 1, len);
      buf[len] = '\0';
      return cli_parse_number(out, buf) ? -1 : 0;
    }
  }
  return 1;
}

/* Every key of body must be one of names (space separated).  */
static int corr_keys_known(const corr_opts *o, const char *body,
                           const char *names)
{
  for (const char *p = body; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
    size_t n = strcspn(p, "=,");
    char key[32];
    if (n == 0 || n >= sizeof key || p[n] != '=') {
      cli_error(o->cmd, "--corr '%s': '%.*s' is not key=value", o->corr,
                (int)strcspn(p, ","), p);
      return CLI_EUSAGE;
    }
    memcpy(key, p, n);
    key[n] = '\0';
    char pat[34];
    snprintf(pat, sizeof pat, " %s ", key);
    char all[128];
    snprintf(all, sizeof all, " %s ", names);
    if (!strstr(all, pat)) {
      cli_error(o->cmd, "--corr '%s': unknown key '%s' (keys: %s)", o->corr,
                key, names);
      return CLI_EUSAGE;
    }
  }
  return CLI_OK;
}

static int need_key(double *out, const corr_opts *o, const char *body,
                    const char *name)
{
  int r = corr_key(out, body, name);
  if (r == 0) return CLI_OK;
  if (r > 0)
    cli_error(o->cmd, "--corr '%s': missing key '%s'", o->corr, name);
  else
    cli_error(o->cmd, "--corr '%s': %s= is not a finite number", o->corr, name);
  return CLI_EUSAGE;
}

static int file_error(const corr_opts *o, const char *path, deq_status st,
                      const deq_error *err)
{
  if (err->line > 0)
    cli_error(o->cmd, "--corr '%s': %s: line %ld, field %ld: %s", o->corr,
              path, err->line, err->column, err->message);
  else
    cli_error(o->cmd, "--corr '%s': %s: %s", o->corr, path,
              err->message[0] ? err->message : deq_strerror(st));
  return CLI_EUSAGE;
}

static int parse_corr(corr_opts *o)
{
  const char *t = o->corr;
  const char *colon = strchr(t, ':');
  size_t klen = colon ? (size_t)(colon - t) : strlen(t);
  const char *body = colon ? colon + 1 : "";
  deq_corr_model *m = &o->model;
  double x;
  deq_error err;
  deq_error_clear(&err);
  if (klen == 3 && strncmp(t, "ar1", 3) == 0) {
    m->kind = DEQ_CORR_AR1;
    if (corr_keys_known(o, body, "rho") || need_key(&m->rho, o, body, "rho"))
      return CLI_EUSAGE;
    if (!(fabs(m->rho) < 1)) {
      cli_error(o->cmd, "--corr '%s': rho must be in (-1, 1)", t);
      return CLI_EUSAGE;
    }
  } else if (klen == 6 && strncmp(t, "blocks", 6) == 0) {
    m->kind = DEQ_CORR_BLOCKS;
    if (corr_keys_known(o, body, "m c") || need_key(&x, o, body, "m")
        || need_key(&m->c, o, body, "c"))
      return CLI_EUSAGE;
    if (!(x >= 1) || x != floor(x) || x > 1e9) {
      cli_error(o->cmd, "--corr '%s': m must be an integer >= 1", t);
      return CLI_EUSAGE;
    }
    m->m = (size_t)x;
  } else if (klen == 4 && strncmp(t, "equi", 4) == 0) {
    m->kind = DEQ_CORR_EQUI;
    if (corr_keys_known(o, body, "c") || need_key(&m->c, o, body, "c"))
      return CLI_EUSAGE;
  } else if (klen == 3 && strncmp(t, "iid", 3) == 0 && !colon) {
    m->kind = DEQ_CORR_EQUI;
    m->c = 0;
  } else if (klen == 3 && strncmp(t, "acf", 3) == 0) {
    m->kind = DEQ_CORR_ACF;
    if (strncmp(body, "file=", 5) != 0 || !body[5]) {
      cli_error(o->cmd, "--corr '%s': want acf:file=PATH", t);
      return CLI_EUSAGE;
    }
    deq_status st = deq_corr_read_acf(&o->data, &m->nacf, body + 5, &err);
    if (st) return file_error(o, body + 5, st, &err);
    m->acf = o->data;
  } else if (klen == 4 && strncmp(t, "file", 4) == 0 && *body) {
    m->kind = DEQ_CORR_MATRIX;
    deq_status st = deq_corr_read_matrix(&o->data, &m->size, body, &err);
    if (st) return file_error(o, body, st, &err);
    m->K = o->data;
  } else {
    cli_error(o->cmd, "--corr '%s': unknown correlation (ar1:rho=R, "
              "blocks:m=M,c=C, equi:c=C, iid, acf:file=PATH, file:PATH)", t);
    return CLI_EUSAGE;
  }
  return CLI_OK;
}

/* ------------------------------------------------------------ options */

static int corr_option(void *ctx, int code, const char *arg)
{
  corr_opts *o = ctx;
  switch (code) {
  case OPT_SPECTRUM: o->spectrum = arg; return CLI_OK;
  case OPT_TARGET: o->target = arg; return CLI_OK;
  case OPT_CORR: o->corr = arg; return CLI_OK;
  case OPT_NOISE:
    return cli_scalar_parse(&o->noise, o->cmd, "--noise", arg, CLI_NONNEGATIVE);
  case OPT_NOISE_MODEL:
    if (strcmp(arg, "K") == 0 || strcmp(arg, "k") == 0)
      o->noise_model = DEQ_CORR_NOISE_K;
    else if (strcmp(arg, "iid") == 0)
      o->noise_model = DEQ_CORR_NOISE_IID;
    else {
      cli_error(o->cmd, "--noise-model '%s': want K or iid", arg);
      return CLI_EUSAGE;
    }
    return CLI_OK;
  case OPT_KSPEC:
    if (strcmp(arg, "exact") == 0) o->kmethod = DEQ_CORR_EXACT;
    else if (strcmp(arg, "symbol") == 0) o->kmethod = DEQ_CORR_SYMBOL;
    else {
      cli_error(o->cmd, "--k-spectrum '%s': want exact or symbol", arg);
      return CLI_EUSAGE;
    }
    return CLI_OK;
  case OPT_P:
    return cli_grid_parse(&o->P, o->cmd, "--P", arg, CLI_POSITIVE | CLI_INTEGER);
  case OPT_LAMBDA:
    return cli_grid_parse(&o->lambda, o->cmd, "--lambda", arg, CLI_NONNEGATIVE);
  case OPT_HORIZON:
    return cli_count_parse(&o->horizon, o->cmd, "--horizon", arg, 1, 1u << 30);
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

static void opts_free(corr_opts *o)
{
  cli_grid_free(&o->P);
  cli_grid_free(&o->lambda);
  free(o->data);
}

static int opts_check(corr_opts *o, int npos, char **pos)
{
  if (npos > 0) {
    cli_error(o->cmd, "unexpected argument '%s'", pos[0]);
    return CLI_EUSAGE;
  }
  int st = cli_spec_parse(&o->spec, o->cmd, o->spectrum, o->target, 1);
  if (st) return st;
  if (!o->corr) {
    cli_error(o->cmd, "--corr is required");
    return CLI_EUSAGE;
  }
  if (o->P.n == 0) {
    cli_error(o->cmd, "--P is required");
    return CLI_EUSAGE;
  }
  for (size_t i = 0; i < o->P.n; i++)
    if (o->P.v[i] < 2 || o->P.v[i] > 1e7) {
      char b[32];
      cli_error(o->cmd, "--P: %s is outside [2, 1e7] (K is P x P)",
                cli_num(b, o->P.v[i]));
      return CLI_EUSAGE;
    }
  if (o->lambda.n == 0 &&
      (st = cli_grid_parse(&o->lambda, o->cmd, "--lambda", "0", CLI_NONNEGATIVE)))
    return st;
  if ((st = parse_corr(o))) return st;
  if (o->horizon && o->model.kind != DEQ_CORR_AR1
      && o->model.kind != DEQ_CORR_ACF) {
    cli_error(o->cmd, "--horizon needs --corr ar1:... or acf:file=...");
    return CLI_EUSAGE;
  }
  return CLI_OK;
}

static int opts_parse(corr_opts *o, int argc, char **argv, int mc)
{
  memset(o, 0, sizeof *o);
  o->mc = mc;
  o->cmd = mc ? "mc corr" : "corr";
  o->out.command = o->cmd;
  o->out.format = CLI_FORMAT_TSV;
  o->trials = 100;
  o->seed = 1;
  char **pos = malloc((size_t)argc * sizeof *pos);
  if (!pos) return CLI_ENUM;
  int npos = 0;
  int st = cli_getopt(argc, argv, o->cmd, mc ? mc_corr_options : corr_options,
                      mc ? mc_corr_help : corr_help, corr_option, o, &npos, pos);
  if (st == CLI_OK) st = opts_check(o, npos, pos);
  free(pos);
  if (st != CLI_OK) opts_free(o);
  return st;
}

/* ------------------------------------------------------------ theory */

/* K at P, with a message naming --corr on failure.  */
static int build_K(deq_spectrum **K, const corr_opts *o, size_t P)
{
  deq_error err;
  deq_error_clear(&err);
  deq_status st = deq_corr_spectrum(K, &o->model, P, o->kmethod, &err);
  if (st == DEQ_OK) return CLI_OK;
  const deq_corr_model *m = &o->model;
  if (st == DEQ_EDOM && m->kind == DEQ_CORR_BLOCKS && P % m->m)
    cli_error(o->cmd, "--corr '%s': block size m = %zu does not divide P = %zu",
              o->corr, m->m, P);
  else if (st == DEQ_EDOM && (m->kind == DEQ_CORR_BLOCKS || m->kind == DEQ_CORR_EQUI))
    cli_error(o->cmd, "--corr '%s': c outside the positive-definite range "
              "(-1/(m-1), 1) at P = %zu", o->corr, P);
  else
    cli_error(o->cmd, "--corr '%s': P = %zu: %s", o->corr, P,
              err.message[0] ? err.message : deq_strerror(st));
  return cli_status_exit(st);
}

/* Solve the lambda grid at P (nl points into pts, E_forecast into fc).  */
static int solve_P(deq_corr_point *pts, double *fc, const deq_spectrum *S,
                   const corr_opts *o, size_t P)
{
  deq_spectrum *K = NULL;
  int st = build_K(&K, o, P);
  if (st) return st;
  size_t nl = o->lambda.n;
  deq_status ds = deq_corr_grid(pts, S, K, o->lambda.v, nl, o->noise,
                                o->noise_model);
  char bp[32], bl[32];
  for (size_t j = 0; j < nl && !st; j++) {
    pts[j].P = (double)P;
    pts[j].lambda = o->lambda.v[j];
    if (pts[j].status == DEQ_EDIVERGE)
      fprintf(stderr, "deq %s: P=%zu, lambda=%s: interpolation peak (rank "
              "Sigma = rank K); E_g is %s\n", o->cmd, P,
              cli_num(bl, o->lambda.v[j]), isinf(pts[j].E_g) ? "infinite" : "0");
    else if (pts[j].status != DEQ_OK) {
      cli_error(o->cmd, "P=%s, lambda=%s: %s", cli_num(bp, (double)P),
                cli_num(bl, o->lambda.v[j]), deq_strerror(pts[j].status));
      st = CLI_ENUM;
    }
  }
  (void)ds;
  deq_corr_forecast *f = NULL;
  if (!st && o->horizon) {
    deq_status fs = deq_corr_forecast_alloc(&f, &o->model, P, o->horizon);
    if (fs) {
      cli_error(o->cmd, "--horizon %llu at P = %zu: %s",
                (unsigned long long)o->horizon, P, deq_strerror(fs));
      st = cli_status_exit(fs);
    }
  }
  for (size_t j = 0; j < nl; j++) {
    fc[j] = NAN;
    if (f && pts[j].status == DEQ_OK && o->noise_model == DEQ_CORR_NOISE_K)
      deq_corr_forecast_risk(&fc[j], f, &pts[j]);
  }
  deq_corr_forecast_free(f);
  deq_spectrum_free(K);
  return st;
}

static const char *const corr_columns[] = {
  "P", "lambda", "kappa", "kappa_K", "df", "gamma", "bias", "variance",
  "E_g", "E_test", "E_tr", "gcv_naive", "corrgcv", "E_forecast",
  "dkappa_dlambda"
};
#define CORR_NCOL (sizeof corr_columns / sizeof corr_columns[0])

static const char *const mc_columns[] = {
  "P", "lambda", "kappa", "kappa_K", "df", "E_g", "E_test", "E_tr",
  "gcv_naive", "corrgcv", "E_forecast",
  "E_g_mc", "E_g_se", "E_g_z", "E_tr_mc", "E_tr_se", "E_tr_z",
  "gcv_naive_mc", "gcv_naive_se", "gcv_naive_z",
  "corrgcv_mc", "corrgcv_se", "corrgcv_z", "df_mc", "df_se", "df_z",
  "E_forecast_mc", "E_forecast_se", "E_forecast_z"
};
#define MC_NCOL (sizeof mc_columns / sizeof mc_columns[0])

static int run(const corr_opts *o)
{
  deq_spectrum *S = NULL;
  cli_table t;
  cli_table_init(&t, o->mc ? MC_NCOL : CORR_NCOL, o->mc ? mc_columns : corr_columns);
  size_t nl = o->lambda.n;
  deq_corr_point *pts = calloc(nl, sizeof *pts);
  double *fc = calloc(nl, sizeof *fc);
  deq_mc_corr_row *mr = calloc(nl, sizeof *mr);
  int st = pts && fc && mr ? CLI_OK : CLI_ENUM;
  if (st) cli_error(o->cmd, "out of memory");
  if (!st) st = cli_spec_build(&S, o->cmd, &o->spec);
  if (!st && o->mc) st = cli_mc_check_sampleable(S, o->cmd, o->spectrum);
  if (!st && o->mc)
    fprintf(stderr, "# deq mc corr: seed=%llu trials=%llu threads=%d\n",
            (unsigned long long)o->seed, (unsigned long long)o->trials,
            cli_mc_threads(o->threads));
  for (size_t i = 0; !st && i < o->P.n; i++) {
    size_t P = (size_t)o->P.v[i];
    st = solve_P(pts, fc, S, o, P);
    if (!st && o->mc) {
      deq_status ds = deq_mc_corr_run(mr, S, &o->model, P, o->horizon,
                                      o->lambda.v, nl, o->noise,
                                      o->noise_model, (size_t)o->trials,
                                      cli_mc_seed(o->seed, i), o->threads);
      if (ds) {
        cli_error(o->cmd, "P=%zu: Monte Carlo failed: %s", P, deq_strerror(ds));
        st = cli_status_exit(ds);
      }
    }
    for (size_t j = 0; !st && j < nl; j++) {
      const deq_corr_point *p = &pts[j];
      if (!o->mc) {
        double row[CORR_NCOL] = {
          p->P, p->lambda, p->kappa, p->kappa_K, p->df, p->gamma, p->bias,
          p->variance, p->E_g, p->E_test, p->E_tr, p->gcv_naive, p->corrgcv,
          fc[j], p->dkappa_dlambda };
        st = cli_table_add(&t, o->cmd, row);
      } else {
        double row[MC_NCOL] = {
          p->P, p->lambda, p->kappa, p->kappa_K, p->df, p->E_g, p->E_test,
          p->E_tr, p->gcv_naive, p->corrgcv, fc[j] };
        const deq_mc_corr_row *m = &mr[j];
        cli_mc_estimate_cells(row + 11, &m->E_g, p->E_g);
        cli_mc_estimate_cells(row + 14, &m->E_tr, p->E_tr);
        cli_mc_estimate_cells(row + 17, &m->gcv_naive, p->gcv_naive);
        cli_mc_estimate_cells(row + 20, &m->corrgcv, p->corrgcv);
        cli_mc_estimate_cells(row + 23, &m->df, p->df);
        cli_mc_estimate_cells(row + 26, &m->E_forecast, fc[j]);
        st = cli_table_add(&t, o->cmd, row);
      }
    }
  }
  cli_plot plot = { 0, cli_table_column(&t, o->mc ? "E_g" : "E_test"),
                    o->mc ? cli_table_column(&t, "E_g_mc") : -1,
                    o->mc ? cli_table_column(&t, "E_g_se") : -1,
                    nl > 1 ? 1 : -1 };
  if (!st) st = cli_table_write(&t, &o->out, &plot);
  cli_table_free(&t);
  deq_spectrum_free(S);
  free(pts);
  free(fc);
  free(mr);
  return st;
}

static int main_common(int argc, char **argv, int mc)
{
  corr_opts o;
  int st = opts_parse(&o, argc, argv, mc);
  if (st != CLI_OK) return st < 0 ? CLI_OK : st;
  st = run(&o);
  opts_free(&o);
  return st;
}

int cmd_corr(int argc, char **argv) { return main_common(argc, argv, 0); }
int cmd_mc_corr(int argc, char **argv) { return main_common(argc, argv, 1); }
