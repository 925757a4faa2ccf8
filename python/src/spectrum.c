/* python/src/spectrum.c -- deq_spectrum and deq_corr_model as Python
 * objects, and their constructors.  */
#include "pydeq.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ Spectrum */

static void spectrum_dealloc(PyObject *self)
{
  deq_spectrum_free(((pydeq_spectrum *)self)->sp);
  Py_TYPE(self)->tp_free(self);
}

PyObject *pydeq_spectrum_wrap(deq_spectrum *sp)
{
  pydeq_spectrum *o = PyObject_New(pydeq_spectrum, &pydeq_spectrum_type);
  if (!o) {
    deq_spectrum_free(sp);
    return NULL;
  }
  o->sp = sp;
  return (PyObject *)o;
}

int pydeq_is_spectrum(PyObject *o)
{
  return PyObject_TypeCheck(o, &pydeq_spectrum_type);
}

static PyObject *bytes_of(const double *v, size_t n)
{
  return PyBytes_FromStringAndSize((const char *)v,
                                   (Py_ssize_t)(n * sizeof *v));
}

/* (s, m, v) as bytes of float64.  */
static PyObject *spectrum_arrays(PyObject *self, PyObject *args)
{
  (void)args;
  const deq_spectrum *sp = ((pydeq_spectrum *)self)->sp;
  return Py_BuildValue("(NNN)", bytes_of(sp->s, sp->n), bytes_of(sp->m, sp->n),
                       bytes_of(sp->v, sp->n));
}

/* A copy with new target powers: "iso" with norm = |wbar|^2, or per-atom
   values.  */
static PyObject *spectrum_with_target(PyObject *self, PyObject *args)
{
  PyObject *values = NULL;
  double norm = NAN;
  if (!PyArg_ParseTuple(args, "|dO", &norm, &values)) return NULL;
  deq_spectrum *sp = NULL;
  deq_status st = deq_spectrum_copy(&sp, ((pydeq_spectrum *)self)->sp);
  deq_error err;
  deq_error_clear(&err);
  if (st == DEQ_OK && values && values != Py_None) {
    Py_buffer b;
    if (pydeq_doubles(&b, values, "target powers")) {
      deq_spectrum_free(sp);
      return NULL;
    }
    st = deq_spectrum_target_values(sp, (size_t)(b.len / sizeof(double)),
                                    b.buf, &err);
    PyBuffer_Release(&b);
  } else if (st == DEQ_OK) {
    st = deq_spectrum_target_iso(sp, norm);
  }
  if (st != DEQ_OK) {
    deq_spectrum_free(sp);
    return pydeq_raise(st, &err);
  }
  return pydeq_spectrum_wrap(sp);
}

#define GETTER(name, expr)                                          \
  static PyObject *get_##name(PyObject *self, void *closure)        \
  {                                                                 \
    (void)closure;                                                  \
    const deq_spectrum *sp = ((pydeq_spectrum *)self)->sp;          \
    return expr;                                                    \
  }
GETTER(n, PyLong_FromSize_t(sp->n))
GETTER(dim, PyFloat_FromDouble(sp->dim))
GETTER(rank, PyFloat_FromDouble(sp->rank))
GETTER(trace, PyFloat_FromDouble(sp->trace))
GETTER(signal, PyFloat_FromDouble(sp->signal))
GETTER(exact, PyBool_FromLong(sp->exact))
GETTER(rule_atoms, deq_spectrum_rule_get(sp)
                   ? PyLong_FromSize_t(deq_spectrum_rule_get(sp)->n)
                   : PyLong_FromSize_t(sp->n))

static PyGetSetDef spectrum_getset[] = {
  { "n", get_n, NULL, "number of atoms", NULL },
  { "dim", get_dim, NULL, "N = sum of multiplicities (inf for an infinite "
    "power law)", NULL },
  { "rank", get_rank, NULL, "sum of multiplicities of positive eigenvalues",
    NULL },
  { "trace", get_trace, NULL, "tr Sigma", NULL },
  { "signal", get_signal, NULL, "sum of target powers E[(wbar.x)^2]", NULL },
  { "exact", get_exact, NULL, "every atom a true eigenvalue with integer "
    "multiplicity (Monte Carlo can sample it)", NULL },
  { "rule_atoms", get_rule_atoms, NULL, "atoms the solvers' sums run over "
    "(the compressed rule's, or n)", NULL },
  { NULL, NULL, NULL, NULL, NULL }
};

