/* python/src/model.c -- every model type of deq/model.h, generically:
 * its description for the Python layer, and one entry point that runs
 * its grid, its Monte Carlo or its MPFR certification.  New model types
 * need no code here unless they bring a new parameter kind.  */
#include "pydeq.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *kind_name(deq_param_kind k)
{
  switch (k) {
  case DEQ_PARAM_REAL: return "real";
  case DEQ_PARAM_COUNT: return "count";
  case DEQ_PARAM_CHOICE: return "choice";
  case DEQ_PARAM_FLAG: return "flag";
  case DEQ_PARAM_SPECTRUM: return "spectrum";
  case DEQ_PARAM_CORR: return "corr";
  case DEQ_PARAM_LIST: return "list";
  case DEQ_PARAM_SPECTRA: return "spectra";
  case DEQ_PARAM_TEXT: return "text";
  case DEQ_PARAM_VIEWS: return "views";
  case DEQ_PARAM_TABLE: return "table";
  }
  return "unknown";
}

static const deq_model_type *find(const char *name)
{
  const deq_model_type *t = deq_model_find(name);
  if (!t) PyErr_Format(PyExc_KeyError, "no model type '%s'", name);
  return t;
}

static PyObject *py_model_names(PyObject *self, PyObject *args)
{
  (void)self;
  (void)args;
  PyObject *l = PyList_New(0);
  for (const deq_model_type *const *t = deq_model_types(); l && *t; t++) {
    PyObject *s = PyUnicode_FromString((*t)->name);
    if (!s || PyList_Append(l, s) != 0) {
      Py_XDECREF(s);
      Py_DECREF(l);
      return NULL;
    }
    Py_DECREF(s);
  }
  return l;
}

static PyObject *str_or_none(const char *s)
{
  if (s) return PyUnicode_FromString(s);
  Py_RETURN_NONE;
}

static PyObject *param_info(const deq_param *p)
{
  PyObject *choices = PyList_New(0);
  for (size_t k = 0; choices && p->choices && p->choices[k]; k++) {
    PyObject *s = PyUnicode_FromString(p->choices[k]);
    if (!s || PyList_Append(choices, s)) {
      Py_XDECREF(s);
      Py_CLEAR(choices);
    } else {
      Py_DECREF(s);
    }
  }
  if (!choices) return NULL;
  unsigned f = p->flags;
  return Py_BuildValue(
    "{s:s,s:s,s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:d,s:d,s:d,s:N,s:N,s:N}",
    "name", p->name, "kind", kind_name(p->kind),
    "mc_only", (f & DEQ_PARAM_MC_ONLY) ? Py_True : Py_False,
    "grid", (f & DEQ_PARAM_GRID) ? Py_True : Py_False,
    "required", (f & DEQ_PARAM_REQUIRED) ? Py_True : Py_False,
    "inf", (f & DEQ_PARAM_INF) ? Py_True : Py_False,
    "open_min", (f & DEQ_PARAM_OPEN_MIN) ? Py_True : Py_False,
    "shared", (f & DEQ_PARAM_SHARED) ? Py_True : Py_False,
    "integer", (f & DEQ_PARAM_INTEGER) ? Py_True : Py_False,
    "increasing", (f & DEQ_PARAM_INCREASING) ? Py_True : Py_False,
    "default", p->def, "min", p->min, "max", p->max, "choices", choices,
    "meta", str_or_none(p->meta), "help", str_or_none(p->help));
}

