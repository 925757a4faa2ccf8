/* python/src/estimate.c -- estimators on data (deq/estimate.h) and the
 * power-law fits (deq/fit.h).  */
#include "pydeq.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  PyObject_HEAD
  deq_estimate_plan *plan;
  size_t P, N;
} pydeq_plan;

static void plan_dealloc(PyObject *self)
{
  deq_estimate_plan_free(((pydeq_plan *)self)->plan);
  Py_TYPE(self)->tp_free(self);
}


/* estimate_plan(X, P, N, y, intercept, standardize): X column-major
   float64 P x N.  */
static PyObject *py_plan(PyObject *self, PyObject *args)
{
  (void)self;
  PyObject *Xo, *yo;
  Py_ssize_t P, N;
  int intercept, standardize;
  if (!PyArg_ParseTuple(args, "OnnOpp", &Xo, &P, &N, &yo, &intercept,
                        &standardize))
    return NULL;
  Py_buffer X, y;
  if (pydeq_doubles(&X, Xo, "X")) return NULL;
  if (pydeq_doubles(&y, yo, "y")) {
    PyBuffer_Release(&X);
    return NULL;
  }
  if (P < 0 || N < 0 || X.len != P * N * (Py_ssize_t)sizeof(double)
      || y.len != P * (Py_ssize_t)sizeof(double)) {
    PyBuffer_Release(&X);
    PyBuffer_Release(&y);
    return pydeq_raise_msg(DEQ_EINVAL, "X must be P x N and y of length P");
  }
  deq_estimate_opts opts = { intercept, standardize };
  deq_estimate_plan *plan = NULL;
  deq_error err;
  deq_error_clear(&err);
  deq_status st;
  Py_BEGIN_ALLOW_THREADS
  st = deq_estimate_plan_alloc(&plan, (size_t)P, (size_t)N, X.buf, y.buf,
                               &opts, &err);
  Py_END_ALLOW_THREADS
  PyBuffer_Release(&X);
  PyBuffer_Release(&y);
  if (st != DEQ_OK) {
    deq_estimate_plan_free(plan);
    if (err.message[0] && (err.line > 0 || err.column > 0)) {
      char where[64] = "";
      if (err.line > 0) snprintf(where, sizeof where, "row %ld: ", err.line - 1);
      else snprintf(where, sizeof where, "column %ld: ", err.column - 1);
      return pydeq_raise_msg(st, "%s%s", where, err.message);
    }
    return pydeq_raise(st, &err);
  }
  pydeq_plan *o = PyObject_New(pydeq_plan, &pydeq_plan_type);
  if (!o) {
    deq_estimate_plan_free(plan);
    return NULL;
  }
  o->plan = plan;
  o->P = (size_t)P;
  o->N = (size_t)N;
  return (PyObject *)o;
}

/* plan.execute(lambdas, K or None) -> (rows bytes [lambda, E_tr, df1,
   gcv, loo, corrgcv, kappa_K], statuses).  */
static PyObject *plan_execute(PyObject *self, PyObject *args)
{
  PyObject *lo, *Ko;
  if (!PyArg_ParseTuple(args, "OO", &lo, &Ko)) return NULL;
  const deq_spectrum *K = NULL;
  if (Ko != Py_None) {
    if (!pydeq_is_spectrum(Ko))
      return PyErr_Format(PyExc_TypeError, "K: want a deq.Spectrum");
    K = ((pydeq_spectrum *)Ko)->sp;
  }
  Py_buffer l;
  if (pydeq_doubles(&l, lo, "lambda")) return NULL;
  size_t n = (size_t)(l.len / sizeof(double));
  for (size_t i = 0; i < n; i++)
    if (!(((double *)l.buf)[i] >= 0) || isinf(((double *)l.buf)[i])) {
      double v = ((double *)l.buf)[i];
      PyBuffer_Release(&l);
      return pydeq_raise_msg(DEQ_EDOM, "lambda: value %g must be finite and "
                             ">= 0", v);
    }
  deq_estimate_point *pts = calloc(n ? n : 1, sizeof *pts);
  if (!pts) {
    PyBuffer_Release(&l);
    return PyErr_NoMemory();
  }
  deq_status st;
  Py_BEGIN_ALLOW_THREADS
  st = deq_estimate_execute(pts, ((pydeq_plan *)self)->plan, n, l.buf, K);
  Py_END_ALLOW_THREADS
  PyBuffer_Release(&l);
  if (st != DEQ_OK && st != DEQ_EDIVERGE) {
    free(pts);
    return pydeq_raise(st, NULL);
  }
  PyObject *rows = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(7 * n
                                                    * sizeof(double)));
  PyObject *stl = PyList_New((Py_ssize_t)n);
  if (!rows || !stl) {
    free(pts);
    Py_XDECREF(rows);
    Py_XDECREF(stl);
    return NULL;
  }
  double *v = (double *)PyBytes_AS_STRING(rows);
  for (size_t i = 0; i < n; i++) {
    const deq_estimate_point *p = &pts[i];
    double r[7] = { p->lambda, p->E_tr, p->df1, p->gcv, p->loo, p->corrgcv,
                    p->kappa_K };
    memcpy(v + 7 * i, r, sizeof r);
    PyList_SET_ITEM(stl, (Py_ssize_t)i, PyLong_FromLong(p->status));
  }
  free(pts);
  return Py_BuildValue("(NN)", rows, stl);
}

