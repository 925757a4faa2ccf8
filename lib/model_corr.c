/* lib/model_corr.c -- the correlated-samples model's type object
 * (deq/model.h): ridge with E[x_mu x_nu'] = K_mu,nu Sigma, CorrGCV and
 * forecasting, on top of deq/corr.h.  K is rebuilt for each P.  */
#include <config.h>

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "deq/model.h"
#include "grid_impl.h"
#include "deq/corr.h"
#include "deq/mp.h"

enum { C_SPECTRUM, C_CORR, C_NOISE, C_NOISE_MODEL, C_P, C_LAMBDA, C_HORIZON,
       C_KSPECTRUM, C_NPARAM };

static const char *const noise_models[] = { "K", "iid", NULL };
static const char *const k_methods[] = { "exact", "symbol", NULL };

static const deq_param corr_params[C_NPARAM] = {
  [C_SPECTRUM] = { "spectrum", DEQ_PARAM_SPECTRUM, DEQ_PARAM_REQUIRED, 0, 0, 0,
                   NULL, "SPEC", "the covariance Sigma of each sample with the "
                   "target powers of wbar" },
  [C_CORR] = { "corr", DEQ_PARAM_CORR, DEQ_PARAM_REQUIRED, 0, 0, 0, NULL, "K",
               "the P x P sample correlation K" },
  [C_NOISE] = { "noise", DEQ_PARAM_REAL, 0, 0, 0, INFINITY, NULL, "S2",
                "label noise variance sigma^2 >= 0" },
  [C_NOISE_MODEL] = { "noise-model", DEQ_PARAM_CHOICE, 0, 0, 0, 1, noise_models,
                      "K|iid", "K: noise ~ N(0, S2 K); iid: N(0, S2 I)" },
  [C_P] = { "P", DEQ_PARAM_COUNT, DEQ_PARAM_GRID | DEQ_PARAM_REQUIRED
            | DEQ_PARAM_INTEGER, 0, 2,
            1e7, NULL, "GRID", "sample sizes (integers in [2, 1e7]; K is "
            "P x P)" },
  [C_LAMBDA] = { "lambda", DEQ_PARAM_REAL, DEQ_PARAM_GRID | DEQ_PARAM_SHARED,
                 0, 0, INFINITY, NULL, "GRID", "ridges >= 0, normalised by P" },
  [C_HORIZON] = { "horizon", DEQ_PARAM_COUNT, DEQ_PARAM_INTEGER, 0, 1,
                  1073741824, NULL, "H",
                  "forecast a test point H >= 1 steps after the last sample "
                  "(ar1 and acf; noise model K): E_forecast" },
  [C_KSPECTRUM] = { "k-spectrum", DEQ_PARAM_CHOICE, 0, 0, 0, 1, k_methods,
                    "exact|symbol", "K's finite-P eigenvalues or its Toeplitz "
                    "symbol (ar1, acf)" },
};

static const deq_column corr_columns[] = {
  { "P", "sample size (K is P x P)" },
  { "lambda", "ridge, normalised by P" },
  { "kappa", "renormalised ridge of Sigma" },
  { "kappa_K", "renormalised ridge of K: df1 = df1^K(kappa_K)" },
  { "df1", "df1^Sigma(kappa) = df1^K(kappa_K)" },
  { "gamma", "df2^Sigma df2^K/df1^2" },
  { "bias", "B/(1 - gamma)" },
  { "var_noise", "E_g - bias, the label-noise term" },
  { "E_g", "excess risk (w - wbar)' Sigma (w - wbar), no label noise" },
  { "E_test", "E_g + sigma^2" },
  { "E_tr", "training error |y - Xw|^2/P" },
  { "gcv", "E_tr/(1 - df1/P)^2, the limit of the usual GCV" },
  { "corrgcv", "E_tr P/(kappa_K (df1 - df2^K)), the limit of CorrGCV (= "
               "E_test for noise model K)" },
  { "E_forecast", "risk of a test point --horizon steps after the last "
                  "sample (nan without --horizon)" },
  { "dkappa_dlambda", "P b/((1 - gamma) kappa_K df1^2)" },
};
#define C_NCOL (sizeof corr_columns / sizeof corr_columns[0])

typedef struct corr_point {
  deq_corr_point p;
  double E_forecast;
} corr_point;

/* K and the forecast at the current P.  */
typedef struct corr_ws {
  double P;
  deq_spectrum *K;
  deq_corr_forecast *f;
} corr_ws;