static PyObject *py_model_info(PyObject *self, PyObject *args)
{
  (void)self;
  const char *name;
  if (!PyArg_ParseTuple(args, "s", &name)) return NULL;
  const deq_model_type *t = find(name);
  if (!t) return NULL;
  PyObject *params = PyList_New((Py_ssize_t)t->nparam);
  for (size_t i = 0; params && i < t->nparam; i++) {
    PyObject *d = param_info(&t->params[i]);
    if (!d) Py_CLEAR(params);
    else PyList_SET_ITEM(params, (Py_ssize_t)i, d);
  }
  PyObject *cols = PyList_New((Py_ssize_t)t->ncolumn);
  for (size_t j = 0; cols && j < t->ncolumn; j++)
    PyList_SET_ITEM(cols, (Py_ssize_t)j,
                    Py_BuildValue("(ss)", t->columns[j].name,
                                  t->columns[j].help));
  PyObject *mcq = PyList_New((Py_ssize_t)t->nmc);
  for (size_t q = 0; mcq && q < t->nmc; q++)
    PyList_SET_ITEM(mcq, (Py_ssize_t)q,
                    Py_BuildValue("(ss)", t->mc_quantities[q].name,
                                  t->mc_quantities[q].theory));
  PyObject *mcc = PyList_New((Py_ssize_t)t->nmc_column);
  for (size_t j = 0; mcc && j < t->nmc_column; j++)
    PyList_SET_ITEM(mcc, (Py_ssize_t)j, PyUnicode_FromString(t->mc_columns[j]));
  if (!params || !cols || !mcq || !mcc) {
    Py_XDECREF(params);
    Py_XDECREF(cols);
    Py_XDECREF(mcq);
    Py_XDECREF(mcc);
    return NULL;
  }
  return Py_BuildValue("{s:s,s:s,s:N,s:N,s:N,s:N,s:N,s:O,s:O,s:N}",
                       "name", t->name, "summary", t->summary,
                       "reference", str_or_none(t->reference),
                       "params", params, "columns", cols,
                       "mc_quantities", mcq, "mc_columns", mcc,
                       "has_mc", t->mc ? Py_True : Py_False,
                       "has_mp", t->mp ? Py_True : Py_False,
                       "plot_y", str_or_none(t->plot_y));
}

/* ------------------------------------------------------------ one run */

/* The arguments of a run converted to the engine's arrays; every buffer
   and pointer array is released by run_free.  */
typedef struct run {
  const deq_model_type *t;
  double *x;
  const void **obj;
  unsigned char *given;
  deq_model_axis *axes;
  Py_buffer *bufs;            /* one per parameter (axes and lists) */
  int *have_buf;
  deq_model_list *lists;
  deq_model_spectra *spectra;
  deq_views *views;           /* DEQ_PARAM_VIEWS: members and their */
  deq_views_member **members; /* subsets, owned */
  size_t ***idx;              /* per parameter, per member */
  size_t *nidx;
  deq_table *tables;          /* DEQ_PARAM_TABLE: names owned, data borrowed */
  double **generated;         /* axes the type generates (t->axis), owned */
  size_t npts;
} run;

static void run_free(run *r)
{
  for (size_t i = 0; r->have_buf && i < r->t->nparam; i++)
    if (r->have_buf[i]) PyBuffer_Release(&r->bufs[i]);
  for (size_t i = 0; r->spectra && i < r->t->nparam; i++)
    free((void *)r->spectra[i].sp);
  for (size_t i = 0; r->members && i < r->t->nparam; i++) {
    for (size_t k = 0; r->idx[i] && k < r->nidx[i]; k++)
      free(r->idx[i][k]);
    free(r->idx[i]);
    free(r->members[i]);
    free(r->tables[i].names);
  }
  for (size_t i = 0; r->generated && i < r->t->nparam; i++)
    free(r->generated[i]);
  free(r->generated);
  free(r->views);
  free(r->members);
  free(r->idx);
  free(r->nidx);
  free(r->tables);
  free(r->x);
  free(r->obj);
  free(r->given);
  free(r->axes);
  free(r->bufs);
  free(r->have_buf);
  free(r->lists);
  free(r->spectra);
}

static int bad_kind(const deq_param *p, const char *want)
{
  PyErr_Format(PyExc_TypeError, "%s: want %s", p->name, want);
  return -1;
}

