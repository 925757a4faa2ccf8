/* lib/model_cot.c -- the type objects of chain of thought (deq cot) and
 * of L-step in-context gradient descent (deq icl-depth), on top of
 * deq/cot.h.  Both are RECONSTRUCTIONS (spec icl_cot.md sections 3, 4):
 * exact for the solvable models stated there, not verified to be the
 * papers' models.  */
#include <config.h>

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "deq/model.h"
#include "deq/cot.h"

/* ------------------------------------------------------------ deq cot */

enum { C_ALPHA, C_TAU, C_NOISE, C_DEPTH, C_OPTIMAL, C_MAXDEPTH, C_PHASE, C_D,
       C_TESTS, C_NPARAM };

static const deq_param cot_params[C_NPARAM] = {
  [C_ALPHA] = { "alpha", DEQ_PARAM_REAL, DEQ_PARAM_GRID | DEQ_PARAM_REQUIRED
                | DEQ_PARAM_OPEN_MIN, 0, 0, INFINITY, NULL, "GRID",
                "context length / dimension, l/d > 0" },
  [C_TAU] = { "tau", DEQ_PARAM_REAL, DEQ_PARAM_GRID | DEQ_PARAM_INF
              | DEQ_PARAM_OPEN_MIN, INFINITY, 1, INFINITY, NULL, "GRID",
              "pretraining contexts / dimension, n/d > 1; inf: the "
              "population optimum (default inf)" },
  [C_NOISE] = { "noise", DEQ_PARAM_REAL, DEQ_PARAM_GRID, 0, 0, INFINITY, NULL,
                "GRID", "label noise variance rho >= 0" },
  [C_DEPTH] = { "depth", DEQ_PARAM_COUNT, DEQ_PARAM_GRID | DEQ_PARAM_SHARED
                | DEQ_PARAM_INTEGER, 1, 0, 1e6, NULL, "GRID",
                "reasoning steps T >= 0 (one sweep per grid, O(T^2 log T) "
                "at finite tau: T = 1e4 in about 10 s)" },
  [C_OPTIMAL] = { "optimal-depth", DEQ_PARAM_FLAG, 0, 0, 0, 1, NULL, NULL,
                  "one row per point at the optimal depth T* in [1, "
                  "--max-depth] (replaces --depth); overthinking = 1 if "
                  "e_T rises again by --max-depth" },
  [C_MAXDEPTH] = { "max-depth", DEQ_PARAM_COUNT, DEQ_PARAM_INTEGER, 1000, 1,
                   1e6, NULL, "T", "search range of --optimal-depth" },
  [C_PHASE] = { "phase", DEQ_PARAM_FLAG, 0, 0, 0, 1, NULL, NULL,
                "only the phase columns, one row per point (no risk)" },
  [C_D] = { "d", DEQ_PARAM_COUNT, DEQ_PARAM_INTEGER, 100, 1, 4096, NULL, "D",
            "Monte Carlo: the dimension d" },
  [C_TESTS] = { "tests", DEQ_PARAM_COUNT, DEQ_PARAM_INTEGER, 8, 1, 1e6, NULL,
                "K", "Monte Carlo: test contexts per pretraining (trial)" },
};

static const deq_column cot_columns[] = {
  { "alpha", "context length / dimension" },
  { "tau", "pretraining contexts / dimension" },
  { "noise", "label noise variance rho" },
  { "depth", "reasoning steps T (T* with --optimal-depth)" },
  { "E_g", "e_T = (1/d) E|w_T - w|^2, the excess risk of a fresh query" },
  { "E_test", "E_g + rho, the query's prediction error" },
  { "gamma", "gamma* = 1/(1 + (1 + rho)/alpha), the pretrained step" },
  { "sbar", "gamma*(1 - gamma*)/(tau - 1), the ladder's rung weight" },
  { "r", "spectral radius of I - Gamma Sigma_hat; e_T ~ r^2T" },
  { "tau_c", "amplification (r > 1) for tau < tau_c" },
  { "e_inf", "rho/(alpha - 1), the limit for alpha > 1 (nan otherwise)" },
  { "phase", "0 exponential, 1 polynomial, 2 saturation, 3 amplification" },
  { "overthinking", "--optimal-depth: 1 if e_T rises after T* (nan "
                    "otherwise)" },
};
#define C_NCOL (sizeof cot_columns / sizeof cot_columns[0])

