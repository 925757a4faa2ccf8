/* tools/cmd_gcv.c -- `deq gcv`: training error, df, GCV, exact
 * leave-one-out and CorrGCV of ridge regression on a data file, and the
 * lambda each criterion selects.  */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "../lib/bigmem_impl.h"

#define CMD "gcv"

static const char gcv_help[] =
  "Usage: deq gcv --data FILE --y COL --lambda GRID [OPTIONS]\n"
  "Risk estimates of ridge regression on a data set, from one\n"
  "eigendecomposition of the smaller Gram matrix (X'X or XX'; the SVD when\n"
  "the design is ill-conditioned).  loo is exact leave-one-out with the\n"
  "intercept refitted (scikit-learn RidgeCV's, alphas = P lambda).\n\n"
  "  --data FILE          CSV/TSV table with a header line of column names\n"
  "                       (gzip-compressed files are read too)\n"
  "  --y COL              the label column\n"
  "  --columns A,B,...    feature columns (default: every other column; with\n"
  "                       --lags, none besides the lags)\n"
  "  --lags P             add the P previous values of the label as features:\n"
  "                       y_t from y_{t-h}, ..., y_{t-h-P+1} (row order is\n"
  "                       time order)\n"
  "  --horizon H          forecast horizon h >= 1 for --lags (default 1)\n"
  "  --holdout M          fit on all rows but the last M, and report the\n"
  "                       mean squared error on those M rows (column holdout)\n"
  "  --standardize        scale every feature to unit standard deviation\n"
  "  --no-intercept       no intercept (default: an unpenalised intercept)\n"
  "  --lambda GRID        ridges >= 0, normalised by the number of rows P\n"
  "  --corr SPEC          sample correlation K of the P training rows, for\n"
  "                       CorrGCV: ar1:rho=R | blocks:m=M,c=C | equi:c=C |\n"
  "                       iid (K = I) | acf:file=PATH (autocorrelations from\n"
  "                       lag 0, one per line) | file:PATH (the P x P matrix,\n"
  "                       one row per line) | eigs:file=PATH (K's P\n"
  "                       eigenvalues, a spectrum file)\n"
  "  --corr-estimate ar1[:lambda=L]  K = AR(1) with rho the lag-1\n"
  "                       autocorrelation of the training residuals at\n"
  "                       lambda L (default: the lambda leave-one-out selects)\n"
  "  --format tsv|json    output format (default tsv)\n"
  "  -h, --help           print this help\n"
  "  --learning-curve P_GRID  the learning curve measured on the data\n"
  "                       against its theory instead (see 'deq gcv\n"
  "                       --learning-curve 10 --help')\n\n"
  "Columns: lambda E_tr gcv loo corrgcv df1 kappa_K [holdout]; corrgcv and\n"
  "kappa_K are nan (null) without --corr/--corr-estimate.  The lambda each\n"
  "criterion selects goes to stderr as '# selected: NAME lambda=L value=V'.\n";

enum { OPT_DATA = 1000, OPT_FEATURES, OPT_COLUMNS, OPT_LAGS, OPT_HORIZON, OPT_HOLDOUT,
       OPT_STANDARDIZE, OPT_NOINTERCEPT, OPT_CORR, OPT_CORREST };

static const struct option gcv_options[] = {
  { "data", required_argument, NULL, OPT_DATA },
  { "y", required_argument, NULL, OPT_Y },
  { "columns", required_argument, NULL, OPT_COLUMNS },
  { "features", required_argument, NULL, OPT_FEATURES }, /* 0.1's name */
  { "lags", required_argument, NULL, OPT_LAGS },
  { "horizon", required_argument, NULL, OPT_HORIZON },
  { "holdout", required_argument, NULL, OPT_HOLDOUT },
  { "standardize", no_argument, NULL, OPT_STANDARDIZE },
  { "no-intercept", no_argument, NULL, OPT_NOINTERCEPT },
  { "lambda", required_argument, NULL, OPT_LAMBDA },
  { "corr", required_argument, NULL, OPT_CORR },
  { "corr-estimate", required_argument, NULL, OPT_CORREST },
  { "format", required_argument, NULL, OPT_FORMAT },
  { "help", no_argument, NULL, OPT_HELP },
  { NULL, 0, NULL, 0 }
};