/* A copy summed over every atom (no compressed rule).  */
static PyObject *spectrum_exact_sums(PyObject *self, PyObject *noargs)
{
  (void)noargs;
  deq_spectrum *sp = NULL;
  deq_status st = deq_spectrum_copy(&sp, ((pydeq_spectrum *)self)->sp);
  if (st == DEQ_OK) st = deq_spectrum_set_exact_sums(sp, 1);
  if (st != DEQ_OK) {
    deq_spectrum_free(sp);
    return pydeq_raise(st, NULL);
  }
  return pydeq_spectrum_wrap(sp);
}

static PyMethodDef spectrum_object_methods[] = {
  { "arrays", spectrum_arrays, METH_NOARGS, "(s, m, v) as float64 bytes" },
  { "exact_sums", spectrum_exact_sums, METH_NOARGS,
    "a copy whose sums run over every atom (no compressed rule)" },
  { "with_target", spectrum_with_target, METH_VARARGS,
    "with_target(norm=nan, values=None): a copy with new target powers" },
  { NULL, NULL, 0, NULL }
};

PyTypeObject pydeq_spectrum_type = {
  PyVarObject_HEAD_INIT(NULL, 0)
  .tp_name = "deq._deq.Spectrum",
  .tp_basicsize = sizeof(pydeq_spectrum),
  .tp_dealloc = spectrum_dealloc,
  .tp_flags = Py_TPFLAGS_DEFAULT,
  .tp_doc = "a libdeq spectrum (atoms: eigenvalue, multiplicity, target "
            "power); build it with the deq.Spectrum constructors",
  .tp_methods = spectrum_object_methods,
  .tp_getset = spectrum_getset,
};

static PyObject *finish(deq_status st, deq_spectrum *sp, const deq_error *err)
{
  if (st != DEQ_OK) {
    deq_spectrum_free(sp);
    return pydeq_raise(st, err);
  }
  return pydeq_spectrum_wrap(sp);
}

static PyObject *py_powerlaw(PyObject *self, PyObject *args)
{
  (void)self;
  deq_powerlaw p;
  deq_powerlaw_init(&p);
  if (!PyArg_ParseTuple(args, "ddddddd", &p.alpha, &p.n, &p.r, &p.amp,
                        &p.scale, &p.head, &p.exact_max))
    return NULL;
  deq_spectrum *sp = NULL;
  deq_status st;
  Py_BEGIN_ALLOW_THREADS
  st = deq_spectrum_powerlaw(&sp, &p);
  Py_END_ALLOW_THREADS
  if (st == DEQ_EDOM || st == DEQ_EINVAL)
    return pydeq_raise_msg(st, "powerlaw: need alpha > 0 (> 1 for n = inf), "
                           "n an integer >= 1 or inf, scale > 0, amp >= 0 "
                           "and r > 0 when amp > 0");
  return finish(st, sp, NULL);
}

static PyObject *py_loguniform(PyObject *self, PyObject *args)
{
  (void)self;
  double n, lo, hi;
  if (!PyArg_ParseTuple(args, "ddd", &n, &lo, &hi)) return NULL;
  if (!(n >= 1) || n != floor(n) || n > 1e9)
    return pydeq_raise_msg(DEQ_EDOM, "loguniform: n must be an integer in "
                           "[1, 1e9]");
  if (!(lo > 0) || !(hi >= lo) || isinf(hi))
    return pydeq_raise_msg(DEQ_EDOM, "loguniform: need 0 < lo <= hi < inf");
  deq_spectrum *sp = NULL;
  deq_status st = deq_spectrum_loguniform(&sp, (size_t)n, lo, hi);
  return finish(st, sp, NULL);
}