typedef struct cot_point {
  double alpha, tau, noise, depth, E_g, E_test, overthinking;
  deq_cot_info info;
  deq_status status;
} cot_point;

typedef struct cot_ws {
  deq_cot_curve *c;
  double alpha, tau, noise;
} cot_ws;

static deq_status cot_validate(const double *x, const void *const *obj,
                               const unsigned char *given, deq_error *err)
{
  (void)x;
  (void)obj;
  const char *clash = given[C_PHASE] && given[C_OPTIMAL] ? "--optimal-depth"
                      : (given[C_PHASE] || given[C_OPTIMAL])
                        && given[C_DEPTH] ? "--depth" : NULL;
  if (clash) {
    snprintf(err->message, sizeof err->message, "%s cannot be combined with "
             "--%s", clash, given[C_PHASE] ? "phase" : "optimal-depth");
    return DEQ_EINVAL;
  }
  return DEQ_OK;
}

static void cot_ws_free(void *p)
{
  cot_ws *w = p;
  if (!w) return;
  deq_cot_curve_free(w->c);
  free(w);
}

static deq_status cot_ws_alloc(void **out, const double *x,
                               const void *const *obj, deq_error *err)
{
  (void)x;
  (void)obj;
  (void)err;
  cot_ws *w = calloc(1, sizeof *w);
  if (!w) return DEQ_ENOMEM;
  *out = w;
  return DEQ_OK;
}

/* The curve of (alpha, tau, noise), kept while those stay the same.  */
static deq_status cot_curve(cot_ws *w, const double *x)
{
  if (w->c && w->alpha == x[C_ALPHA] && w->tau == x[C_TAU]
      && w->noise == x[C_NOISE])
    return DEQ_OK;
  deq_cot_curve_free(w->c);
  w->c = NULL;
  w->alpha = x[C_ALPHA];
  w->tau = x[C_TAU];
  w->noise = x[C_NOISE];
  return deq_cot_curve_alloc(&w->c, x[C_ALPHA], x[C_TAU], x[C_NOISE]);
}

static deq_status cot_solve(void *point, void *ws, const double *x,
                            const void *const *obj, const void *warm,
                            deq_error *err)
{
  (void)obj;
  (void)warm;
  cot_point *pt = point;
  pt->alpha = x[C_ALPHA];
  pt->tau = x[C_TAU];
  pt->noise = x[C_NOISE];
  pt->depth = x[C_PHASE] ? NAN : x[C_DEPTH];
  pt->E_g = pt->E_test = pt->overthinking = NAN;
  deq_status st = deq_cot_phase_info(&pt->info, x[C_ALPHA], x[C_TAU],
                                     x[C_NOISE]);
  if (st == DEQ_EDOM) {
    snprintf(err->message, sizeof err->message, "needs alpha > 0, tau > 1 "
             "and noise >= 0");
    st = DEQ_EINVAL;
  }
  if (st == DEQ_OK && x[C_OPTIMAL]) {
    size_t ts;
    int over;
    st = deq_cot_optimal_depth(&ts, &pt->E_g, &over, (size_t)x[C_MAXDEPTH],
                               x[C_ALPHA], x[C_TAU], x[C_NOISE]);
    pt->depth = (double)ts;
    pt->overthinking = over;
  } else if (st == DEQ_OK && !x[C_PHASE]) {
    st = cot_curve(ws, x);
    if (st == DEQ_OK || st == DEQ_EDIVERGE)
      st = deq_cot_curve_at(&pt->E_g, ((cot_ws *)ws)->c, (size_t)x[C_DEPTH]);
  }
  pt->E_test = pt->E_g + x[C_NOISE];
  pt->status = st;
  return st;
}

/* The MPFR twin: e_T by the spec's ladder with 256-bit arithmetic and
   twice the nodes (depth <= 64); the phase columns are the double
   solver's (closed forms and a bisection, not certified).  */