/* A number from dict d (key absent or None: def).  */
static int dict_double(double *v, PyObject *d, const char *key, double def)
{
  PyObject *o = PyDict_GetItemString(d, key);
  *v = def;
  if (!o || o == Py_None) return 0;
  *v = PyFloat_AsDouble(o);
  return PyErr_Occurred() ? -1 : 0;
}

/* Ensemble members from a list of dicts {subset: ints | fraction, seed,
   eta, lambda} (deq.subsample builds them).  */
static int set_views(run *r, size_t i, PyObject *o)
{
  const deq_param *p = &r->t->params[i];
  if (!PyList_Check(o) || PyList_GET_SIZE(o) == 0)
    return bad_kind(p, "a non-empty list of members");
  size_t K = (size_t)PyList_GET_SIZE(o);
  deq_views_member *m = calloc(K, sizeof *m);
  size_t **idx = calloc(K, sizeof *idx);
  r->members[i] = m;
  r->idx[i] = idx;
  r->nidx[i] = K;
  if (!m || !idx) {
    PyErr_NoMemory();
    return -1;
  }
  for (size_t k = 0; k < K; k++) {
    PyObject *d = PyList_GET_ITEM(o, (Py_ssize_t)k);
    if (!PyDict_Check(d)) return bad_kind(p, "members as dicts");
    double seed;
    if (dict_double(&m[k].fraction, d, "fraction", NAN)
        || dict_double(&seed, d, "seed", 1)
        || dict_double(&m[k].eta, d, "eta", 0)
        || dict_double(&m[k].lambda, d, "lambda", NAN))
      return -1;
    m[k].seed = (uint64_t)seed;
    PyObject *sub = PyDict_GetItemString(d, "subset");
    if (sub && sub != Py_None) {
      Py_buffer b;
      if (PyObject_GetBuffer(sub, &b, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT))
        return -1;
      int ok = b.itemsize == sizeof(int64_t) && b.format
               && strchr("qlQL", b.format[strlen(b.format) - 1]);
      size_t n = ok ? (size_t)(b.len / b.itemsize) : 0;
      idx[k] = ok ? malloc((n ? n : 1) * sizeof **idx) : NULL;
      for (size_t j = 0; idx[k] && j < n; j++) {
        int64_t v = ((const int64_t *)b.buf)[j];
        idx[k][j] = v < 0 ? (size_t)-1 : (size_t)v;  /* -1: out of range */
      }
      PyBuffer_Release(&b);
      if (!ok) return bad_kind(p, "subsets as int64 arrays");
      if (!idx[k]) {
        PyErr_NoMemory();
        return -1;
      }
      m[k].idx = idx[k];
      m[k].n = n;
    }
  }
  r->views[i] = (deq_views){ K, m };
  r->obj[i] = &r->views[i];
  return 0;
}

/* A table from (names, row-major float64 data): the names' UTF-8 lives
   as long as the caller's strs, the data as long as its buffer.  */
static int set_table(run *r, size_t i, PyObject *o)
{
  const deq_param *p = &r->t->params[i];
  PyObject *names, *data;
  if (!PyTuple_Check(o) || !PyArg_ParseTuple(o, "OO", &names, &data)
      || !PyList_Check(names))
    return bad_kind(p, "a table (names, row-major data)");
  size_t ncol = (size_t)PyList_GET_SIZE(names);
  if (pydeq_doubles(&r->bufs[i], data, p->name)) return -1;
  r->have_buf[i] = 1;
  size_t n = (size_t)(r->bufs[i].len / sizeof(double));
  if (ncol == 0 || n % ncol) return bad_kind(p, "a table with whole rows");
  char **nm = calloc(ncol, sizeof *nm);
  r->tables[i].names = nm;
  if (!nm) {
    PyErr_NoMemory();
    return -1;
  }
  for (size_t j = 0; j < ncol; j++)
    if (!(nm[j] = (char *)PyUnicode_AsUTF8(PyList_GET_ITEM(names,
                                                           (Py_ssize_t)j))))
      return -1;
  r->tables[i].ncol = ncol;
  r->tables[i].nrow = n / ncol;
  r->tables[i].data = r->bufs[i].buf;
  r->obj[i] = &r->tables[i];
  return 0;
}

