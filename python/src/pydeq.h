/* python/src/pydeq.h -- the C extension deq._deq: libdeq for Python.
 * Compiled against deq's public headers (no copied struct layouts).
 * Arrays cross the boundary through the buffer protocol (float64,
 * C-contiguous) and come back as bytes that the Python layer views with
 * numpy, so the extension needs no numpy headers.  */
#ifndef PYDEQ_H
#define PYDEQ_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "deq.h"

/* Raise the exception class of a status with a message (err may be
   NULL or empty: then deq_strerror).  Returns NULL.  */
PyObject *pydeq_raise(deq_status st, const deq_error *err);
PyObject *pydeq_raise_msg(deq_status st, const char *fmt, ...);

/* A read-only float64 C-contiguous view of obj; 0 on success.  */
int pydeq_doubles(Py_buffer *view, PyObject *obj, const char *what);

/* Spectrum objects.  */
typedef struct {
  PyObject_HEAD
  deq_spectrum *sp;
} pydeq_spectrum;
extern PyTypeObject pydeq_spectrum_type;
PyObject *pydeq_spectrum_wrap(deq_spectrum *sp);   /* takes ownership */
int pydeq_is_spectrum(PyObject *o);

/* Correlation models (K).  */
typedef struct {
  PyObject_HEAD
  deq_corr_model model;
  double *owned;      /* acf or K, copied */
} pydeq_corr;
extern PyTypeObject pydeq_corr_type;
extern PyTypeObject pydeq_plan_type;   /* deq_estimate_plan */

/* Module function tables of each file.  */
extern PyMethodDef pydeq_spectrum_methods[];
extern PyMethodDef pydeq_model_methods[];
extern PyMethodDef pydeq_estimate_methods[];
extern PyMethodDef pydeq_freeprob_methods[];

#endif