typedef struct gcv_opts {
  const char *data, *y, *features, *corr_text;
  uint64_t lags, horizon, holdout;
  int lags_given, horizon_given;
  int standardize, intercept;
  cli_grid lambda;
  int corr_given, estimate;  /* --corr, --corr-estimate */
  cli_corr corr;
  double est_lambda;         /* < 0: the LOO choice */
  cli_output out;
} gcv_opts;

static int parse_corr(gcv_opts *o, const char *arg, int estimate)
{
  const char *opt = estimate ? "--corr-estimate" : "--corr";
  if (o->corr_given || o->estimate) {
    cli_error(CMD, "%s: only one of --corr and --corr-estimate", opt);
    return CLI_EUSAGE;
  }
  o->corr_text = arg;
  if (!estimate) {
    o->corr_given = 1;
    return cli_corr_parse(&o->corr, CMD, arg, 1);
  }
  o->estimate = 1;
  o->est_lambda = -1.0;
  if (strcmp(arg, "ar1") == 0)
    return CLI_OK;
  if (strncmp(arg, "ar1:lambda=", 11) == 0)
    return cli_scalar_parse(&o->est_lambda, CMD, opt, arg + 11,
                            CLI_NONNEGATIVE);
  cli_error(CMD, "--corr-estimate '%s': must be ar1 or ar1:lambda=L", arg);
  return CLI_EUSAGE;
}

/* Row counts: at most a billion (a larger one is surely a typo, and
   would not fit in memory).  */
#define GCV_MAX_COUNT 1000000000u

static int gcv_option(void *ctx, int code, const char *arg)
{
  gcv_opts *o = ctx;
  switch (code) {
  case OPT_DATA: o->data = arg; return CLI_OK;
  case OPT_Y: o->y = arg; return CLI_OK;
  case OPT_FEATURES:
    fprintf(stderr, "# deq gcv: --features is now --columns (--features is "
            "the number of random features in deq rf)\n");
    /* fall through */
  case OPT_COLUMNS: o->features = arg; return CLI_OK;
  case OPT_LAGS:
    o->lags_given = 1;
    return cli_count_parse(&o->lags, CMD, "--lags", arg, 1, GCV_MAX_COUNT);
  case OPT_HORIZON:
    o->horizon_given = 1;
    return cli_count_parse(&o->horizon, CMD, "--horizon", arg, 1,
                           GCV_MAX_COUNT);
  case OPT_HOLDOUT:
    return cli_count_parse(&o->holdout, CMD, "--holdout", arg, 1,
                           GCV_MAX_COUNT);
  case OPT_STANDARDIZE: o->standardize = 1; return CLI_OK;
  case OPT_NOINTERCEPT: o->intercept = 0; return CLI_OK;
  case OPT_LAMBDA:
    return cli_grid_parse(&o->lambda, CMD, "--lambda", arg, CLI_NONNEGATIVE);
  case OPT_CORR: return parse_corr(o, arg, 0);
  case OPT_CORREST: return parse_corr(o, arg, 1);
  case OPT_FORMAT: return cli_format_parse(&o->out.format, CMD, arg);
  }
  cli_error(CMD, "internal error: option %d", code);
  return CLI_EUSAGE;
}

/* ------------------------------------------------------------ reading */

/* The data file (gzip too) through the library's reader, which rejects
   truncated or corrupt compressed data.  */
static int read_data(deq_table **t, const char *path)
{
  deq_error err;
  deq_error_clear(&err);
  deq_status st = deq_table_read_file(t, path, &err);
  if (st == DEQ_OK) return CLI_OK;
  *t = NULL;
  if (st == DEQ_EIO || st == DEQ_EUNSUP) {   /* the message names the file */
    cli_error(CMD, "--data: %s", err.message[0] ? err.message
                                                 : deq_strerror(st));
    return CLI_EUSAGE;
  }
  return cli_file_error(CMD, "--data", path, err.line, err.column, st, &err);
}