/* The object of parameter i from the Python value o.  */
static int set_object(run *r, size_t i, PyObject *o)
{
  const deq_param *p = &r->t->params[i];
  if (o == Py_None) return 0;
  switch (p->kind) {
  case DEQ_PARAM_SPECTRUM:
    if (!pydeq_is_spectrum(o)) return bad_kind(p, "a deq.Spectrum");
    r->obj[i] = ((pydeq_spectrum *)o)->sp;
    return 0;
  case DEQ_PARAM_CORR:
    if (!PyObject_TypeCheck(o, &pydeq_corr_type))
      return bad_kind(p, "a deq.Corr");
    r->obj[i] = &((pydeq_corr *)o)->model;
    return 0;
  case DEQ_PARAM_LIST:
    if (pydeq_doubles(&r->bufs[i], o, p->name)) return -1;
    r->have_buf[i] = 1;
    r->lists[i] = (deq_model_list){ r->bufs[i].buf,
                                    (size_t)(r->bufs[i].len / sizeof(double)) };
    r->obj[i] = &r->lists[i];
    return 0;
  case DEQ_PARAM_SPECTRA: {
    if (!PyList_Check(o)) return bad_kind(p, "a list of deq.Spectrum or None");
    size_t n = (size_t)PyList_GET_SIZE(o);
    const deq_spectrum **sp = calloc(n ? n : 1, sizeof *sp);
    if (!sp) {
      PyErr_NoMemory();
      return -1;
    }
    r->spectra[i] = (deq_model_spectra){ sp, n };
    for (size_t k = 0; k < n; k++) {
      PyObject *e = PyList_GET_ITEM(o, (Py_ssize_t)k);
      if (e == Py_None) continue;
      if (!pydeq_is_spectrum(e))
        return bad_kind(p, "a list of deq.Spectrum or None");
      sp[k] = ((pydeq_spectrum *)e)->sp;
    }
    r->obj[i] = &r->spectra[i];
    return 0;
  }
  case DEQ_PARAM_VIEWS: return set_views(r, i, o);
  case DEQ_PARAM_TABLE: return set_table(r, i, o);
  case DEQ_PARAM_TEXT:
    /* the UTF-8 buffer lives as long as the str, which the caller holds */
    if (!PyUnicode_Check(o)) return bad_kind(p, "a str");
    if (!(r->obj[i] = PyUnicode_AsUTF8(o))) return -1;
    return 0;
  default:
    break;
  }
  PyErr_Format(PyExc_TypeError, "%s: a value of kind %s is not an object",
               p->name, kind_name(p->kind));
  return -1;
}

/* The values of grid parameters the caller did not give that the type
   derives from other parameters (t->axis: the ensemble's members under
   --no-free-lunch), as the command line does.  */
static int generate_axes(run *r)
{
  const deq_model_type *t = r->t;
  size_t a = 0;
  for (size_t i = 0; t->axis && i < t->nparam; i++) {
    if (!(t->params[i].flags & DEQ_PARAM_GRID)) continue;
    size_t n = r->given[i] ? 0 : t->axis(NULL, 0, i, r->x, r->obj, r->given);
    if (n > 0) {
      if (!(r->generated[i] = malloc(n * sizeof(double)))) {
        PyErr_NoMemory();
        return -1;
      }
      t->axis(r->generated[i], n, i, r->x, r->obj, r->given);
      r->axes[a] = (deq_model_axis){ r->generated[i], n };
    }
    a++;
  }
  return 0;
}

