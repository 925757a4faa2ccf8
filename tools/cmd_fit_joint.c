/* tools/cmd_fit_joint.c -- `deq fit --joint`: the joint scaling law
 * y = L_inf + a N^-p + b t^-q (or the data-limited L(N, P)) fitted to
 * three columns of a table, its compute-optimal frontier exponents, and
 * the exponents scaling_dynamics 2.4 predicts for a power law.  */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CMD "fit"

static const char joint_help[] =
  "Usage: deq fit --joint [OPTIONS] [FILE|-]\n"
  "Fit the joint scaling law y = L_inf + a N^-p + b t^-q to three columns\n"
  "of a table (e.g. a deq flow grid over N and t, or a table of training\n"
  "runs) by weighted nonlinear least squares, and print the parameters\n"
  "with standard errors and the compute-optimal frontier they imply\n"
  "(C = N t: N* ~ C^(q/(p+q)), t* ~ C^(p/(p+q)), L* - L_inf ~ C^-(pq/(p+q))).\n"
  "Without FILE, or with '-', the table is read from standard input.\n\n"
  "  --N COL          the model-size column (default N)\n"
  "  --t COL          the second resource (default t; P for the\n"
  "                   data-limited law L(N, P)); inf values are allowed\n"
  "  --y COL          the loss column (default E_g)\n"
  "  --se COL|none    standard errors of y (default: Y_se if present);\n"
  "                   weights 1/se^2, errors inflated by the Birge ratio\n"
  "                   when it exceeds 1.  Without se the residuals are\n"
  "                   relative and the errors come from their scatter\n"
  "  --zero-floor     fix L_inf = 0\n"
  "  --alpha A --r R  also print the exponents that scaling_dynamics 2.4\n"
  "                   predicts for the power law s_k = k^-alpha with source\n"
  "                   r (P = inf; for --law data only p and q)\n"
  "  --law time|data  what the second resource is (default time): the\n"
  "                   predicted q is 2r (time) or min(2 alpha r, 2 alpha)\n"
  "                   (data)\n"
  "  --format tsv|json  output format (default tsv)\n"
  "  -h, --help       print this help\n\n"
  "Rows: floor a p b q (the law), N_opt t_opt L_opt (frontier exponents,\n"
  "errors by the delta method), chi2_dof birge n dof.  Columns: quantity\n"
  "value se drift predicted; drift is |p(lower half) - p(upper half)| of\n"
  "the N range (q likewise over t), the systematic error of a law that\n"
  "holds only asymptotically.  The predicted model exponent is the sheet's\n"
  "corrected bottleneck min(2 alpha r, alpha); the compute-optimal row\n"
  "for r > 1/2 comes from the cross term t^-(1-1/alpha)/N, which the\n"
  "two-term law does not contain: there the fitted and predicted frontier\n"
  "exponents differ by construction (see the manual).\n";

enum { OPT_JOINT = 1100, OPT_NCOL, OPT_TCOL, OPT_ZERO, OPT_ALPHA, OPT_R,
       OPT_LAW };

static const struct option joint_options[] = {
  { "joint", no_argument, NULL, OPT_JOINT },
  { "N", required_argument, NULL, OPT_NCOL },
  { "t", required_argument, NULL, OPT_TCOL },
  { "y", required_argument, NULL, OPT_Y },
  { "se", required_argument, NULL, OPT_SE },
  { "zero-floor", no_argument, NULL, OPT_ZERO },
  { "alpha", required_argument, NULL, OPT_ALPHA },
  { "r", required_argument, NULL, OPT_R },
  { "law", required_argument, NULL, OPT_LAW },
  { "format", required_argument, NULL, OPT_FORMAT },
  { "help", no_argument, NULL, OPT_HELP },
  { NULL, 0, NULL, 0 }
};

typedef struct joint_opts {
  const char *N, *t, *y, *se, *path;
  int zero_floor, data_law;
  double alpha, r;
  cli_output out;
} joint_opts;

