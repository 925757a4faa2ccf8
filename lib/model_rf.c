/* lib/model_rf.c -- the random-feature model's type object (deq/model.h):
 * one layer of M isotropic features (an axis) or a deep chain of widths
 * with optional layer covariances, on top of deq/features.h.  */
#include <config.h>

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "deq/model.h"
#include "grid_impl.h"
#include "deq/features.h"
#include "deq/mp.h"

enum { F_SPECTRUM, F_NOISE, F_FEATURES, F_WIDTHS, F_LAYERS, F_P, F_LAMBDA,
       F_NPARAM };

static const deq_param rf_params[F_NPARAM] = {
  [F_SPECTRUM] = { "spectrum", DEQ_PARAM_SPECTRUM, DEQ_PARAM_REQUIRED, 0, 0, 0,
                   NULL, "SPEC", "spectrum of Omega = Sigma^1/2 Sigma_1 "
                   "Sigma^1/2 (= Sigma for isotropic first-layer weights), "
                   "target powers u_i^2 in its eigenbasis" },
  [F_NOISE] = { "noise", DEQ_PARAM_REAL, 0, 0, 0, INFINITY, NULL, "S2",
                "label noise variance sigma^2 >= 0" },
  [F_FEATURES] = { "features", DEQ_PARAM_COUNT, DEQ_PARAM_GRID | DEQ_PARAM_INF
                   | DEQ_PARAM_OPEN_MIN, NAN, 0, INFINITY, NULL, "GRID",
                   "one layer of M isotropic features (M > 0; inf: ridge); "
                   "a grid gives one block per M" },
  [F_WIDTHS] = { "widths", DEQ_PARAM_LIST, 0, 0, 0, INFINITY, NULL,
                 "N1,N2,...", "a deep chain of L layers with these widths" },
  [F_LAYERS] = { "layer-spectrum", DEQ_PARAM_SPECTRA, 0, 0, 0, 0, NULL, "SPEC",
                 "covariance Sigma_l of layers 2..L (its normalised eigenvalue "
                 "distribution, eigenvalues > 0); once: every layer, repeated: "
                 "layer 2, 3, ... in order; 'identity' for Sigma_l = I" },
  [F_P] = { "P", DEQ_PARAM_COUNT, DEQ_PARAM_GRID | DEQ_PARAM_REQUIRED
            | DEQ_PARAM_OPEN_MIN, 0, 0, INFINITY, NULL, "GRID",
            "sample sizes > 0" },
  [F_LAMBDA] = { "lambda", DEQ_PARAM_REAL, DEQ_PARAM_GRID | DEQ_PARAM_SHARED,
                 0, 0, INFINITY, NULL, "GRID", "ridges >= 0, normalised by P" },
};

static const deq_column rf_columns[] = {
  { "P", "sample size" },
  { "lambda", "ridge, normalised by P" },
  { "M", "the last width N_L (the number of features)" },
  { "kappa", "kappa_Omega: df1 = df1^Omega(kappa)" },
  { "kappa_f", "lambda/(1 - df1/P), the ridge seen by the readout" },
  { "df1", "df1^Omega(kappa), the shared degrees of freedom" },
  { "rho", "d log kappa/d log kappa_f" },
  { "gamma", "df2 of the feature covariance at kappa_f, over P" },
  { "E_pop", "population error of the readout on fixed features" },
  { "E_g", "excess risk = bias + var_noise + var_features" },
  { "bias", "B(kappa)/(1 - gamma_c)" },
  { "var_noise", "sigma^2 gamma_c/(1 - gamma_c)" },
  { "var_features", "E_g - E_cross: variance over the features" },
  { "E_cross", "bias + var_noise: the feature-averaged (infinite-ensemble) "
               "risk" },
  { "E_test", "E_g + sigma^2" },
  { "E_tr", "training error (1 - df1/P)^2 E_test" },
  { "gcv", "the limit of GCV (= E_test)" },
};
#define F_NCOL (sizeof rf_columns / sizeof rf_columns[0])