/* Parse (name, x, objs, axes, given) into r.  */
static int run_parse(run *r, const char *name, PyObject *xs, PyObject *objs,
                     PyObject *axes, PyObject *given)
{
  memset(r, 0, sizeof *r);
  if (!(r->t = find(name))) return -1;
  size_t n = r->t->nparam;
  r->x = calloc(n, sizeof *r->x);
  r->obj = calloc(n, sizeof *r->obj);
  r->given = calloc(n, 1);
  r->axes = calloc(n, sizeof *r->axes);
  r->bufs = calloc(n, sizeof *r->bufs);
  r->have_buf = calloc(n, sizeof *r->have_buf);
  r->lists = calloc(n, sizeof *r->lists);
  r->spectra = calloc(n, sizeof *r->spectra);
  r->views = calloc(n, sizeof *r->views);
  r->members = calloc(n, sizeof *r->members);
  r->idx = calloc(n, sizeof *r->idx);
  r->nidx = calloc(n, sizeof *r->nidx);
  r->tables = calloc(n, sizeof *r->tables);
  r->generated = calloc(n, sizeof *r->generated);
  if (!r->x || !r->obj || !r->given || !r->axes || !r->bufs || !r->have_buf
      || !r->lists || !r->spectra || !r->views || !r->members || !r->idx
      || !r->nidx || !r->tables || !r->generated) {
    PyErr_NoMemory();
    return -1;
  }
  if (!PySequence_Check(xs) || !PySequence_Check(objs)
      || !PySequence_Check(axes) || PySequence_Size(xs) != (Py_ssize_t)n
      || PySequence_Size(objs) != (Py_ssize_t)n
      || PySequence_Size(axes) != (Py_ssize_t)n
      || !PyBytes_Check(given) || PyBytes_GET_SIZE(given) != (Py_ssize_t)n) {
    PyErr_SetString(PyExc_TypeError, "model_run: one value per parameter");
    return -1;
  }
  memcpy(r->given, PyBytes_AS_STRING(given), n);
  size_t na = 0;
  r->npts = 1;
  for (size_t i = 0; i < n; i++) {
    PyObject *xv = PySequence_GetItem(xs, (Py_ssize_t)i);
    PyObject *ov = PySequence_GetItem(objs, (Py_ssize_t)i);
    PyObject *av = PySequence_GetItem(axes, (Py_ssize_t)i);
    int st = xv && ov && av ? 0 : -1;
    if (st == 0) {
      r->x[i] = PyFloat_AsDouble(xv);
      if (PyErr_Occurred()) st = -1;
    }
    if (st == 0) st = set_object(r, i, ov);
    if (st == 0 && (r->t->params[i].flags & DEQ_PARAM_GRID)) {
      if (r->have_buf[i]) {
        PyErr_Format(PyExc_TypeError, "%s: a grid parameter", r->t->params[i].name);
        st = -1;
      } else if (pydeq_doubles(&r->bufs[i], av, r->t->params[i].name) == 0) {
        r->have_buf[i] = 1;
        r->axes[na] = (deq_model_axis){ r->bufs[i].buf,
                                        (size_t)(r->bufs[i].len / sizeof(double)) };
        if (r->axes[na].n == 0) {
          PyErr_Format(PyExc_ValueError, "%s: an empty grid",
                       r->t->params[i].name);
          st = -1;
        }
        na++;
      } else {
        st = -1;
      }
    }
    Py_XDECREF(xv);
    Py_XDECREF(ov);
    Py_XDECREF(av);
    if (st) return -1;
  }
  if (generate_axes(r)) return -1;
  r->npts = deq_model_npoints(r->t, r->axes);
  if (r->npts == 0 || r->npts > ((size_t)PY_SSIZE_T_MAX) / r->t->point_size / 4) {
    PyErr_SetString(PyExc_MemoryError, "the grid is too large");
    return -1;
  }
  for (size_t i = 0; i < n; i++)
    if ((r->t->params[i].flags & DEQ_PARAM_REQUIRED) && !r->given[i]) {
      PyErr_Format(PyExc_TypeError, "%s is required", r->t->params[i].name);
      return -1;
    }
  if (r->t->validate) {
    deq_error err;
    deq_error_clear(&err);
    deq_status st = r->t->validate(r->x, r->obj, r->given, &err);
    if (st != DEQ_OK) {
      pydeq_raise(st, &err);
      return -1;
    }
  }
  return 0;
}