static deq_status cot_mp(void *point, const double *x, const void *const *obj,
                         long prec)
{
  (void)obj;
  if (x[C_OPTIMAL] || x[C_PHASE] || x[C_DEPTH] > 64) return DEQ_EUNSUP;
  cot_point *pt = point;
  pt->alpha = x[C_ALPHA];
  pt->tau = x[C_TAU];
  pt->noise = x[C_NOISE];
  pt->depth = x[C_DEPTH];
  pt->overthinking = NAN;
  deq_status st = deq_cot_phase_info(&pt->info, x[C_ALPHA], x[C_TAU],
                                     x[C_NOISE]);
  if (st == DEQ_OK)
    st = deq_mp_cot_risk(&pt->E_g, (size_t)x[C_DEPTH], x[C_ALPHA], x[C_TAU],
                         x[C_NOISE], 0, prec);
  pt->E_test = pt->E_g + x[C_NOISE];
  pt->status = st;
  return st;
}

static void cot_row(double *row, const void *point)
{
  const cot_point *p = point;
  const deq_cot_info *in = &p->info;
  double r[C_NCOL] = { p->alpha, p->tau, p->noise, p->depth, p->E_g,
                       p->E_test, in->gamma, in->sbar, in->r, in->tau_c,
                       in->e_inf, in->status == DEQ_OK ? (double)in->phase
                                                       : NAN,
                       p->overthinking };
  for (size_t j = 0; j < C_NCOL; j++) row[j] = r[j];
}

static const deq_mc_quantity cot_mc_q[] = { { "E_g", "E_g" } };
static const char *const cot_mc_columns[] = {
  "alpha", "tau", "noise", "depth", "E_g", "r"
};

static deq_status cot_mc(deq_mc_estimate *est, void *ws, const double *x,
                         const void *const *obj, const double *shared,
                         size_t ns, const void *points, size_t trials,
                         uint64_t seed, int threads, deq_error *err)
{
  (void)ws;
  (void)obj;
  (void)points;
  if (x[C_OPTIMAL] || x[C_PHASE]) {
    snprintf(err->message, sizeof err->message, "deq mc cot simulates a "
             "--depth grid (not --optimal-depth or --phase)");
    return DEQ_EUNSUP;
  }
  return deq_mc_cot_run(est, (size_t)x[C_D], x[C_ALPHA], x[C_TAU], x[C_NOISE],
                        shared, ns, (size_t)x[C_TESTS], trials, seed,
                        threads);
}

const deq_model_type deq_model_cot = {
  .name = "cot",
  .summary = "chain of thought as iterative refinement by pretrained linear "
             "attention: risk against depth, optimal depth, phases "
             "[RECONSTRUCTION: the spec's solvable model, not verified "
             "against the paper]",
  .reference = "after Takanami, Pehlevan, arXiv 2606.03217; spec icl_cot.md "
               "section 4",
  .params = cot_params,
  .nparam = C_NPARAM,
  .columns = cot_columns,
  .ncolumn = C_NCOL,
  .point_size = sizeof(cot_point),
  .status_offset = offsetof(cot_point, status),
  .warm_axes = 1,
  .validate = cot_validate,
  .ws_alloc = cot_ws_alloc,
  .ws_free = cot_ws_free,
  .solve = cot_solve,
  .row = cot_row,
  .plot_y = "E_g",
  .plot_x = "depth",
  .divergence = "error amplification beyond the double range",
  .mp = cot_mp,
  .mc_quantities = cot_mc_q,
  .nmc = 1,
  .mc_columns = cot_mc_columns,
  .nmc_column = 6,
  .mc = cot_mc,
};

/* ------------------------------------------------------------ deq icl-depth */

enum { D_ALPHA, D_NOISE, D_GAMMA, D_LAYERS, D_SPECTRUM, D_D, D_NPARAM };

/* --alpha is required unless --spectrum (infinite context) is given
   (depth_validate); its default Inf is that of --spectrum.  */