static deq_status corr_validate(const double *x, const void *const *obj,
                                const unsigned char *given, deq_error *err)
{
  (void)x;
  const deq_corr_model *m = obj[C_CORR];
  if (given[C_HORIZON] && m && m->kind != DEQ_CORR_AR1
      && m->kind != DEQ_CORR_ACF) {
    snprintf(err->message, sizeof err->message,
             "--horizon needs --corr ar1:... or acf:file=...");
    return DEQ_EINVAL;
  }
  return DEQ_OK;
}

static void corr_ws_free(void *p)
{
  corr_ws *w = p;
  if (!w) return;
  deq_spectrum_free(w->K);
  deq_corr_forecast_free(w->f);
  free(w);
}

static deq_status corr_ws_alloc(void **out, const double *x,
                                const void *const *obj, deq_error *err)
{
  (void)x;
  (void)obj;
  (void)err;
  corr_ws *w = calloc(1, sizeof *w);
  if (!w) return DEQ_ENOMEM;
  w->P = NAN;
  *out = w;
  return DEQ_OK;
}

/* Why K could not be built at P, in err.  */
static void k_error(deq_error *err, deq_status st, const deq_corr_model *m,
                    size_t P, const deq_error *kerr)
{
  char msg[sizeof err->message];
  if (st == DEQ_EDOM && m->kind == DEQ_CORR_BLOCKS && P % m->m)
    snprintf(msg, sizeof msg, "block size m = %zu does not divide P = %zu",
             m->m, P);
  else if (st == DEQ_EDOM && (m->kind == DEQ_CORR_BLOCKS
                              || m->kind == DEQ_CORR_EQUI))
    snprintf(msg, sizeof msg, "c outside the positive-definite range "
             "(-1/(m-1), 1) at P = %zu", P);
  else
    snprintf(msg, sizeof msg, "P = %zu: %.200s", P,
             kerr->message[0] ? kerr->message : deq_strerror(st));
  deq_error_clear(err);
  snprintf(err->message, sizeof err->message, "--corr: %.240s", msg);
}

/* Make w hold K (and the forecast) at P.  */
static deq_status corr_at(corr_ws *w, const double *x, const void *const *obj,
                          deq_error *err)
{
  if (w->P == x[C_P]) return DEQ_OK;
  deq_spectrum_free(w->K);
  deq_corr_forecast_free(w->f);
  w->K = NULL;
  w->f = NULL;
  w->P = NAN;
  const deq_corr_model *m = obj[C_CORR];
  size_t P = (size_t)x[C_P];
  deq_error kerr;
  deq_error_clear(&kerr);
  deq_status st = deq_corr_spectrum(&w->K, m, P, (deq_corr_method)x[C_KSPECTRUM],
                                    &kerr);
  if (st != DEQ_OK) {
    k_error(err, st, m, P, &kerr);
    return st;
  }
  if (x[C_HORIZON] > 0) {
    st = deq_corr_forecast_alloc(&w->f, m, P, (size_t)x[C_HORIZON]);
    if (st != DEQ_OK) {
      snprintf(err->message, sizeof err->message, "--horizon %zu at P = %zu: "
               "%s", (size_t)x[C_HORIZON], P, deq_strerror(st));
      return st;
    }
  }
  w->P = x[C_P];
  return DEQ_OK;
}

static deq_status corr_solve(void *point, void *ws, const double *x,
                             const void *const *obj, const void *warm,
                             deq_error *err)
{
  corr_point *pt = point;
  const corr_point *wp = warm;
  deq_corr_noise model = (deq_corr_noise)x[C_NOISE_MODEL];
  pt->E_forecast = NAN;
  deq_status st = corr_at(ws, x, obj, err);
  if (st != DEQ_OK) {
    pt->p.status = st;
    return st;
  }
  const corr_ws *w = ws;
  st = deq_corr_solve(&pt->p, obj[C_SPECTRUM], w->K, x[C_LAMBDA], x[C_NOISE],
                      model, wp ? &wp->p : NULL);
  pt->p.P = x[C_P];
  pt->p.lambda = x[C_LAMBDA];
  if (st == DEQ_OK && w->f && model == DEQ_CORR_NOISE_K)
    deq_corr_forecast_risk(&pt->E_forecast, w->f, &pt->p);
  return st;
}

/* The MPFR twin covers lambda > 0 (deq_mp_corr); K and the forecast are
   built as for the solve, and E_forecast is the forecast factor (a closed
   form in double precision) at the twin's kappa_K.  */