/* One solved point and the width of its last layer.  */
typedef struct rf_point {
  deq_rf_point p;
  double M;
} rf_point;

typedef struct rf_ws {
  deq_rf_chain chain;      /* the --widths chain (L = 0: one layer of M) */
  const deq_spectrum **layer;
} rf_ws;

static size_t nlayers(const double *x, const void *const *obj)
{
  (void)x;
  const deq_model_list *w = obj[F_WIDTHS];
  return w ? w->n : 1;
}

static deq_status rf_validate(const double *x, const void *const *obj,
                              const unsigned char *given, deq_error *err)
{
  const deq_model_spectra *ls = obj[F_LAYERS];
  size_t L = nlayers(x, obj);
  if (!given[F_FEATURES] == !given[F_WIDTHS]) {
    snprintf(err->message, sizeof err->message,
             "give exactly one of --features M and --widths N1,...");
    return DEQ_EINVAL;
  }
  if (ls && ls->n > 0 && L < 2) {
    snprintf(err->message, sizeof err->message,
             "--layer-spectrum needs --widths with at least two layers");
    return DEQ_EINVAL;
  }
  if (ls && ls->n > 1 && ls->n != L - 1) {
    snprintf(err->message, sizeof err->message, "--layer-spectrum given %zu "
             "times: give it once or once per layer 2..L (%zu times)", ls->n,
             L - 1);
    return DEQ_EINVAL;
  }
  for (size_t i = 0; ls && i < ls->n; i++)
    for (size_t j = 0; ls->sp[i] && j < ls->sp[i]->n; j++)
      if (!(ls->sp[i]->s[j] > 0)) {
        snprintf(err->message, sizeof err->message, "--layer-spectrum number "
                 "%zu: eigenvalues must be > 0 (Sigma_l must be invertible)",
                 i + 1);
        return DEQ_EDOM;
      }
  return DEQ_OK;
}

static void rf_ws_free(void *p)
{
  rf_ws *w = p;
  if (w) free(w->layer);
  free(w);
}

static deq_status rf_ws_alloc(void **out, const double *x,
                              const void *const *obj, deq_error *err)
{
  const deq_model_list *widths = obj[F_WIDTHS];
  const deq_model_spectra *ls = obj[F_LAYERS];
  size_t L = nlayers(x, obj);
  rf_ws *w = calloc(1, sizeof *w);
  if (w) w->layer = calloc(L, sizeof *w->layer);
  if (!w || !w->layer) {
    rf_ws_free(w);
    return DEQ_ENOMEM;
  }
  for (size_t l = 0; l + 1 < L && ls && ls->n > 0; l++)
    w->layer[l] = ls->sp[ls->n == 1 ? 0 : l];
  if (widths) {
    w->chain = (deq_rf_chain){ widths->n, widths->v, w->layer };
    deq_status st = deq_rf_chain_check(&w->chain);
    if (st != DEQ_OK) {
      snprintf(err->message, sizeof err->message, "--widths/--layer-spectrum: "
               "%s", deq_strerror(st));
      rf_ws_free(w);
      return st;
    }
  }
  *out = w;
  return DEQ_OK;
}

/* The chain at this point: --widths, or one layer of x[F_FEATURES].  */
static deq_rf_chain chain_at(const rf_ws *w, const double *x)
{
  if (w->chain.L > 0) return w->chain;
  return (deq_rf_chain){ 1, &x[F_FEATURES], w->layer };
}

static deq_status rf_solve(void *point, void *ws, const double *x,
                           const void *const *obj, const void *warm,
                           deq_error *err)
{
  rf_point *pt = point;
  const rf_point *wp = warm;
  deq_rf_chain ch = chain_at(ws, x);
  pt->M = ch.width[ch.L - 1];
  deq_status st = deq_rf_solve(&pt->p, obj[F_SPECTRUM], &ch, x[F_P],
                               x[F_LAMBDA], x[F_NOISE], wp ? &wp->p : NULL);
  if (st == DEQ_EDOM || st == DEQ_EINVAL)
    snprintf(err->message, sizeof err->message, "--widths/--features/"
             "--layer-spectrum: %s", deq_strerror(st));
  return st;
}