/* ------------------------------------------------------------ the design */

typedef struct design {
  size_t P, N, M;          /* training rows, features, held-out rows */
  double *X, *y;           /* P x N then M x N, column-major; P + M labels */
  /* Or, when the features are every column but the label, the first or
     last one, and there are no lags or held-out rows: the table itself
     (row i, feature j at Xt[i ld + j], label i at yt[i ld]), no copy.  */
  const double *Xt, *yt;
  size_t ld;
  const char **names;      /* N feature names (for messages) */
  char **lagnames;
} design;

static void design_free(design *d)
{
  free(d->X);
  free(d->y);
  free(d->names);
  if (d->lagnames)
    for (size_t j = 0; j < d->N; j++) free(d->lagnames[j]);
  free(d->lagnames);
}

/* Column indices of a comma list.  */
static int feature_columns(long **cols, size_t *n, const deq_table *t,
                           const char *list, long ycol, const char *path)
{
  char *copy = strdup(list);
  long *c = malloc((strlen(list) / 2 + 2) * sizeof *c);
  if (!copy || !c) {
    free(copy);
    free(c);
    return CLI_ENUM;
  }
  size_t k = 0;
  char *save = NULL;
  for (char *tok = strtok_r(copy, ",", &save); tok;
       tok = strtok_r(NULL, ",", &save)) {
    long j = deq_table_column(t, tok);
    if (j < 0 || j == ycol) {
      cli_error(CMD, "--features: %s '%s'%s%s",
                j < 0 ? "no column" : "the label column", tok,
                j < 0 ? " in " : " cannot be a feature", j < 0 ? path : "");
      free(copy);
      free(c);
      return CLI_EUSAGE;
    }
    c[k++] = j;
  }
  free(copy);
  if (k == 0) {
    cli_error(CMD, "--features '%s': no column names", list);
    free(c);
    return CLI_EUSAGE;
  }
  *cols = c;
  *n = k;
  return CLI_OK;
}

static int build_design(design *d, const deq_table *t, const gcv_opts *o)
{
  memset(d, 0, sizeof *d);
  long ycol = deq_table_column(t, o->y);
  if (ycol < 0) {
    cli_error(CMD, "--y: no column '%s' in %s", o->y, o->data);
    return CLI_EUSAGE;
  }
  long *cols = NULL;
  size_t nf = 0;
  int rc;
  if (o->features) {
    rc = feature_columns(&cols, &nf, t, o->features, ycol, o->data);
    if (rc) return rc;
  } else if (!o->lags_given) {
    cols = malloc(t->ncol * sizeof *cols);
    if (!cols) return CLI_ENUM;
    for (size_t j = 0; j < t->ncol; j++)
      if ((long)j != ycol) cols[nf++] = (long)j;
    if (nf == 0) {
      free(cols);
      cli_error(CMD, "--data %s: no feature columns besides '%s'", o->data,
                o->y);
      return CLI_EUSAGE;
    }
  }
  size_t p = o->lags_given ? (size_t)o->lags : 0;
  size_t h = o->horizon_given ? (size_t)o->horizon : 1;
  size_t skip = p ? p + h - 1 : 0;
  size_t M = (size_t)o->holdout;
  size_t need = skip + M + 3;
  if (t->nrow < need) {
    cli_error(CMD, "--data %s: %zu data rows; need at least %zu (3 training "
              "rows%s%s)", o->data, t->nrow, need,
              skip ? " + lags and horizon" : "", M ? " + --holdout" : "");
    free(cols);
    return CLI_EUSAGE;
  }
  size_t rows = t->nrow - skip;
  d->N = nf + p;
  d->M = M;
  d->P = rows - M;
  int direct = !o->features && !p && !M &&
               (ycol == 0 || (size_t)ycol + 1 == t->ncol);
  d->names = calloc(d->N, sizeof *d->names);
  d->lagnames = calloc(d->N, sizeof *d->lagnames);
  if (!direct) {
    d->X = deq_big_malloc(rows * d->N * sizeof *d->X);
    d->y = malloc(rows * sizeof *d->y);
  }
  if ((!direct && (!d->X || !d->y)) || !d->names || !d->lagnames) {
    free(cols);
    return CLI_ENUM;
  }
  for (size_t j = 0; j < nf; j++) d->names[j] = t->names[cols[j]];
  for (size_t l = 0; l < p; l++) {
    char buf[64];
    snprintf(buf, sizeof buf, "%s lag %zu", o->y, h + l);
    d->lagnames[nf + l] = strdup(buf);
    d->names[nf + l] = d->lagnames[nf + l] ? d->lagnames[nf + l] : o->y;
  }
  if (direct) {
    d->Xt = t->data + (ycol == 0 ? 1 : 0);
    d->yt = t->data + ycol;
    d->ld = t->ncol;
    free(cols);
    return CLI_OK;
  }
  /* The library takes matrices column-major: the training block
     (P x N) first, then the held-out one (M x N).  */
  for (size_t i = 0; i < rows; i++) {
    size_t src = i + skip;
    const double *row = t->data + src * t->ncol;
    int train = i < d->P;
    size_t ld = train ? d->P : d->M, r = train ? i : i - d->P;
    double *x = d->X + (train ? 0 : d->P * d->N) + r;
    for (size_t j = 0; j < nf; j++) x[j * ld] = row[cols[j]];
    for (size_t l = 0; l < p; l++)
      x[(nf + l) * ld] = t->data[(src - h - l) * t->ncol + ycol];
    d->y[i] = row[ycol];
  }
  free(cols);
  return CLI_OK;
}

