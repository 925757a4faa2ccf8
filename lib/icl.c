/* lib/icl.c -- the deterministic equivalent of linear-attention ICL
 * (deq/icl.h; spec icl_cot.md sections 1.3, 1.4 and 2).
 *
 * Two scalar unknowns, nested: the pool's resolvent parameter a(nu)
 * (Rbar = (a C_tr + nu)^-1, a concave increasing equation in a, Newton
 * from a = 1), and the pretraining shift xi (a monotone equation, Brent
 * inside a doubling bracket).  Everything else is closed form.  */
#include <config.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "deq/icl.h"
#include "deq/solve.h"

/* ------------------------------------------------------------ tasks */

void deq_icl_tasks_free(deq_icl_tasks *tk)
{
  if (!tk) return;
  free(tk->c);
  free(tk->t);
  free(tk->w);
  free(tk);
}

static deq_status tasks_fail(deq_error *err, deq_status st, const char *msg)
{
  if (err) snprintf(err->message, sizeof err->message, "%s", msg);
  return st;
}

static deq_icl_tasks *tasks_new(size_t n)
{
  deq_icl_tasks *tk = calloc(1, sizeof *tk);
  if (!tk) return NULL;
  tk->c = calloc(n, sizeof *tk->c);
  tk->t = calloc(n, sizeof *tk->t);
  tk->w = calloc(n, sizeof *tk->w);
  if (!tk->c || !tk->t || !tk->w) {
    deq_icl_tasks_free(tk);
    return NULL;
  }
  return tk;
}

/* Walk both atom lists by cumulative multiplicity: every overlap of a
   train atom with a test atom is one joint atom.  */
static size_t merge_atoms(deq_icl_tasks *tk, const deq_spectrum *tr,
                          const deq_spectrum *te)
{
  size_t i = 0, j = 0, n = 0;
  double ri = tr->m[0], rj = te->m[0], eps = 1e-12 * tr->dim;
  while (i < tr->n && j < te->n) {
    double m = ri < rj ? ri : rj;
    if (m > eps) {
      tk->c[n] = tr->s[i];
      tk->t[n] = te->s[j];
      tk->w[n] = m / tr->dim;
      n++;
    }
    ri -= m;
    rj -= m;
    if (ri <= eps && ++i < tr->n) ri = tr->m[i];
    if (rj <= eps && ++j < te->n) rj = te->m[j];
  }
  return n;
}

static void tasks_totals(deq_icl_tasks *tk)
{
  double sc = 0, st = 0, sw = 0;
  for (size_t i = 0; i < tk->n; i++) {
    sc += tk->w[i] * tk->c[i];
    st += tk->w[i] * tk->t[i];
    sw += tk->w[i];
  }
  for (size_t i = 0; i < tk->n; i++) tk->w[i] /= sw;  /* exactly 1 in all */
  tk->mean_c = sc / sw;
  tk->mean_t = st / sw;
}

deq_status deq_icl_tasks_alloc(deq_icl_tasks **out, const deq_spectrum *train,
                               const deq_spectrum *test, deq_error *err)
{
  if (!out) return DEQ_EINVAL;
  *out = NULL;
  if ((train && !isfinite(train->dim)) || (test && !isfinite(test->dim)))
    return tasks_fail(err, DEQ_EDOM, "a task spectrum needs a finite "
                      "dimension d (no n=inf power law)");
  if (train && test && fabs(train->dim - test->dim) > 1e-9 * train->dim) {
    char msg[160];
    snprintf(msg, sizeof msg, "incompatible task spectra: the pretraining "
             "spectrum has dimension %g, the test spectrum %g", train->dim,
             test->dim);
    return tasks_fail(err, DEQ_EDOM, msg);
  }
  const deq_spectrum *tr = train ? train : test;
  const deq_spectrum *te = test ? test : train;
  size_t cap = tr ? tr->n + te->n : 1;
  deq_icl_tasks *tk = tasks_new(cap);
  if (!tk) return DEQ_ENOMEM;
  if (!tr) {                                  /* isotropic */
    tk->n = 1;
    tk->c[0] = tk->t[0] = tk->w[0] = 1;
    tk->dim = INFINITY;
  } else if (train && test) {
    tk->n = merge_atoms(tk, tr, te);
    tk->dim = tr->dim;
  } else {
    tk->n = tr->n;
    for (size_t i = 0; i < tr->n; i++) {
      tk->c[i] = tk->t[i] = tr->s[i];
      tk->w[i] = tr->m[i] / tr->dim;
    }
    tk->dim = tr->dim;
  }
  if (!train && test)   /* only a test spectrum: C_tr = I */
    for (size_t i = 0; i < tk->n; i++) tk->c[i] = 1;
  tasks_totals(tk);
  *out = tk;
  return DEQ_OK;
}

/* ------------------------------------------------------------ resolvent */

/* The pool's resolvent at nu: a, a', M, M' (spec 1.3 step 2).  */
typedef struct icl_res {
  double a, da, M, dM;
} icl_res;