static PyObject *py_iso(PyObject *self, PyObject *args)
{
  (void)self;
  double n, scale;
  if (!PyArg_ParseTuple(args, "dd", &n, &scale)) return NULL;
  deq_spectrum *sp = NULL;
  deq_status st = deq_spectrum_iso(&sp, n, scale);
  if (st == DEQ_EDOM || st == DEQ_EINVAL)
    return pydeq_raise_msg(st, "iso: need n an integer >= 1 and scale > 0");
  return finish(st, sp, NULL);
}

static PyObject *py_from_arrays(PyObject *self, PyObject *args)
{
  (void)self;
  PyObject *so, *mo, *vo;
  if (!PyArg_ParseTuple(args, "OOO", &so, &mo, &vo)) return NULL;
  Py_buffer b[3];
  PyObject *in[3] = { so, mo, vo };
  static const char *const what[3] = { "eigenvalues", "multiplicities",
                                       "target powers" };
  int have[3] = { 0, 0, 0 };
  size_t n = 0;
  for (int k = 0; k < 3; k++) {
    if (in[k] == Py_None) continue;
    if (pydeq_doubles(&b[k], in[k], what[k])) goto fail;
    have[k] = 1;
    size_t nk = (size_t)(b[k].len / sizeof(double));
    if (k == 0) n = nk;
    else if (nk != n) {
      pydeq_raise_msg(DEQ_EINVAL, "%s: %zu values for %zu eigenvalues",
                      what[k], nk, n);
      goto fail;
    }
  }
  if (n == 0) {
    pydeq_raise_msg(DEQ_EINVAL, "a spectrum needs at least one eigenvalue");
    goto fail;
  }
  deq_spectrum *sp = NULL;
  deq_error err;
  deq_error_clear(&err);
  deq_status st = deq_spectrum_from_arrays(&sp, n, b[0].buf,
                                           have[1] ? b[1].buf : NULL,
                                           have[2] ? b[2].buf : NULL, &err);
  for (int k = 0; k < 3; k++)
    if (have[k]) PyBuffer_Release(&b[k]);
  if (st != DEQ_OK && err.line > 0) {
    static const char *const field[4] = { "", "eigenvalue", "target power",
                                          "multiplicity" };
    long c = err.column >= 1 && err.column <= 3 ? err.column : 0;
    deq_spectrum_free(sp);
    return pydeq_raise_msg(st, "atom %ld (%s): %s", err.line - 1, field[c],
                           err.message[0] ? err.message : deq_strerror(st));
  }
  return finish(st, sp, &err);
fail:
  for (int k = 0; k < 3; k++)
    if (have[k]) PyBuffer_Release(&b[k]);
  return NULL;
}

static PyObject *py_read(PyObject *self, PyObject *args)
{
  (void)self;
  PyObject *path;
  if (!PyArg_ParseTuple(args, "O&", PyUnicode_FSConverter, &path)) return NULL;
  deq_spectrum *sp = NULL;
  deq_error err;
  deq_error_clear(&err);
  deq_status st = deq_spectrum_read_file(&sp, PyBytes_AS_STRING(path), &err);
  if (st != DEQ_OK) {
    PyObject *r = err.line > 0
      ? pydeq_raise_msg(st, "%s:%ld:%ld: %s", PyBytes_AS_STRING(path),
                        err.line, err.column,
                        err.message[0] ? err.message : deq_strerror(st))
      : pydeq_raise_msg(st, "%s: %s", PyBytes_AS_STRING(path),
                        err.message[0] ? err.message : deq_strerror(st));
    Py_DECREF(path);
    deq_spectrum_free(sp);
    return r;
  }
  Py_DECREF(path);
  return pydeq_spectrum_wrap(sp);
}

/* ------------------------------------------------------------ Corr */

static void corr_dealloc(PyObject *self)
{
  free(((pydeq_corr *)self)->owned);
  Py_TYPE(self)->tp_free(self);
}