/* ------------------------------------------------------------ K */

/* K for the P training rows: --corr, or AR(1) with the estimated rho.  */
static int build_K(deq_spectrum **K, const gcv_opts *o, size_t P, double rho)
{
  *K = NULL;
  if (!o->corr_given && !o->estimate)
    return CLI_OK;
  deq_error err;
  deq_error_clear(&err);
  if (o->corr.eigs) {     /* eigs:file=PATH: K's own eigenvalues */
    const deq_spectrum *e = o->corr.eigs;
    if (!(fabs(e->dim - (double)P) < 0.5)) {
      cli_error(CMD, "--corr '%s': K has dimension %g, the data %zu training "
                "rows", o->corr_text, e->dim, P);
      return CLI_EUSAGE;
    }
    for (size_t i = 0; i < e->n; i++)
      if (!(e->s[i] > 0)) {
        cli_error(CMD, "--corr '%s': eigenvalue %zu is not positive (K must "
                  "be positive definite)", o->corr_text, i + 1);
        return CLI_EUSAGE;
      }
    deq_status st = deq_spectrum_copy(K, e);
    if (st) cli_error(CMD, "--corr: %s", deq_strerror(st));
    return cli_status_exit(st);
  }
  deq_corr_model ar1 = { .kind = DEQ_CORR_AR1, .rho = rho };
  const deq_corr_model *m = o->estimate ? &ar1 : &o->corr.model;
  if (m->kind == DEQ_CORR_MATRIX && m->size != P) {
    cli_error(CMD, "--corr '%s': K is %zu x %zu, the data have %zu training "
              "rows", o->corr_text, m->size, m->size, P);
    return CLI_EUSAGE;
  }
  deq_status st = deq_corr_spectrum(K, m, P, DEQ_CORR_EXACT, &err);
  if (st == DEQ_EDOM && m->kind == DEQ_CORR_ACF)
    cli_error(CMD, "--corr '%s': the autocorrelations do not give a positive "
              "definite %zu x %zu K", o->corr_text, P, P);
  else if (st)
    cli_error(CMD, "--corr '%s': %s", o->corr_text,
              err.message[0] ? err.message : deq_strerror(st));
  return cli_status_exit(st);
}

/* ------------------------------------------------------------ main */