typedef struct a_ctx {
  const deq_icl_tasks *tk;
  double kappa, nu;
} a_ctx;

/* f(a) = a - 1 + (1/kappa) mean(a c/(a c + nu)): increasing, concave.  */
static deq_status a_fdf(double a, void *p, double *f, double *df)
{
  const a_ctx *c = p;
  double s = 0, ds = 0;
  for (size_t i = 0; i < c->tk->n; i++) {
    double ci = c->tk->c[i], den = a * ci + c->nu;
    s += c->tk->w[i] * a * ci / den;
    ds += c->tk->w[i] * ci * c->nu / (den * den);
  }
  *f = a - 1 + s / c->kappa;
  *df = 1 + ds / c->kappa;
  return DEQ_OK;
}

static deq_status resolvent(icl_res *r, const deq_icl_tasks *tk, double kappa,
                            double nu)
{
  double a = 1;
  if (isfinite(kappa)) {
    a_ctx c = { tk, kappa, nu };
    deq_root root;
    deq_status st = deq_solve_newton_dir(&root, a_fdf, &c, 0, 1, 1, 1,
                                         4 * DBL_EPSILON, 0, 200);
    if (st != DEQ_OK) return st;
    a = root.x;
  }
  double M = 0, num = 0, den = 0;
  for (size_t i = 0; i < tk->n; i++) {
    double ci = tk->c[i], q = a * ci + nu, w = tk->w[i];
    M += w / q;
    num += w * a * ci / (q * q);
    den += w * ci * nu / (q * q);
  }
  double da = isfinite(kappa) ? (num / kappa) / (1 + den / kappa) : 0;
  double dM = 0;
  for (size_t i = 0; i < tk->n; i++) {
    double q = a * tk->c[i] + nu;
    dM -= tk->w[i] * (da * tk->c[i] + 1) / (q * q);
  }
  *r = (icl_res){ a, da, M, dM };
  return DEQ_OK;
}

/* ------------------------------------------------------------ xi */

typedef struct xi_ctx {
  const deq_icl_tasks *tk;
  double kappa, tau, lambda, x;
  int evals;
  deq_status st;
} xi_ctx;

/* lambda > 0: 1 - tau + tau lambda/xi - xi M(x + xi) (decreasing);
   lambda = 0: xi M(x + xi) - (1 - tau) (increasing).  */
static double xi_f(double xi, void *p)
{
  xi_ctx *c = p;
  icl_res r;
  deq_status st = resolvent(&r, c->tk, c->kappa, c->x + xi);
  c->evals++;
  if (st != DEQ_OK) {
    c->st = st;
    return NAN;
  }
  if (c->lambda > 0)
    return 1 - c->tau + c->tau * c->lambda / xi - xi * r.M;
  return xi * r.M - (1 - c->tau);
}

static deq_status solve_xi(double *xi, xi_ctx *c)
{
  double sign = c->lambda > 0 ? 1 : -1;   /* sign of f at small xi */
  double lo = 1, hi = 1;
  int k = 0;
  if (c->lambda > 0)
    while (xi_f(lo, c) <= 0 && k++ < 2100) lo /= 2;
  else
    lo = 0;
  if (c->st != DEQ_OK) return c->st;
  if (!(lo > 0) && c->lambda > 0) return DEQ_ENOCONV;
  for (k = 0; sign * xi_f(hi, c) > 0 && k < 2100; k++) hi *= 2;
  if (c->st != DEQ_OK) return c->st;
  if (k >= 2100 || !isfinite(hi)) return DEQ_ENOCONV;
  deq_root root;
  deq_status st = deq_solve_brent(&root, xi_f, c, lo, hi, 2 * DBL_EPSILON,
                                  0, 500);
  if (c->st != DEQ_OK) return c->st;
  *xi = root.x;
  return st;
}

/* ------------------------------------------------------------ solve */

static void point_init(deq_icl_point *o, double alpha, double kappa,
                       double tau, double noise, double lambda)
{
  *o = (deq_icl_point){ alpha, kappa, tau, noise, lambda, NAN, NAN, NAN, NAN,
                        NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, 0, DEQ_OK };
}

static int bad_domain(double alpha, double kappa, double tau, double noise,
                      double lambda)
{
  return !(alpha > 0 && isfinite(alpha) && kappa > 0 && tau > 0
           && isfinite(tau) && noise >= 0 && isfinite(noise) && lambda >= 0
           && isfinite(lambda) && !isnan(kappa));
}