static deq_status corr_mp(void *point, const double *x, const void *const *obj,
                          long prec)
{
  corr_point *pt = point;
  if (!(x[C_LAMBDA] > 0)) return DEQ_EUNSUP;
  void *ws = NULL;
  deq_error err;
  deq_error_clear(&err);
  deq_status st = corr_ws_alloc(&ws, x, obj, &err);
  if (st == DEQ_OK) st = corr_at(ws, x, obj, &err);
  const corr_ws *w = ws;
  deq_corr_noise model = (deq_corr_noise)x[C_NOISE_MODEL];
  if (st == DEQ_OK)
    st = deq_mp_corr(&pt->p, obj[C_SPECTRUM], w->K, x[C_LAMBDA], x[C_NOISE],
                     model, prec);
  pt->p.P = x[C_P];
  pt->p.lambda = x[C_LAMBDA];
  pt->E_forecast = NAN;
  if (st == DEQ_OK && w->f && model == DEQ_CORR_NOISE_K)
    deq_corr_forecast_risk(&pt->E_forecast, w->f, &pt->p);
  corr_ws_free(ws);
  return st;
}

static void corr_row(double *row, const void *point)
{
  const corr_point *q = point;
  const deq_corr_point *p = &q->p;
  double r[C_NCOL] = {
    p->P, p->lambda, p->kappa, p->kappa_K, p->df1, p->gamma, p->bias,
    p->var_noise, p->E_g, p->E_test, p->E_tr, p->gcv, p->corrgcv,
    q->E_forecast, p->dkappa_dlambda };
  for (size_t j = 0; j < C_NCOL; j++) row[j] = r[j];
}

static const deq_mc_quantity corr_mc_q[] = {
  { "E_g", "E_g" }, { "E_tr", "E_tr" }, { "gcv", "gcv" },
  { "corrgcv", "corrgcv" }, { "df1", "df1" }, { "E_forecast", "E_forecast" }
};
static const char *const corr_mc_columns[] = {
  "P", "lambda", "kappa", "kappa_K", "df1", "E_g", "E_test", "E_tr", "gcv",
  "corrgcv", "E_forecast"
};

static deq_status corr_mc(deq_mc_estimate *est, void *ws, const double *x,
                          const void *const *obj, const double *shared,
                          size_t ns, const void *points, size_t trials,
                          uint64_t seed, int threads, deq_error *err)
{
  (void)ws;
  (void)points;
  (void)err;
  deq_mc_corr_row *rows = malloc(ns * sizeof *rows);
  if (!rows) return DEQ_ENOMEM;
  deq_status st = deq_mc_corr_run(rows, obj[C_SPECTRUM], obj[C_CORR],
                                  (size_t)x[C_P], (size_t)x[C_HORIZON], shared,
                                  ns, x[C_NOISE],
                                  (deq_corr_noise)x[C_NOISE_MODEL], trials,
                                  seed, threads);
  for (size_t j = 0; st == DEQ_OK && j < ns; j++) {
    deq_mc_estimate *e = est + 6 * j;
    e[0] = rows[j].E_g;
    e[1] = rows[j].E_tr;
    e[2] = rows[j].gcv;
    e[3] = rows[j].corrgcv;
    e[4] = rows[j].df1;
    e[5] = rows[j].E_forecast;
  }
  free(rows);
  return st;
}

const deq_model_type deq_model_corr = {
  .name = "corr",
  .summary = "ridge regression with correlated samples, E[x_mu x_nu'] = "
             "K_mu,nu Sigma: GCV, CorrGCV and forecasting",
  .reference = "Atanasov, Zavatone-Veth, Pehlevan, arXiv 2408.04607",
  .params = corr_params,
  .nparam = C_NPARAM,
  .columns = corr_columns,
  .ncolumn = C_NCOL,
  .point_size = sizeof(corr_point),
  .status_offset = offsetof(corr_point, p) + offsetof(deq_corr_point, status),
  .warm_axes = 1,
  .warm_chunk = DEQ_GRID_CHUNK,
  .validate = corr_validate,
  .ws_alloc = corr_ws_alloc,
  .ws_free = corr_ws_free,
  .solve = corr_solve,
  .row = corr_row,
  .plot_y = "E_test",
  .mp = corr_mp,
  .mc_quantities = corr_mc_q,
  .nmc = 6,
  .mc_columns = corr_mc_columns,
  .nmc_column = 11,
  .mc = corr_mc,
};