static int check_opts(gcv_opts *o, int npos, char **pos)
{
  if (npos > 0) {
    cli_error(CMD, "unexpected argument '%s'", pos[0]);
    return CLI_EUSAGE;
  }
  if (!o->data) {
    cli_error(CMD, "--data is required");
    return CLI_EUSAGE;
  }
  if (!o->y) {
    cli_error(CMD, "--y is required");
    return CLI_EUSAGE;
  }
  if (o->lambda.n == 0) {
    cli_error(CMD, "--lambda is required");
    return CLI_EUSAGE;
  }
  if (o->horizon_given && !o->lags_given) {
    cli_error(CMD, "--horizon needs --lags");
    return CLI_EUSAGE;
  }
  return CLI_OK;
}

static int plan_error(deq_status st, deq_error *err, const design *d,
                      const gcv_opts *o)
{
  if (st != DEQ_EDOM) {
    cli_error(CMD, "%s: %s", o->data, deq_strerror(st));
    return cli_status_exit(st);
  }
  if (err->column > 0 && (size_t)err->column <= d->N && err->line == 0)
    cli_error(CMD, "--standardize: feature '%s' is constant in %s",
              d->names[err->column - 1], o->data);
  else if (err->column > 0 && (size_t)err->column <= d->N)
    cli_error(CMD, "%s: training row %ld, feature '%s': value is not finite",
              o->data, err->line, d->names[err->column - 1]);
  else if (err->line > 0)
    cli_error(CMD, "%s: training row %ld, '%s': label is not finite",
              o->data, err->line, o->y);
  else
    cli_error(CMD, "%s: %s", o->data, err->message);
  return CLI_EUSAGE;
}

static const char *const col_names[] = {
  "lambda", "E_tr", "gcv", "loo", "corrgcv", "df1", "kappa_K", "holdout"
};