static PyObject *status_list(const run *r, const void *pts)
{
  PyObject *l = PyList_New((Py_ssize_t)r->npts);
  for (size_t k = 0; l && k < r->npts; k++)
    PyList_SET_ITEM(l, (Py_ssize_t)k,
                    PyLong_FromLong(deq_model_point_status(r->t, pts, k)));
  return l;
}

/* The grid's table: (columns, rows bytes, statuses).  */
static PyObject *theory_table(const run *r, const void *pts)
{
  const deq_model_type *t = r->t;
  PyObject *rows = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(r->npts
                                             * t->ncolumn * sizeof(double)));
  PyObject *cols = PyTuple_New((Py_ssize_t)t->ncolumn);
  if (!rows || !cols) {
    Py_XDECREF(rows);
    Py_XDECREF(cols);
    return NULL;
  }
  double *v = (double *)PyBytes_AS_STRING(rows);
  for (size_t k = 0; k < r->npts; k++)
    t->row(v + k * t->ncolumn, (const char *)pts + k * t->point_size);
  for (size_t j = 0; j < t->ncolumn; j++)
    PyTuple_SET_ITEM(cols, (Py_ssize_t)j,
                     PyUnicode_FromString(t->columns[j].name));
  return Py_BuildValue("(NNN)", cols, rows, status_list(r, pts));
}

/* The Monte Carlo table: the theory columns deq mc prints, then
   NAME_mc, NAME_se, NAME_z per quantity (as the command line).  */
static PyObject *mc_table(const run *r, const void *pts,
                          const deq_mc_estimate *est)
{
  const deq_model_type *t = r->t;
  size_t ncol = t->nmc_column + 3 * t->nmc;
  PyObject *rows = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(r->npts * ncol
                                                    * sizeof(double)));
  PyObject *cols = PyTuple_New((Py_ssize_t)ncol);
  double *full = malloc(t->ncolumn * sizeof *full);
  if (!rows || !cols || !full) {
    Py_XDECREF(rows);
    Py_XDECREF(cols);
    free(full);
    return PyErr_NoMemory();
  }
  double *v = (double *)PyBytes_AS_STRING(rows);
  for (size_t k = 0; k < r->npts; k++) {
    t->row(full, (const char *)pts + k * t->point_size);
    double *row = v + k * ncol;
    for (size_t j = 0; j < t->nmc_column; j++)
      row[j] = full[deq_model_column(t, t->mc_columns[j])];
    for (size_t q = 0; q < t->nmc; q++) {
      const deq_mc_estimate *e = &est[k * t->nmc + q];
      double theory = full[deq_model_column(t, t->mc_quantities[q].theory)];
      row[t->nmc_column + 3 * q] = e->mean;
      row[t->nmc_column + 3 * q + 1] = e->se;
      row[t->nmc_column + 3 * q + 2] = deq_mc_z(e, theory);
    }
  }
  free(full);
  for (size_t j = 0; j < t->nmc_column; j++)
    PyTuple_SET_ITEM(cols, (Py_ssize_t)j, PyUnicode_FromString(t->mc_columns[j]));
  static const char *const suffix[3] = { "mc", "se", "z" };
  for (size_t q = 0; q < t->nmc; q++)
    for (size_t s = 0; s < 3; s++)
      PyTuple_SET_ITEM(cols, (Py_ssize_t)(t->nmc_column + 3 * q + s),
                       PyUnicode_FromFormat("%s_%s", t->mc_quantities[q].name,
                                            suffix[s]));
  return Py_BuildValue("(NNN)", cols, rows, status_list(r, pts));
}

/* model_run(name, x, objs, axes, given, mode, trials, seed, threads,
   prec): mode "grid" -> (columns, rows, statuses); "mc" -> the Monte
   Carlo table; "certify" -> (maxrel, ncertified, worst_row,
   worst_column).  Failures (not divergences) raise.  */