static const deq_param depth_params[D_NPARAM] = {
  [D_ALPHA] = { "alpha", DEQ_PARAM_REAL, DEQ_PARAM_GRID | DEQ_PARAM_INF
                | DEQ_PARAM_OPEN_MIN, INFINITY, 0, INFINITY, NULL, "GRID",
                "context length / dimension, P/D > 0 (required unless "
                "--spectrum; inf: infinite context, isotropic tokens)" },
  [D_NOISE] = { "noise", DEQ_PARAM_REAL, DEQ_PARAM_GRID, 0, 0, INFINITY, NULL,
                "GRID", "label noise variance sigma^2 >= 0" },
  [D_GAMMA] = { "gamma", DEQ_PARAM_REAL, DEQ_PARAM_GRID, NAN, 0, INFINITY,
                NULL, "GRID", "learning rates >= 0 (default: the optimal "
                "gamma* for each alpha, L)" },
  [D_LAYERS] = { "layers", DEQ_PARAM_COUNT, DEQ_PARAM_GRID | DEQ_PARAM_SHARED
                 | DEQ_PARAM_INTEGER, 1, 1, 1e6, NULL, "GRID",
                 "depth L >= 1: gradient steps" },
  [D_SPECTRUM] = { "spectrum", DEQ_PARAM_SPECTRUM, 0, 0, 0, 0, NULL, "SPEC",
                   "infinite context with random rotations (sheet section "
                   "3.3, RECONSTRUCTION, numeric only): token covariance "
                   "eigenvalues s_k and task powers v_k (--target); E_g = "
                   "min_gamma sum_k v_k (1 - gamma s_k/L)^(2L); implies "
                   "alpha = inf" },
  [D_D] = { "D", DEQ_PARAM_COUNT, DEQ_PARAM_INTEGER, 100, 1, 4096, NULL, "D",
            "Monte Carlo: the dimension D (context P = round(alpha D))" },
};

static const deq_column depth_columns[] = {
  { "alpha", "context length / dimension" },
  { "noise", "label noise variance sigma^2" },
  { "layers", "depth L" },
  { "gamma", "learning rate (gamma* unless --gamma)" },
  { "E_g", "E_test - sigma^2" },
  { "E_test", "test risk R(gamma; L, alpha, sigma^2), noise included" },
};
#define D_NCOL (sizeof depth_columns / sizeof depth_columns[0])

static deq_status depth_validate(const double *x, const void *const *obj,
                                 const unsigned char *given, deq_error *err)
{
  (void)x;
  (void)obj;
  const char *msg = NULL;
  if (given[D_SPECTRUM] && given[D_ALPHA])
    msg = "--spectrum is the infinite-context model (alpha = inf): drop "
          "--alpha (finite context with a spectrum is not covered)";
  else if (!given[D_SPECTRUM] && !given[D_ALPHA])
    msg = "needs --alpha GRID (or --spectrum SPEC for infinite context)";
  if (msg) {
    snprintf(err->message, sizeof err->message, "%s", msg);
    return DEQ_EINVAL;
  }
  return DEQ_OK;
}

/* The token spectrum at infinite context: the one given, or isotropic
   (one atom s = 1 with all the signal, v = 1).  */
static const deq_spectrum *depth_spectrum(const void *const *obj,
                                          deq_spectrum *iso, double *one)
{
  if (obj[D_SPECTRUM]) return obj[D_SPECTRUM];
  *one = 1;
  *iso = (deq_spectrum){ .n = 1, .s = one, .m = one, .v = one, .dim = 1,
                         .rank = 1, .trace = 1, .signal = 1, .exact = 1 };
  return iso;
}

/* alpha = Inf (sheet section 3.3): E_g is the spectrum sum, the noise
   enters only through E_test = noise + E_g.  */
static deq_status depth_solve_infinite(deq_icl_depth_point *pt,
                                       const double *x,
                                       const void *const *obj)
{
  deq_spectrum iso;
  double one;
  const deq_spectrum *sp = depth_spectrum(obj, &iso, &one);
  double R = NAN, gamma = x[D_GAMMA];
  deq_status st = isnan(gamma) ? deq_icl_depth_rrs(&R, &gamma, sp,
                                                   x[D_LAYERS])
                               : deq_icl_depth_rrs_risk(&R, gamma, sp,
                                                        x[D_LAYERS]);
  *pt = (deq_icl_depth_point){ .alpha = INFINITY, .layers = x[D_LAYERS],
                               .noise = x[D_NOISE], .gamma = gamma,
                               .E_test = x[D_NOISE] + R, .E_g = R,
                               .status = st };
  return st;
}

