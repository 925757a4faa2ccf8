// test/t-cxx.cc -- the umbrella header <deq.h> compiles as C++ (-std=c++11
// -pedantic) and links against libdeq; deq_complex is std::complex<double>
// there, and the by-value Stieltjes functions reach the library through
// their _zp twins.  Exit 0 on success, 1 on a failure.
#include <deq.h>

#include <cmath>
#include <complex>
#include <cstdio>
#include <cstring>

static int failures = 0;

static void check(bool ok, const char *what)
{
  if (!ok) {
    std::fprintf(stderr, "FAIL: %s\n", what);
    failures++;
  }
}

static bool close(std::complex<double> a, std::complex<double> b, double tol)
{
  return std::abs(a - b) <= tol * std::abs(b);
}

int main()
{
  static_assert(sizeof(deq_complex) == 2 * sizeof(double),
                "deq_complex is two doubles");
  check(std::strcmp(deq_version(), DEQ_VERSION_STRING) == 0,
        "deq_version() == DEQ_VERSION_STRING");

  // One atom s = 2 of multiplicity 10: g(z) = 1/(2 - z) exactly.
  deq_spectrum *sp = NULL;
  check(deq_spectrum_iso(&sp, 10, 2.0) == DEQ_OK, "deq_spectrum_iso");
  const deq_complex z(0.5, 1.0);
  deq_complex g;
  check(deq_freeprob_stieltjes(&g, sp, z) == DEQ_OK, "stieltjes status");
  check(close(g, 1.0 / (2.0 - z), 1e-15), "stieltjes of one atom");
  check(deq_freeprob_stieltjes_zp(&g, sp, NULL) == DEQ_EINVAL,
        "stieltjes_zp(NULL z) is DEQ_EINVAL");
  deq_spectrum_free(sp);

  // White Wishart, q = N/P = 2, at z = -l: the closed form
  // g = [sqrt((1 - q + l)^2 + 4 q l) - (1 - q + l)]/(2 q l), and the
  // sample-covariance solve of the isotropic spectrum agrees with it.
  const double q = 2, N = 200, P = 100, l = 0.5;
  const double b = 1 - q + l;
  const std::complex<double> want((std::sqrt(b * b + 4 * q * l) - b) /
                                  (2 * q * l), 0.0);
  check(deq_freeprob_mp_stieltjes(&g, q, 1.0, -l) == DEQ_OK, "mp status");
  check(close(g, want, 1e-13), "Marchenko-Pastur g(-l)");
  check(deq_spectrum_iso(&sp, N, 1.0) == DEQ_OK, "deq_spectrum_iso N");
  deq_freeprob_point o;
  check(deq_freeprob_sample_stieltjes(&o, sp, P, -l) == DEQ_OK,
        "sample status");
  check(close(o.g, want, 1e-11), "sample Stieltjes g(-l)");
  check(o.z == deq_complex(-l, 0.0), "point records z");
  deq_spectrum_free(sp);

  std::printf("C++: %s\n", failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
