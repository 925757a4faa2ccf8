/* python/src/freeprob.c -- the limiting spectrum of the sample
 * covariance (deq/freeprob.h): density and support.  */
#include "pydeq.h"

#include <stdlib.h>

static const deq_spectrum *spectrum_arg(PyObject *o)
{
  if (!pydeq_is_spectrum(o)) {
    PyErr_SetString(PyExc_TypeError, "want a deq.Spectrum");
    return NULL;
  }
  return ((pydeq_spectrum *)o)->sp;
}

/* sample_density(spectrum, P, x) -> (density bytes, statuses).  */
static PyObject *py_sample_density(PyObject *self, PyObject *args)
{
  (void)self;
  PyObject *so, *xo;
  double P;
  if (!PyArg_ParseTuple(args, "OdO", &so, &P, &xo)) return NULL;
  const deq_spectrum *sp = spectrum_arg(so);
  if (!sp) return NULL;
  if (!(P > 0)) return pydeq_raise_msg(DEQ_EDOM, "P: value %g must be > 0", P);
  Py_buffer x;
  if (pydeq_doubles(&x, xo, "x")) return NULL;
  size_t n = (size_t)(x.len / sizeof(double));
  deq_freeprob_point *pts = calloc(n ? n : 1, sizeof *pts);
  if (!pts) {
    PyBuffer_Release(&x);
    return PyErr_NoMemory();
  }
  deq_status st = DEQ_OK;
  Py_BEGIN_ALLOW_THREADS
  if (n) st = deq_freeprob_sample_density(pts, sp, P, x.buf, n);
  Py_END_ALLOW_THREADS
  PyBuffer_Release(&x);
  PyObject *out = NULL;
  if (st != DEQ_OK && st != DEQ_EDIVERGE) {
    pydeq_raise(st, NULL);
  } else {
    PyObject *d = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(n * sizeof(double)));
    PyObject *l = PyList_New((Py_ssize_t)n);
    if (d && l) {
      double *v = (double *)PyBytes_AS_STRING(d);
      for (size_t i = 0; i < n; i++) {
        v[i] = pts[i].density;
        PyList_SET_ITEM(l, (Py_ssize_t)i, PyLong_FromLong(pts[i].status));
      }
      out = Py_BuildValue("(NN)", d, l);
    } else {
      Py_XDECREF(d);
      Py_XDECREF(l);
    }
  }
  free(pts);
  return out;
}

/* sample_support(spectrum, P) -> (lo, hi, mass lists, atom0).  */
static PyObject *py_sample_support(PyObject *self, PyObject *args)
{
  (void)self;
  PyObject *so;
  double P;
  if (!PyArg_ParseTuple(args, "Od", &so, &P)) return NULL;
  const deq_spectrum *sp = spectrum_arg(so);
  if (!sp) return NULL;
  if (!(P > 0)) return pydeq_raise_msg(DEQ_EDOM, "P: value %g must be > 0", P);
  deq_freeprob_support *s = NULL;
  deq_status st;
  Py_BEGIN_ALLOW_THREADS
  st = deq_freeprob_sample_support(&s, sp, P);
  Py_END_ALLOW_THREADS
  if (st != DEQ_OK) {
    deq_freeprob_support_free(s);
    return pydeq_raise(st, NULL);
  }
  PyObject *lo = PyList_New((Py_ssize_t)s->n), *hi = PyList_New((Py_ssize_t)s->n);
  PyObject *mass = PyList_New((Py_ssize_t)s->n);
  for (size_t k = 0; lo && hi && mass && k < s->n; k++) {
    PyList_SET_ITEM(lo, (Py_ssize_t)k, PyFloat_FromDouble(s->lo[k]));
    PyList_SET_ITEM(hi, (Py_ssize_t)k, PyFloat_FromDouble(s->hi[k]));
    PyList_SET_ITEM(mass, (Py_ssize_t)k, PyFloat_FromDouble(s->mass[k]));
  }
  double atom0 = s->atom0;
  deq_freeprob_support_free(s);
  if (!lo || !hi || !mass) {
    Py_XDECREF(lo);
    Py_XDECREF(hi);
    Py_XDECREF(mass);
    return NULL;
  }
  return Py_BuildValue("(NNNd)", lo, hi, mass, atom0);
}

PyMethodDef pydeq_freeprob_methods[] = {
  { "sample_density", py_sample_density, METH_VARARGS,
    "sample_density(spectrum, P, x)" },
  { "sample_support", py_sample_support, METH_VARARGS,
    "sample_support(spectrum, P)" },
  { NULL, NULL, 0, NULL }
};