int cmd_gcv(int argc, char **argv)
{
  if (cli_has_option(argc, argv, "--learning-curve"))
    return cmd_gcv_learning_curve(argc, argv);
  gcv_opts o;
  memset(&o, 0, sizeof o);
  o.intercept = 1;
  o.out.command = CMD;
  int npos = 0;
  char **pos = calloc((size_t)argc + 1, sizeof *pos);
  if (!pos) return CLI_ENUM;
  int rc = cli_getopt(argc, argv, CMD, gcv_options, gcv_help, gcv_option, &o,
                      &npos, pos);
  if (rc == CLI_OK) rc = check_opts(&o, npos, pos);
  free(pos);
  if (rc != CLI_OK) {
    cli_grid_free(&o.lambda);
    cli_corr_free(&o.corr);
    return rc == -1 ? CLI_OK : rc;
  }

  deq_table *t = NULL;
  design d;
  memset(&d, 0, sizeof d);
  deq_estimate_plan *plan = NULL;
  deq_spectrum *K = NULL;
  deq_estimate_point *pts = NULL;
  double *pred = NULL;
  cli_table tab;
  size_t ncol = o.holdout > 0 ? 8 : 7, nl = o.lambda.n;
  cli_table_init(&tab, ncol, col_names);
  double rho = NAN, est_lambda = NAN;

  rc = read_data(&t, o.data);
  if (rc) goto done;
  rc = build_design(&d, t, &o);
  if (rc) goto done;
  deq_estimate_opts eo = {o.intercept, o.standardize};
  deq_error err;
  deq_status st =
    d.Xt ? deq_estimate_plan_alloc_strided(&plan, d.P, d.N, d.Xt, d.ld, 1,
                                           d.yt, d.ld, &eo,
                                           DEQ_ESTIMATE_ROUTE_AUTO, &err)
         : deq_estimate_plan_alloc(&plan, d.P, d.N, d.X, d.y, &eo, &err);
  if (st) {
    rc = plan_error(st, &err, &d, &o);
    goto done;
  }
  pts = calloc(nl, sizeof *pts);
  pred = malloc((d.M ? d.M : 1) * sizeof *pred);
  if (!pts || !pred) {
    rc = CLI_ENUM;
    goto done;
  }
  if (o.estimate) {
    /* rho from the residuals at the stated lambda (default: LOO's).  */
    est_lambda = o.est_lambda;
    if (est_lambda < 0) {
      st = deq_estimate_execute(pts, plan, nl, o.lambda.v, NULL);
      size_t sel[DEQ_ESTIMATE_NCRIT];
      deq_estimate_select(sel, pts, nl);
      if (sel[DEQ_ESTIMATE_LOO] == nl) {
        cli_error(CMD, "--corr-estimate: leave-one-out is infinite at every "
                  "lambda; give ar1:lambda=L");
        rc = CLI_ENUM;
        goto done;
      }
      est_lambda = o.lambda.v[sel[DEQ_ESTIMATE_LOO]];
    }
    st = deq_estimate_ar1_rho(&rho, plan, est_lambda);
    if (st) {
      cli_error(CMD, "--corr-estimate: the residuals at lambda %g are zero "
                "(exact fit): choose a larger ar1:lambda=L", est_lambda);
      rc = CLI_EUSAGE;
      goto done;
    }
  }
  rc = build_K(&K, &o, d.P, rho);
  if (rc) goto done;
  st = deq_estimate_execute(pts, plan, nl, o.lambda.v, K);
  for (size_t l = 0; l < nl; l++)
    if (pts[l].status && pts[l].status != DEQ_EDIVERGE) {
      cli_error(CMD, "lambda %g: %s", o.lambda.v[l],
                deq_strerror(pts[l].status));
      rc = CLI_ENUM;
      goto done;
    }
  for (size_t l = 0; l < nl; l++)   /* finite data, risks beyond DBL_MAX */
    if (isinf(pts[l].E_tr)) {
      cli_error(CMD, "lambda %g: the training error exceeds the double range "
                "(labels too large for squared errors): rescale --y",
                o.lambda.v[l]);
      rc = CLI_ENUM;
      goto done;
    }
  double *hold = calloc(nl, sizeof *hold);
  if (!hold) {
    rc = CLI_ENUM;
    goto done;
  }
  for (size_t l = 0; l < nl; l++) {
    if (d.M) {
      deq_estimate_predict(pred, plan, o.lambda.v[l], d.M, d.X + d.P * d.N);
      double s = 0;
      for (size_t i = 0; i < d.M; i++) {
        double e = d.y[d.P + i] - pred[i];
        s += e * e;
      }
      hold[l] = s / (double)d.M;
    }
    double row[8] = {pts[l].lambda, pts[l].E_tr, pts[l].gcv, pts[l].loo,
                     pts[l].corrgcv, pts[l].df1, pts[l].kappa_K, hold[l]};
    rc = cli_table_add(&tab, CMD, row);
    if (rc) {
      free(hold);
      goto done;
    }
  }
  size_t sel[DEQ_ESTIMATE_NCRIT];
  deq_estimate_select(sel, pts, nl);
  rc = cli_table_write(&tab, &o.out, NULL);
  if (rc == CLI_OK) {
    if (o.estimate)
      fprintf(stderr, "# rho: %.6g (lag-1 autocorrelation of the training "
              "residuals at lambda=%g)\n", rho, est_lambda);
    static const char *const cname[] = {"gcv", "loo", "corrgcv"};
    for (int c = 0; c < DEQ_ESTIMATE_NCRIT; c++) {
      if (c == DEQ_ESTIMATE_CORRGCV && !K) continue;
      size_t s = sel[c];
      if (s == nl)
        fprintf(stderr, "# selected: %s none (not finite at any lambda)\n",
                cname[c]);
      else
        fprintf(stderr, "# selected: %s lambda=%.17g value=%.17g\n", cname[c],
                pts[s].lambda, c == 0 ? pts[s].gcv : c == 1 ? pts[s].loo
                                                           : pts[s].corrgcv);
    }
    if (d.M) {
      size_t b = 0;
      for (size_t l = 1; l < nl; l++)
        if (hold[l] < hold[b]) b = l;
      fprintf(stderr, "# selected: holdout lambda=%.17g value=%.17g\n",
              pts[b].lambda, hold[b]);
    }
  }
  free(hold);
done:
  cli_table_free(&tab);
  free(pts);
  free(pred);
  deq_spectrum_free(K);
  deq_estimate_plan_free(plan);
  design_free(&d);
  deq_table_free(t);
  cli_grid_free(&o.lambda);
  cli_corr_free(&o.corr);
  return rc;
}