PyTypeObject pydeq_corr_type = {
  PyVarObject_HEAD_INIT(NULL, 0)
  .tp_name = "deq._deq.Corr",
  .tp_basicsize = sizeof(pydeq_corr),
  .tp_dealloc = corr_dealloc,
  .tp_flags = Py_TPFLAGS_DEFAULT,
  .tp_doc = "a libdeq sample-correlation model K; build it with deq.Corr",
};

/* corr_model(kind, rho, m, c, values): kind "ar1", "blocks", "equi",
   "acf" (values = acf with acf[0] = 1) or "matrix" (values = K, square,
   column-major).  */
static PyObject *py_corr_model(PyObject *self, PyObject *args)
{
  (void)self;
  const char *kind;
  double rho, c;
  Py_ssize_t m;
  PyObject *values;
  if (!PyArg_ParseTuple(args, "sdndO", &kind, &rho, &m, &c, &values))
    return NULL;
  pydeq_corr *o = PyObject_New(pydeq_corr, &pydeq_corr_type);
  if (!o) return NULL;
  o->owned = NULL;
  memset(&o->model, 0, sizeof o->model);
  deq_corr_model *k = &o->model;
  const char *bad = NULL;
  if (strcmp(kind, "ar1") == 0) {
    k->kind = DEQ_CORR_AR1;
    k->rho = rho;
    if (!(fabs(rho) < 1)) bad = "ar1: need -1 < rho < 1";
  } else if (strcmp(kind, "blocks") == 0 || strcmp(kind, "equi") == 0) {
    k->kind = kind[0] == 'b' ? DEQ_CORR_BLOCKS : DEQ_CORR_EQUI;
    k->c = c;
    k->m = m > 0 ? (size_t)m : 0;
    if (k->kind == DEQ_CORR_BLOCKS && m < 1) bad = "blocks: need m >= 1";
    else if (!(c > -1 && c < 1)) bad = "need -1 < c < 1";
  } else if (strcmp(kind, "acf") == 0 || strcmp(kind, "matrix") == 0) {
    Py_buffer b;
    if (pydeq_doubles(&b, values, kind)) {
      Py_DECREF(o);
      return NULL;
    }
    size_t n = (size_t)(b.len / sizeof(double));
    o->owned = malloc((n ? n : 1) * sizeof(double));
    if (o->owned) memcpy(o->owned, b.buf, n * sizeof(double));
    PyBuffer_Release(&b);
    if (!o->owned) {
      Py_DECREF(o);
      return PyErr_NoMemory();
    }
    if (kind[0] == 'a') {
      k->kind = DEQ_CORR_ACF;
      k->acf = o->owned;
      k->nacf = n;
      if (n == 0 || o->owned[0] != 1) bad = "acf: need acf[0] = 1";
    } else {
      k->kind = DEQ_CORR_MATRIX;
      size_t s = (size_t)llround(sqrt((double)n));
      k->K = o->owned;
      k->size = s;
      if (s == 0 || s * s != n) bad = "matrix: K must be square";
    }
  } else {
    bad = "unknown correlation kind (want ar1, blocks, equi, acf, matrix)";
  }
  if (bad) {
    Py_DECREF(o);
    return pydeq_raise_msg(DEQ_EDOM, "%s", bad);
  }
  return (PyObject *)o;
}

PyMethodDef pydeq_spectrum_methods[] = {
  { "spectrum_powerlaw", py_powerlaw, METH_VARARGS,
    "spectrum_powerlaw(alpha, n, r, amp, scale, head, exact_max)" },
  { "spectrum_loguniform", py_loguniform, METH_VARARGS,
    "spectrum_loguniform(n, lo, hi)" },
  { "spectrum_iso", py_iso, METH_VARARGS, "spectrum_iso(n, scale)" },
  { "spectrum_from_arrays", py_from_arrays, METH_VARARGS,
    "spectrum_from_arrays(s, m or None, v or None)" },
  { "spectrum_read", py_read, METH_VARARGS, "spectrum_read(path)" },
  { "corr_model", py_corr_model, METH_VARARGS,
    "corr_model(kind, rho, m, c, values)" },
  { NULL, NULL, 0, NULL }
};