static int joint_option(void *ctx, int code, const char *arg)
{
  joint_opts *o = ctx;
  switch (code) {
  case OPT_JOINT: return CLI_OK;
  case OPT_NCOL: o->N = arg; return CLI_OK;
  case OPT_TCOL: o->t = arg; return CLI_OK;
  case OPT_Y: o->y = arg; return CLI_OK;
  case OPT_SE: o->se = arg; return CLI_OK;
  case OPT_ZERO: o->zero_floor = 1; return CLI_OK;
  case OPT_ALPHA: return cli_scalar_parse(&o->alpha, CMD, "--alpha", arg, 0);
  case OPT_R: return cli_scalar_parse(&o->r, CMD, "--r", arg, 0);
  case OPT_LAW:
    if (strcmp(arg, "time") == 0 || strcmp(arg, "data") == 0) {
      o->data_law = strcmp(arg, "data") == 0;
      return CLI_OK;
    }
    cli_error(CMD, "--law: '%s' is not time or data", arg);
    return CLI_EUSAGE;
  case OPT_FORMAT: return cli_format_parse(&o->out.format, CMD, arg);
  }
  cli_error(CMD, "internal error: option %d", code);
  return CLI_EUSAGE;
}

static const char *input_name(const joint_opts *o)
{
  return o->path && strcmp(o->path, "-") != 0 ? o->path : "<stdin>";
}

static int read_input(deq_table **t, const joint_opts *o)
{
  const char *name = input_name(o);
  deq_error err;
  deq_error_clear(&err);
  deq_status st;
  if (!o->path || strcmp(o->path, "-") == 0) {
    st = deq_table_read(t, stdin, &err);
  } else {
    st = deq_table_read_file(t, o->path, &err);
    if (st == DEQ_EIO && err.message[0]) {
      cli_error(CMD, "%s", err.message);
      return CLI_EUSAGE;
    }
  }
  if (st == DEQ_OK) return CLI_OK;
  *t = NULL;
  return cli_file_error(CMD, NULL, name, err.line, err.column, st, &err);
}

static int need_column(long *col, const deq_table *t, const joint_opts *o,
                       const char *opt, const char *name)
{
  *col = deq_table_column(t, name);
  if (*col >= 0) return CLI_OK;
  cli_error(CMD, "--joint %s: no column '%s' in %s", opt, name, input_name(o));
  return CLI_EUSAGE;
}

static int write_joint(const deq_fit_joint *f, const joint_opts *o)
{
  static const char *const cols[] = { "quantity", "value", "se", "drift",
                                      "predicted" };
  deq_frontier_exponents e;
  deq_frontier_law_exponents(&e, f);
  deq_flow_exponents pr;
  int have = deq_fit_predict_flow(&pr, o->alpha, o->r) == DEQ_OK;
  double pq = have ? (o->data_law ? pr.data : pr.time) : NAN;
  double pp = have ? pr.model : NAN;
  int fr = have && !o->data_law;
  struct { const char *name; double v, se, drift, pred; } rows[] = {
    { "floor", f->floor, f->floor_se, NAN, NAN },
    { "a", f->a, f->a_se, NAN, NAN },
    { "p", f->p, f->p_se, f->p_drift, pp },
    { "b", f->b, f->b_se, NAN, NAN },
    { "q", f->q, f->q_se, f->q_drift, pq },
    { "N_opt", e.N, e.N_se, NAN, fr ? pr.N : NAN },
    { "t_opt", e.t, e.t_se, NAN, fr ? pr.t : NAN },
    { "L_opt", e.L, e.L_se, NAN, fr ? pr.L : NAN },
    { "chi2_dof", f->chi2_dof, NAN, NAN, NAN },
    { "birge", f->birge, NAN, NAN, NAN },
    { "n", (double)f->n, NAN, NAN, NAN },
    { "dof", f->dof, NAN, NAN, NAN },
  };
  cli_table t;
  cli_table_init(&t, 5, cols);
  int st = CLI_OK;
  for (size_t i = 0; st == CLI_OK && i < sizeof rows / sizeof rows[0]; i++) {
    cli_cell c[5] = { { 0, rows[i].name }, { rows[i].v, NULL },
                      { rows[i].se, NULL }, { rows[i].drift, NULL },
                      { rows[i].pred, NULL } };
    st = cli_table_add_cells(&t, CMD, c);
  }
  if (st == CLI_OK) st = cli_table_write(&t, &o->out, NULL);
  cli_table_free(&t);
  return st;
}