/* plan.predict(lambda, Xnew column-major M x N, M) -> bytes.  */
static PyObject *plan_predict(PyObject *self, PyObject *args)
{
  double lambda;
  PyObject *Xo;
  Py_ssize_t M;
  if (!PyArg_ParseTuple(args, "dOn", &lambda, &Xo, &M)) return NULL;
  pydeq_plan *p = (pydeq_plan *)self;
  Py_buffer X;
  if (pydeq_doubles(&X, Xo, "X")) return NULL;
  if (M < 0 || X.len != M * (Py_ssize_t)(p->N * sizeof(double))) {
    PyBuffer_Release(&X);
    return pydeq_raise_msg(DEQ_EINVAL, "X must have %zu columns", p->N);
  }
  PyObject *out = PyBytes_FromStringAndSize(NULL, M * (Py_ssize_t)sizeof(double));
  if (!out) {
    PyBuffer_Release(&X);
    return NULL;
  }
  deq_status st;
  Py_BEGIN_ALLOW_THREADS
  st = M ? deq_estimate_predict((double *)PyBytes_AS_STRING(out), p->plan,
                                lambda, (size_t)M, X.buf) : DEQ_OK;
  Py_END_ALLOW_THREADS
  PyBuffer_Release(&X);
  if (st != DEQ_OK) {
    Py_DECREF(out);
    return pydeq_raise(st, NULL);
  }
  return out;
}

static PyObject *plan_rank(PyObject *self, PyObject *args)
{
  (void)args;
  return PyLong_FromSize_t(deq_estimate_rank(((pydeq_plan *)self)->plan));
}

static PyObject *plan_ar1_rho(PyObject *self, PyObject *args)
{
  double lambda, rho;
  if (!PyArg_ParseTuple(args, "d", &lambda)) return NULL;
  deq_status st = deq_estimate_ar1_rho(&rho, ((pydeq_plan *)self)->plan, lambda);
  if (st != DEQ_OK) return pydeq_raise(st, NULL);
  return PyFloat_FromDouble(rho);
}

static PyMethodDef plan_methods[] = {
  { "execute", plan_execute, METH_VARARGS, "execute(lambdas, K)" },
  { "predict", plan_predict, METH_VARARGS, "predict(lambda, X, M)" },
  { "rank", plan_rank, METH_NOARGS, "numerical rank of the design" },
  { "ar1_rho", plan_ar1_rho, METH_VARARGS, "ar1_rho(lambda)" },
  { NULL, NULL, 0, NULL }
};

PyTypeObject pydeq_plan_type = {
  PyVarObject_HEAD_INIT(NULL, 0)
  .tp_name = "deq._deq.EstimatePlan",
  .tp_basicsize = sizeof(pydeq_plan),
  .tp_dealloc = plan_dealloc,
  .tp_flags = Py_TPFLAGS_DEFAULT,
  .tp_doc = "the SVD of a design, for GCV/LOO/CorrGCV (deq/estimate.h)",
  .tp_methods = plan_methods,
};