/* The MPFR twin covers one layer at lambda > 0 (deq_mp_rf1).  */
static deq_status rf_mp(void *point, const double *x, const void *const *obj,
                        long prec)
{
  rf_point *pt = point;
  if (obj[F_WIDTHS] || !(x[F_LAMBDA] > 0) || isinf(x[F_FEATURES]))
    return DEQ_EUNSUP;
  pt->M = x[F_FEATURES];
  deq_status st = deq_mp_rf1(&pt->p, obj[F_SPECTRUM], x[F_FEATURES], x[F_P],
                             x[F_LAMBDA], x[F_NOISE], prec);
  pt->p.P = x[F_P];
  pt->p.lambda = x[F_LAMBDA];
  pt->p.gcv = pt->p.E_test;   /* the limit of GCV is E_test by definition */
  return st;
}

static void rf_row(double *row, const void *point)
{
  const rf_point *q = point;
  const deq_rf_point *p = &q->p;
  double r[F_NCOL] = {
    p->P, p->lambda, q->M, p->kappa, p->kappa_f, p->df1, p->rho, p->gamma,
    p->E_pop, p->E_g, p->bias, p->var_noise, p->var_features, p->E_cross,
    p->E_test, p->E_tr, p->gcv };
  for (size_t j = 0; j < F_NCOL; j++) row[j] = r[j];
}

static const deq_mc_quantity rf_mc_q[] = {
  { "E_g", "E_g" }, { "E_tr", "E_tr" }, { "gcv", "E_test" }, { "df1", "df1" }
};
static const char *const rf_mc_columns[] = {
  "P", "lambda", "M", "kappa", "df1", "E_g", "E_test", "E_tr", "gcv"
};

static deq_status rf_mc(deq_mc_estimate *est, void *ws, const double *x,
                        const void *const *obj, const double *shared,
                        size_t ns, const void *points, size_t trials,
                        uint64_t seed, int threads, deq_error *err)
{
  (void)points;
  deq_rf_chain ch = chain_at(ws, x);
  deq_mc_rf_row *rows = malloc(ns * sizeof *rows);
  if (!rows) return DEQ_ENOMEM;
  deq_status st = deq_mc_rf_run(rows, obj[F_SPECTRUM], &ch, (size_t)x[F_P],
                                shared, ns, x[F_NOISE], trials, seed, threads);
  if (st == DEQ_EUNSUP)
    snprintf(err->message, sizeof err->message, "layer multiplicities must "
             "divide the widths; dimensions at most 2^20");
  for (size_t j = 0; st == DEQ_OK && j < ns; j++) {
    est[4 * j] = rows[j].E_g;
    est[4 * j + 1] = rows[j].E_tr;
    est[4 * j + 2] = rows[j].gcv;
    est[4 * j + 3] = rows[j].df1;
  }
  free(rows);
  return st;
}

const deq_model_type deq_model_rf = {
  .name = "rf",
  .summary = "random-feature and deep structured-feature ridge learning "
             "curves: features G'x with G = F1...FL, Fl = Sigma_l^(1/2) "
             "Z/sqrt(Nl), ridge readout on P samples",
  .reference = "the manual's chapter on random features",
  .params = rf_params,
  .nparam = F_NPARAM,
  .columns = rf_columns,
  .ncolumn = F_NCOL,
  .point_size = sizeof(rf_point),
  .status_offset = offsetof(rf_point, p) + offsetof(deq_rf_point, status),
  .warm_axes = 2,
  .warm_chunk = DEQ_GRID_CHUNK,
  .validate = rf_validate,
  .ws_alloc = rf_ws_alloc,
  .ws_free = rf_ws_free,
  .solve = rf_solve,
  .row = rf_row,
  .plot_y = "E_g",
  .mp = rf_mp,
  .mc_quantities = rf_mc_q,
  .nmc = 4,
  .mc_columns = rf_mc_columns,
  .nmc_column = 9,
  .mc = rf_mc,
};