static int run_joint(const deq_table *t, const joint_opts *o)
{
  long nc, tc, yc, sc = -1;
  int st = need_column(&nc, t, o, "--N", o->N);
  if (st == CLI_OK) st = need_column(&tc, t, o, "--t", o->t);
  if (st == CLI_OK) st = need_column(&yc, t, o, "--y", o->y);
  if (st == CLI_OK && o->se && strcmp(o->se, "none") != 0)
    st = need_column(&sc, t, o, "--se", o->se);
  if (st != CLI_OK) return st;
  if (!o->se) {
    char name[256];
    snprintf(name, sizeof name, "%s_se", o->y);
    sc = deq_table_column(t, name);
  }
  size_t cap = t->nrow ? t->nrow : 1;
  double *v = malloc(4 * cap * sizeof *v);
  if (!v) {
    cli_error(CMD, "out of memory");
    return CLI_ENUM;
  }
  for (size_t i = 0; i < t->nrow; i++) {
    const double *row = t->data + i * t->ncol;
    v[i] = row[nc];
    v[cap + i] = row[tc];
    v[2 * cap + i] = row[yc];
    v[3 * cap + i] = sc >= 0 ? row[sc] : 1;
  }
  deq_fit_joint f;
  deq_status ds = deq_fit_joint_law(&f, t->nrow, v, v + cap, v + 2 * cap,
                                    sc >= 0 ? v + 3 * cap : NULL,
                                    o->zero_floor);
  free(v);
  if (ds == DEQ_EINVAL) {
    cli_error(CMD, "--joint: %s: %zu usable rows of (%s, %s, %s) (%s, %s in "
              "(0, inf], finite %s); need at least %d, with two distinct "
              "finite values of each resource", input_name(o), f.n, o->N,
              o->t, o->y, o->N, o->t, o->y, o->zero_floor ? 5 : 6);
    return CLI_EUSAGE;
  }
  if (ds == DEQ_EDOM) {
    cli_error(CMD, "--joint: %s: a standard error in column '%s' is not "
              "finite and positive", input_name(o), o->se ? o->se : "Y_se");
    return CLI_EUSAGE;
  }
  if (ds == DEQ_ENOCONV) {
    cli_error(CMD, "--joint: an exponent ran to the edge of [1e-3, 20] "
              "(p = %g, q = %g): the law does not describe the table", f.p,
              f.q);
    return cli_status_exit(ds);
  }
  if (ds) {
    cli_error(CMD, "--joint: %s", deq_strerror(ds));
    return cli_status_exit(ds);
  }
  return write_joint(&f, o);
}

int cmd_fit_joint(int argc, char **argv)
{
  joint_opts o = { "N", "t", "E_g", NULL, NULL, 0, 0, NAN, NAN,
                   { CMD, CLI_FORMAT_TSV, NULL } };
  char **pos = calloc((size_t)argc + 1, sizeof *pos);
  if (!pos) return CLI_ENUM;
  int npos = 0;
  int st = cli_getopt(argc, argv, CMD, joint_options, joint_help,
                      joint_option, &o, &npos, pos);
  if (st == CLI_OK && npos > 1) {
    cli_error(CMD, "unexpected argument '%s' (one input file at most)",
              pos[1]);
    st = CLI_EUSAGE;
  }
  if (st == CLI_OK && npos == 1) o.path = pos[0];
  free(pos);
  if (st == CLI_OK && isnan(o.alpha) != isnan(o.r)) {
    cli_error(CMD, "--alpha and --r go together");
    st = CLI_EUSAGE;
  }
  if (st == CLI_OK && !isnan(o.alpha) && !(o.alpha > 1 && o.r > 0
                                          && isfinite(o.alpha)
                                          && isfinite(o.r))) {
    cli_error(CMD, "--alpha must exceed 1 and --r be positive");
    st = CLI_EUSAGE;
  }
  if (st != CLI_OK) return st < 0 ? CLI_OK : st;
  deq_table *t = NULL;
  st = read_input(&t, &o);
  if (st == CLI_OK) st = run_joint(t, &o);
  deq_table_free(t);
  return st;
}
