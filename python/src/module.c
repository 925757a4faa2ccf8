/* python/src/module.c -- module init and the status -> exception map.  */
#include "pydeq.h"

#include <stdarg.h>

static PyObject *Error, *InputError, *NumericalError, *DivergenceError,
                *UnsupportedError;

static PyObject *exception_of(deq_status st)
{
  switch (st) {
  case DEQ_EINVAL: case DEQ_EDOM: case DEQ_EPARSE: case DEQ_EIO:
    return InputError;
  case DEQ_ENOCONV: case DEQ_ELAPACK: return NumericalError;
  case DEQ_EDIVERGE: return DivergenceError;
  case DEQ_EUNSUP: return UnsupportedError;
  case DEQ_ENOMEM: return PyExc_MemoryError;
  case DEQ_OK: break;
  }
  return Error;
}

PyObject *pydeq_raise(deq_status st, const deq_error *err)
{
  const char *msg = err && err->message[0] ? err->message : deq_strerror(st);
  if (err && err->line > 0 && err->message[0])
    PyErr_Format(exception_of(st), "%s (line %ld, field %ld)", msg, err->line,
                 err->column);
  else
    PyErr_SetString(exception_of(st), msg);
  return NULL;
}

PyObject *pydeq_raise_msg(deq_status st, const char *fmt, ...)
{
  deq_error err;
  deq_error_clear(&err);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err.message, sizeof err.message, fmt, ap);
  va_end(ap);
  return pydeq_raise(st, &err);
}

int pydeq_doubles(Py_buffer *view, PyObject *obj, const char *what)
{
  if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) != 0) {
    PyErr_Clear();
    PyErr_Format(PyExc_TypeError, "%s: want a contiguous float64 array", what);
    return -1;
  }
  if (view->itemsize != sizeof(double) || !view->format
      || (strcmp(view->format, "d") != 0 && strcmp(view->format, "<d") != 0
          && strcmp(view->format, "=d") != 0)) {
    PyBuffer_Release(view);
    PyErr_Format(PyExc_TypeError, "%s: want float64 values", what);
    return -1;
  }
  return 0;
}

static PyObject *py_version(PyObject *self, PyObject *args)
{
  (void)self;
  (void)args;
  return PyUnicode_FromString(deq_version());
}

static PyObject *py_strerror(PyObject *self, PyObject *args)
{
  (void)self;
  int st;
  if (!PyArg_ParseTuple(args, "i", &st)) return NULL;
  return PyUnicode_FromString(deq_strerror((deq_status)st));
}

static PyMethodDef base_methods[] = {
  { "version", py_version, METH_NOARGS, "libdeq's version string" },
  { "strerror", py_strerror, METH_VARARGS, "the text of a status code" },
  { NULL, NULL, 0, NULL }
};

static struct PyModuleDef moduledef = {
  PyModuleDef_HEAD_INIT, "_deq", "libdeq bindings (use the deq package)", -1,
  NULL, NULL, NULL, NULL, NULL
};

static int add_methods(PyObject *m, PyMethodDef *defs)
{
  for (PyMethodDef *d = defs; d->ml_name; d++) {
    PyObject *f = PyCFunction_NewEx(d, NULL, PyModule_GetNameObject(m));
    if (!f || PyModule_AddObject(m, d->ml_name, f) != 0) return -1;
  }
  return 0;
}

static PyObject *new_error(PyObject *m, const char *name, PyObject *bases,
                           const char *doc)
{
  char full[64];
  snprintf(full, sizeof full, "deq.%s", name);
  PyObject *e = PyErr_NewExceptionWithDoc(full, doc, bases, NULL);
  if (e && PyModule_AddObject(m, name, e) != 0) return NULL;
  Py_XINCREF(e);
  return e;
}

PyMODINIT_FUNC PyInit__deq(void)
{
  PyObject *m = PyModule_Create(&moduledef);
  if (!m) return NULL;
  if (add_methods(m, base_methods) || add_methods(m, pydeq_spectrum_methods)
      || add_methods(m, pydeq_model_methods)
      || add_methods(m, pydeq_estimate_methods)
      || add_methods(m, pydeq_freeprob_methods))
    return NULL;
  if (PyType_Ready(&pydeq_spectrum_type) < 0
      || PyType_Ready(&pydeq_corr_type) < 0
      || PyType_Ready(&pydeq_plan_type) < 0)
    return NULL;
  Py_INCREF(&pydeq_spectrum_type);
  Py_INCREF(&pydeq_corr_type);
  if (PyModule_AddObject(m, "Spectrum", (PyObject *)&pydeq_spectrum_type)
      || PyModule_AddObject(m, "Corr", (PyObject *)&pydeq_corr_type))
    return NULL;
  Error = new_error(m, "Error", NULL, "a libdeq failure; .args[0] is its "
                    "message");
  if (!Error) return NULL;
  PyObject *b = PyTuple_Pack(2, Error, PyExc_ValueError);
  InputError = new_error(m, "InputError", b, "invalid input (libdeq's "
                         "EINVAL, EDOM, EPARSE, EIO)");
  Py_XDECREF(b);
  b = PyTuple_Pack(2, Error, PyExc_ArithmeticError);
  NumericalError = new_error(m, "NumericalError", b, "a numerical failure "
                             "(ENOCONV, ELAPACK)");
  Py_XDECREF(b);
  DivergenceError = new_error(m, "DivergenceError", NumericalError,
                              "the exact result is infinite (EDIVERGE)");
  UnsupportedError = new_error(m, "UnsupportedError", Error, "valid input "
                               "this routine does not support (EUNSUP)");
  if (!InputError || !NumericalError || !DivergenceError || !UnsupportedError)
    return NULL;
  return m;
}