static deq_status depth_solve(void *point, void *ws, const double *x,
                              const void *const *obj, const void *warm,
                              deq_error *err)
{
  (void)ws;
  (void)warm;
  (void)err;
  deq_icl_depth_point *pt = point;
  if (isinf(x[D_ALPHA])) return depth_solve_infinite(pt, x, obj);
  if (isnan(x[D_GAMMA]))
    return deq_icl_depth_optimal(pt, x[D_LAYERS], x[D_ALPHA], x[D_NOISE]);
  return deq_icl_depth_risk(pt, x[D_GAMMA], x[D_LAYERS], x[D_ALPHA],
                            x[D_NOISE]);
}

/* The twin: R with 256 bits and twice the nodes, at the double solver's
   gamma (gamma* itself is a minimiser's output, not certified).  */
static deq_status depth_mp(void *point, const double *x,
                           const void *const *obj, long prec)
{
  deq_icl_depth_point *pt = point;
  deq_status st = depth_solve(point, NULL, x, obj, NULL, NULL);
  if (st != DEQ_OK) return st;
  double R;
  if (isinf(x[D_ALPHA])) {
    deq_spectrum iso;
    double one;
    st = deq_mp_icl_depth_rrs_risk(&R, pt->gamma,
                                   depth_spectrum(obj, &iso, &one),
                                   x[D_LAYERS], prec);
    pt->E_g = R;
    pt->E_test = x[D_NOISE] + R;
    pt->status = st;
    return st;
  }
  st = deq_mp_icl_depth_risk(&R, pt->gamma, x[D_LAYERS], x[D_ALPHA],
                             x[D_NOISE], 0, prec);
  pt->E_test = R;
  pt->E_g = R - x[D_NOISE];
  pt->status = st;
  return st;
}

static void depth_row(double *row, const void *point)
{
  const deq_icl_depth_point *p = point;
  double r[D_NCOL] = { p->alpha, p->noise, p->layers, p->gamma, p->E_g,
                       p->E_test };
  for (size_t j = 0; j < D_NCOL; j++) row[j] = r[j];
}

static const deq_mc_quantity depth_mc_q[] = { { "E_test", "E_test" } };
static const char *const depth_mc_columns[] = {
  "alpha", "noise", "layers", "gamma", "E_test"
};

static deq_status depth_mc(deq_mc_estimate *est, void *ws, const double *x,
                           const void *const *obj, const double *shared,
                           size_t ns, const void *points, size_t trials,
                           uint64_t seed, int threads, deq_error *err)
{
  (void)ws;
  (void)obj;
  const deq_icl_depth_point *p = points;
  if (isinf(x[D_ALPHA])) {
    snprintf(err->message, sizeof err->message, "deq mc icl-depth simulates "
             "a finite context: give a finite --alpha (no --spectrum)");
    return DEQ_EUNSUP;
  }
  double *gamma = malloc(ns * sizeof *gamma);
  if (!gamma) return DEQ_ENOMEM;
  for (size_t j = 0; j < ns; j++) gamma[j] = p[j].gamma;
  deq_status st = deq_mc_icl_depth_run(est, (size_t)x[D_D], x[D_ALPHA],
                                       x[D_NOISE], shared, gamma, ns, trials,
                                       seed, threads);
  free(gamma);
  return st;
}

const deq_model_type deq_model_icl_depth = {
  .name = "icl-depth",
  .summary = "in-context regression by an L-layer linear attention as L "
             "steps of gradient descent with the optimal learning rate "
             "[RECONSTRUCTION: the spec's solvable model, not verified "
             "against the paper]",
  .reference = "after Bordelon, Letey, Pehlevan, arXiv 2510.01098; spec "
               "icl_cot.md section 3",
  .params = depth_params,
  .nparam = D_NPARAM,
  .columns = depth_columns,
  .ncolumn = D_NCOL,
  .point_size = sizeof(deq_icl_depth_point),
  .status_offset = offsetof(deq_icl_depth_point, status),
  .warm_axes = 1,
  .validate = depth_validate,
  .solve = depth_solve,
  .row = depth_row,
  .plot_y = "E_test",
  .plot_x = "layers",
  .divergence = "learning rate beyond stability, risk beyond the double "
                "range",
  .mp = depth_mp,
  .mc_quantities = depth_mc_q,
  .nmc = 1,
  .mc_columns = depth_mc_columns,
  .nmc_column = 5,
  .mc = depth_mc,
};
