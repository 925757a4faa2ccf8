/* deq/spectrum.h -- spectral measures: atoms (eigenvalue, multiplicity,
 * target power) and their constructors.
 *
 * A spectrum is a list of atoms (s_i, m_i, v_i):
 *   s_i >= 0  an eigenvalue of the population covariance Sigma,
 *   m_i > 0   its multiplicity (an integer for true spectra; quadrature
 *             atoms of an analytic tail carry non-integer weights),
 *   v_i >= 0  the target power of the atom's whole eigenspace:
 *             v_i = s_i * sum over its m_i directions of wbar_k^2.
 * sum_i v_i is the signal variance E[(wbar.x)^2].  An atom with s_i = 0
 * must have v_i = 0.  Atoms keep the order they were given in; generated
 * spectra are in decreasing eigenvalue order (mode index k = 1, 2, ...).  */
#ifndef DEQ_SPECTRUM_H
#define DEQ_SPECTRUM_H

#include <stddef.h>
#include <stdio.h>
#include "deq/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct deq_spectrum {
  size_t n;       /* number of atoms */
  double *s;      /* eigenvalues s_i >= 0 */
  double *m;      /* multiplicities m_i > 0 */
  double *v;      /* target powers v_i >= 0 */
  double dim;     /* N = sum m_i, or INFINITY for an infinite power law */
  double rank;    /* sum of m_i over s_i > 0, or INFINITY */
  double trace;   /* tr Sigma = sum m_i s_i (+Inf if beyond DBL_MAX) */
  double signal;  /* sum v_i (+Inf if beyond DBL_MAX) */
  int exact;      /* 1: every atom is a true eigenvalue with an integer
                     multiplicity (Monte Carlo can sample it);
                     0: contains quadrature atoms of an analytic tail */
} deq_spectrum;

/* Allocate a spectrum of n atoms with s = 0, m = 1, v = 0 (n >= 1).
   Fill the arrays, then call deq_spectrum_update.  */
deq_status deq_spectrum_alloc(deq_spectrum **out, size_t n);
void deq_spectrum_free(deq_spectrum *sp);              /* free(NULL) is a no-op */
deq_status deq_spectrum_copy(deq_spectrum **out, const deq_spectrum *sp);

/* Validate every atom and recompute dim, rank, trace, signal, exact.
   DEQ_EDOM names the first bad atom in err (line = atom index + 1,
   column = its field: 1 eigenvalue, 2 target power, 3 multiplicity); a
   spectrum without a positive eigenvalue (trace 0) is DEQ_EDOM too.  A
   trace or signal that overflows is stored as +Inf; the spectrum is
   valid (solvers whose solution itself leaves the double range return
   DEQ_EUNSUP).  */
deq_status deq_spectrum_update(deq_spectrum *sp, deq_error *err);

/* From arrays; m == NULL means multiplicity 1, v == NULL means v = 0.  */
deq_status deq_spectrum_from_arrays(deq_spectrum **out, size_t n,
                                    const double *s, const double *m,
                                    const double *v, deq_error *err);

/* Isotropic: one atom, eigenvalue `scale`, multiplicity n (integer >= 1).  */
deq_status deq_spectrum_iso(deq_spectrum **out, double n, double scale);

/* Log-uniform on [lo, hi]: s_i = exp(log hi - (i - 1/2)/n * log(hi/lo)),
   i = 1..n.  0 < lo <= hi.  Symmetric under s -> lo*hi/s.  When lo*hi or
   hi/lo leaves the normal range, computed in logs from the nearer end
   (lo*hi is never formed), so any range inside the double range works;
   relative accuracy a few ulps times max(1, log(hi/lo)).  */
deq_status deq_spectrum_loguniform(deq_spectrum **out, size_t n,
                                   double lo, double hi);

/* Power law with source condition.  s_k = scale * k^-alpha and
   v_k = amp * k^-(1 + 2 alpha r), k = 1..n.  n may be INFINITY (needs
   alpha > 1) or any integer up to 2^53.  amp = 0 means no target (v = 0;
   r is then ignored); r = NAN with amp > 0 (a forgotten source exponent)
   is DEQ_EINVAL.
   For n <= exact_max (default 2^22) every mode is an atom.  Beyond it, modes
   k <= head (>= 16) are atoms and the rest enters through the
   Euler-Maclaurin formula with Gregory's end correction (a reweighting of
   the last three head atoms), the integral over log k by Gauss-Legendre
   panels, and, for n = INFINITY, a moment-matched remainder atom; every
   functional then agrees with the exact sum to about 1e-14 relative (see
   the manual).  */
typedef struct deq_powerlaw {
  double alpha;      /* capacity exponent > 0 */
  double n;          /* number of modes, integer >= 1 or INFINITY */
  double scale;      /* eigenvalue scale (> 0), default 1 */
  double r;          /* source exponent (> 0); ignored when amp = 0 */
  double amp;        /* target amplitude (>= 0), default 1 */
  double exact_max;  /* largest n represented exactly; 0 = default 2^22 */
  double head;       /* exact head length for the tail form; 0 = default 10^4 */
} deq_powerlaw;

/* Defaults: alpha = 1.5, n = 1000, scale = 1, r = NAN (must be set, or
   amp set to 0), amp = 1, 0, 0.  */
void deq_powerlaw_init(deq_powerlaw *p);
deq_status deq_spectrum_powerlaw(deq_spectrum **out, const deq_powerlaw *p);

/* Targets.  iso: wbar spread uniformly, |wbar|^2 = norm2, so that
   v_i = norm2 * m_i * s_i / dim (finite dim only).  values: v_i = v[i].  */
deq_status deq_spectrum_target_iso(deq_spectrum *sp, double norm2);
deq_status deq_spectrum_target_values(deq_spectrum *sp, size_t n,
                                      const double *v, deq_error *err);

/* Merge atoms with equal eigenvalues (m and v add up) and sort them in
   decreasing eigenvalue order.  */
deq_status deq_spectrum_compress(deq_spectrum *sp);

/* Read the file format: one atom per line, "eigenvalue [target_power
   [multiplicity]]", '#' starts a comment, blank lines ignored.  A missing
   target power is 0, a missing multiplicity 1.  Errors carry the 1-based
   line and field number in err.  Fields may be separated by blanks, tabs
   or a comma (with blanks around it); an empty field ("4,,2", or a
   trailing comma) is an error.  A UTF-8 byte order mark is skipped.  */
deq_status deq_spectrum_read(deq_spectrum **out, FILE *f, deq_error *err);
deq_status deq_spectrum_read_file(deq_spectrum **out, const char *path,
                                  deq_error *err);

/* Read one number per line ('#' comments allowed) into a new array.  Used
   for target files; *n receives the count.  */
deq_status deq_read_column(double **out, size_t *n, FILE *f, deq_error *err);

#ifdef __cplusplus
}
#endif
#endif