/* K spectra for CorrGCV: corr_K(kind, P, rho, values).  */
static PyObject *py_corr_K(PyObject *self, PyObject *args)
{
  (void)self;
  const char *kind;
  Py_ssize_t P;
  double rho;
  PyObject *vo;
  if (!PyArg_ParseTuple(args, "sndO", &kind, &P, &rho, &vo)) return NULL;
  if (P < 1) return pydeq_raise_msg(DEQ_EDOM, "P must be >= 1");
  deq_spectrum *K = NULL;
  deq_status st;
  if (strcmp(kind, "ar1") == 0) {
    st = deq_estimate_K_ar1(&K, (size_t)P, rho);
  } else {
    Py_buffer b;
    if (pydeq_doubles(&b, vo, kind)) return NULL;
    size_t n = (size_t)(b.len / sizeof(double));
    if (strcmp(kind, "acf") == 0) {
      st = deq_estimate_K_acf(&K, (size_t)P, b.buf, n);
    } else if (n == (size_t)P * (size_t)P) {
      st = deq_estimate_K_matrix(&K, (size_t)P, b.buf);
    } else {
      PyBuffer_Release(&b);
      return pydeq_raise_msg(DEQ_EINVAL, "K must be P x P");
    }
    PyBuffer_Release(&b);
  }
  if (st != DEQ_OK) {
    deq_spectrum_free(K);
    return pydeq_raise(st, NULL);
  }
  return pydeq_spectrum_wrap(K);
}

/* fit_powerlaw(x, y, se or None, xlo, xhi, floor) -> dict.  */
static PyObject *py_fit_powerlaw(PyObject *self, PyObject *args)
{
  (void)self;
  PyObject *xo, *yo, *so;
  double xlo, xhi;
  int with_floor;
  if (!PyArg_ParseTuple(args, "OOOddp", &xo, &yo, &so, &xlo, &xhi,
                        &with_floor))
    return NULL;
  Py_buffer x, y, s;
  int have_s = 0;
  if (pydeq_doubles(&x, xo, "x")) return NULL;
  if (pydeq_doubles(&y, yo, "y")) {
    PyBuffer_Release(&x);
    return NULL;
  }
  if (so != Py_None) {
    if (pydeq_doubles(&s, so, "se")) {
      PyBuffer_Release(&x);
      PyBuffer_Release(&y);
      return NULL;
    }
    have_s = 1;
  }
  size_t n = (size_t)(x.len / sizeof(double));
  deq_status st = DEQ_OK;
  if ((size_t)(y.len / sizeof(double)) != n
      || (have_s && (size_t)(s.len / sizeof(double)) != n))
    st = DEQ_EINVAL;
  deq_fit f;
  memset(&f, 0, sizeof f);
  if (st == DEQ_OK)
    st = with_floor
      ? deq_fit_powerlaw_floor(&f, n, x.buf, y.buf, have_s ? s.buf : NULL,
                               xlo, xhi)
      : deq_fit_powerlaw(&f, n, x.buf, y.buf, have_s ? s.buf : NULL, xlo, xhi);
  PyBuffer_Release(&x);
  PyBuffer_Release(&y);
  if (have_s) PyBuffer_Release(&s);
  if (st == DEQ_EINVAL)
    return pydeq_raise_msg(st, "x, y (and se) must have the same length, "
                           "with enough points in the window (3; 4 with a "
                           "floor)");
  if (st != DEQ_OK) return pydeq_raise(st, NULL);
  return Py_BuildValue("{s:d,s:d,s:d,s:d,s:d,s:d,s:d,s:d,s:d,s:d,s:n,s:O,"
                       "s:d,s:d}",
                       "exponent", f.b, "exponent_se", f.b_se,
                       "amplitude", f.c, "amplitude_se", f.c_se,
                       "floor", f.floor, "floor_se", f.floor_se,
                       "chi2_dof", f.chi2_dof, "birge", f.birge,
                       "x_lo", f.x_lo, "x_hi", f.x_hi, "n", (Py_ssize_t)f.n,
                       "weighted", f.weighted ? Py_True : Py_False,
                       "dof", f.dof, "exponent_ci95", f.b_ci95);
}

PyMethodDef pydeq_estimate_methods[] = {
  { "estimate_plan", py_plan, METH_VARARGS,
    "estimate_plan(X, P, N, y, intercept, standardize)" },
  { "corr_K", py_corr_K, METH_VARARGS, "corr_K(kind, P, rho, values)" },
  { "fit_powerlaw", py_fit_powerlaw, METH_VARARGS,
    "fit_powerlaw(x, y, se, xlo, xhi, floor)" },
  { NULL, NULL, 0, NULL }
};