/* Steps 4-6 of spec 1.3 from the solved a, xi.  */
static void point_fill(deq_icl_point *o, const deq_icl_tasks *tk,
                       const icl_res *r, double xi, double x)
{
  double nu = x + xi, rho = o->noise, M = r->M, dM = r->dM;
  double D = rho + nu - nu * nu * M - xi * (1 - 2 * nu * M - nu * nu * dM);
  double den = 1 - 2 * xi * M - xi * xi * dM - o->tau;
  double g = -D / den;
  double r1 = 0, r2 = 0;
  for (size_t i = 0; i < tk->n; i++) {
    double q = r->a * tk->c[i] + nu;
    r1 += tk->w[i] * tk->t[i] / q;
    r2 += tk->w[i] * tk->t[i] * (r->da * tk->c[i] + 1) / (q * q);
  }
  double core = 1 - 2 * nu * M - nu * nu * dM + g * (M + xi * dM);
  double pre_icl = rho + (tk->mean_t + rho) / o->alpha * core;
  double pre_idg = rho + (tk->mean_c + rho) / o->alpha * core;
  o->a = r->a;
  o->da = r->da;
  o->M = M;
  o->dM = dM;
  o->nu = nu;
  o->xi = xi;
  o->g = g;
  o->alignment = r1;
  o->e_pretrain = pre_icl;
  o->e_align = g * r1 + (nu * nu - g * xi) * r2;
  o->e_icl = o->e_pretrain + o->e_align;
  o->e_idg = pre_idg + g * (1 - nu * M) + (nu * nu - g * xi) * (M + nu * dM);
}

deq_status deq_icl_solve(deq_icl_point *out, const deq_icl_tasks *tk,
                         double alpha, double kappa, double tau, double noise,
                         double lambda)
{
  if (!out) return DEQ_EINVAL;
  point_init(out, alpha, kappa, tau, noise, lambda);
  if (bad_domain(alpha, kappa, tau, noise, lambda))
    return out->status = DEQ_EDOM;
  deq_icl_tasks iso = { 1, (double[]){ 1 }, (double[]){ 1 }, (double[]){ 1 },
                        INFINITY, 1, 1 };
  if (!tk) tk = &iso;
  if (lambda == 0 && tau == 1) {
    out->e_icl = out->e_idg = INFINITY;
    return out->status = DEQ_EDIVERGE;
  }
  double x = (tk->mean_c + noise) / alpha, xi = 0;
  xi_ctx c = { tk, kappa, tau, lambda, x, 0, DEQ_OK };
  deq_status st = DEQ_OK;
  if (lambda > 0 || tau < 1) st = solve_xi(&xi, &c);
  icl_res r;
  if (st == DEQ_OK) st = resolvent(&r, tk, kappa, x + xi);
  out->iterations = c.evals + 1;
  if (st != DEQ_OK) return out->status = st;
  point_fill(out, tk, &r, xi, x);
  if (!isfinite(out->e_icl) || !isfinite(out->e_idg))
    return out->status = DEQ_ENOCONV;
  return out->status = DEQ_OK;
}

/* ------------------------------------------------------------ Result 1 */

/* Isotropic M_kappa(nu) in the cancellation-free form (spec 1.3).  */
static double m_iso(double kappa, double nu)
{
  if (!isfinite(kappa)) return 1 / (1 + nu);
  double b = nu + 1 - 1 / kappa;
  return 2 / (b + sqrt(b * b + 4 * nu / kappa));
}

deq_status deq_icl_closed_form(double *e_icl, double *e_idg, double alpha,
                               double kappa, double tau, double noise)
{
  if (e_icl) *e_icl = NAN;
  if (e_idg) *e_idg = NAN;
  if (bad_domain(alpha, kappa, tau, noise, 0)) return DEQ_EDOM;
  if (tau == 1) {
    if (e_icl) *e_icl = INFINITY;
    if (e_idg) *e_idg = INFINITY;
    return DEQ_EDIVERGE;
  }
  double rho = noise, x = (1 + rho) / alpha, m = m_iso(kappa, x);
  double mu = x * m_iso(kappa / tau, x), icl, idg;
  if (tau < 1) {
    icl = tau * (1 + x) / (1 - tau)
            * (1 - tau * (1 - mu) * (1 - mu) - (x - rho) / x * mu)
          - 2 * tau * (1 - mu) + rho + 1;
    double eps = (1 - tau) * x / (tau * mu);
    double q = 1 + kappa * eps / (1 - tau);
    double c = isfinite(kappa) ? 1 / (1 - kappa / (q * q)) : 1;
    idg = tau * ((x + eps) * (x + eps) / eps
                 + (rho + x - 2 * x * (1 - tau) * (x / eps + 1))
                   / (1 - tau - c * (1 - tau) * (1 - tau)));
  } else {
    double u = m / (kappa + m);
    double ks = isfinite(kappa) ? 1 / (1 - kappa * u * u) : 1;
    double xm = x * m;
    icl = (ks - 1 / (tau - 1)) * (1 + x) * xm * xm
          + (3 - 2 * tau) / (tau - 1) * m * x * x
          + ((1 + rho) * m / (tau - 1) + 1) * x + rho * m / (tau - 1) + rho;
    idg = tau * (rho + x * (1 - xm)) / (tau - 1);
  }
  if (e_icl) *e_icl = icl;
  if (e_idg) *e_idg = idg;
  return DEQ_OK;
}