static PyObject *py_model_run(PyObject *self, PyObject *args)
{
  (void)self;
  const char *name, *mode;
  PyObject *xs, *objs, *axes, *given;
  unsigned long long trials = 0, seed = 0;
  int threads = 0;
  long prec = 256;
  if (!PyArg_ParseTuple(args, "sOOOOsKKil", &name, &xs, &objs, &axes, &given,
                        &mode, &trials, &seed, &threads, &prec))
    return NULL;
  int mc = strcmp(mode, "mc") == 0, cert = strcmp(mode, "certify") == 0;
  if (threads < 0 || threads > 4096)   /* the command line's range */
    return pydeq_raise_msg(DEQ_EDOM, "threads must be in [0, 4096] (0: one "
                           "per core)");
  if (!mc && !cert && strcmp(mode, "grid") != 0)
    return PyErr_Format(PyExc_ValueError, "unknown mode '%s'", mode);
  run r;
  if (run_parse(&r, name, xs, objs, axes, given)) {
    run_free(&r);
    return NULL;
  }
  const deq_model_type *t = r.t;
  if (mc && !t->mc) {
    run_free(&r);
    return pydeq_raise_msg(DEQ_EUNSUP, "%s has no Monte Carlo", t->name);
  }
  if (cert && !t->mp) {
    run_free(&r);
    return pydeq_raise_msg(DEQ_EUNSUP, "%s has no MPFR twin", t->name);
  }
  if (mc && (trials < 2 || trials > 100000000ULL)) {
    run_free(&r);
    return pydeq_raise_msg(DEQ_EDOM, "trials must be in [2, 1e8]");
  }
  void *pts = calloc(r.npts, t->point_size);
  deq_mc_estimate *est = mc ? calloc(r.npts * (t->nmc ? t->nmc : 1),
                                     sizeof *est) : NULL;
  if (!pts || (mc && !est)) {
    free(pts);
    free(est);
    run_free(&r);
    return PyErr_NoMemory();
  }
  deq_error err;
  deq_error_clear(&err);
  deq_status st;
  double maxrel = 0;
  size_t ncert = 0, worst_pt = 0, worst_col = 0;
  Py_BEGIN_ALLOW_THREADS
  st = deq_model_grid_threads(pts, t, r.x, r.obj, r.axes, threads, &err);
  if (mc && (st == DEQ_OK || st == DEQ_EDIVERGE)) {
    deq_error_clear(&err);
    st = deq_model_mc(est, NULL, t, r.x, r.obj, r.axes, pts, (size_t)trials,
                      (uint64_t)seed, threads, &err);
  } else if (cert && (st == DEQ_OK || st == DEQ_EDIVERGE)) {
    st = deq_model_certify(&maxrel, &ncert, &worst_pt, &worst_col, t, r.x,
                           r.obj, r.axes, pts, prec);
  }
  Py_END_ALLOW_THREADS
  PyObject *out = NULL;
  if (st != DEQ_OK && st != DEQ_EDIVERGE) {
    /* name the first failing point's status when the engine gave no text */
    pydeq_raise(st, &err);
  } else if (mc) {
    out = mc_table(&r, pts, est);
  } else if (cert) {
    out = Py_BuildValue("(dnns)", maxrel, (Py_ssize_t)ncert,
                        (Py_ssize_t)worst_pt, t->columns[worst_col].name);
  } else {
    out = theory_table(&r, pts);
  }
  free(pts);
  free(est);
  run_free(&r);
  return out;
}

PyMethodDef pydeq_model_methods[] = {
  { "model_names", py_model_names, METH_NOARGS, "every model type's name" },
  { "model_info", py_model_info, METH_VARARGS,
    "model_info(name): the type object as a dict" },
  { "model_run", py_model_run, METH_VARARGS,
    "model_run(name, x, objs, axes, given, mode, trials, seed, threads, "
    "prec)" },
  { NULL, NULL, 0, NULL }
};
