#!/bin/sh
# deq ridge: learning curves against closed forms and independent
# references, grids, file spectra, targets, the optimal ridge, divergence,
# predicted exponents, JSON and plots.
. "$(dirname "$0")/lib.sh"

HEADER="P lambda kappa df1 df2 gamma bias var_noise E_g E_test E_tr gcv dkappa_dlambda"

# ridge_ref "s1 m1 v1 s2 m2 v2 ..." P LAMBDA NOISE: kappa E_g bias variance
# E_tr by bisection on lambda = kappa (1 - df1(kappa)/P) in
# [lambda, lambda + tr/P] (lambda > 0), then E_g = (B + noise gamma)/(1 - gamma).
# A reference written from the equations alone.
ridge_ref() {
  awk -v atoms="$1" -v P="$2" -v lam="$3" -v s2="$4" 'BEGIN {
    n = split(atoms, a, " ") / 3
    for (i = 1; i <= n; i++) { s[i] = a[3*i-2]; m[i] = a[3*i-1]; v[i] = a[3*i]; tr += m[i] * s[i] }
    lo = lam; hi = lam + tr / P
    for (it = 0; it < 300; it++) {
      k = (lo + hi) / 2; df1 = 0
      for (i = 1; i <= n; i++) df1 += m[i] * s[i] / (s[i] + k)
      if (k * (1 - df1 / P) < lam) lo = k; else hi = k
    }
    k = (lo + hi) / 2; df2 = 0; B = 0; df1 = 0
    for (i = 1; i <= n; i++) {
      df1 += m[i] * s[i] / (s[i] + k)
      df2 += m[i] * s[i]^2 / (s[i] + k)^2
      B += k^2 * v[i] / (s[i] + k)^2
    }
    g = df2 / P
    Eg = (B + s2 * g) / (1 - g)
    printf "%.17g %.17g %.17g %.17g %.17g\n", k, Eg, B / (1 - g), s2 * g / (1 - g), (lam / k)^2 * (Eg + s2)
  }'
}
field() { echo "$1" | awk -v i="$2" '{ print $i }'; }

# ---------------------------------------------------------------- help, version
run --help
check "deq --help exits 0" [ "$RC" -eq 0 ]
check "deq --help lists ridge" grep -q ridge "$OUT"
run --version
check "deq --version" grep -q '^deq [0-9]' "$OUT"
run ridge --help
check "deq ridge --help exits 0" [ "$RC" -eq 0 ]
check "deq ridge --help documents --spectrum" grep -q -- --spectrum "$OUT"

# ---------------------------------------------------------------- ridgeless closed forms
# Under-parameterised OLS (N = 200 < P = 400): kappa = 0, gamma = N/P,
# E_g = noise N/(P - N) = 0.5 exactly, no bias.
if ok "iso OLS" ridge --spectrum iso:n=200 --target iso:norm=1 --noise 0.5 --P 400 --lambda 0; then
  same "header" "$(header)" "$HEADER"
  same "one row" "$(rows)" 1
  close "OLS E_g = s2 N/(P-N)" "$(col E_g)" 0.5 1e-14
  close "OLS E_test = E_g + s2" "$(col E_test)" 1 1e-14
  close "OLS kappa = 0" "$(col kappa)" 0 0 1e-300
  close "OLS bias = 0" "$(col bias)" 0 0 1e-300
  close "OLS gamma = N/P" "$(col gamma)" 0.5 1e-14
  close "OLS df1 = N" "$(col df1)" 200 1e-14
  close "OLS dkappa/dlambda = 1/(1-gamma)" "$(col dkappa_dlambda)" 2 1e-14
  close "OLS E_tr = (1-N/P)^2 E_test" "$(col E_tr)" 0.25 1e-14
fi

# Over-parameterised isotropic (Hastie et al.): kappa0 = q - 1, gamma = 1/q,
# E_g = |w|^2 (1 - 1/q) + noise/(q - 1).
for q in 2 4; do
  P=$((400 / q))
  want=$(calc "1 * (1 - 1/$q) + 0.25 / ($q - 1)")
  if ok "iso q=$q" ridge --spectrum iso:n=400 --target iso:norm=1 --noise 0.25 --P $P; then
    close "iso q=$q ridgeless E_g" "$(col E_g)" "$want" 1e-13
    close "iso q=$q kappa0 = q - 1" "$(col kappa)" $((q - 1)) 1e-13
    close "iso q=$q gamma = 1/q" "$(col gamma)" "$(calc "1/$q")" 1e-13
    close "iso q=$q E_tr = 0 (interpolation)" "$(col E_tr)" 0 0 1e-15
    close "iso q=$q gcv = E_test" "$(col gcv)" "$(col E_test)" 1e-13
  fi
done

# Log-uniform on [0.1, 10] is symmetric under s -> 1/s, so df1(1) = N/2:
# kappa0 = 1 exactly at P = N/2.
if ok "loguniform symmetry" ridge --spectrum loguniform:n=400,lo=0.1,hi=10 --target none --P 200; then
  close "loguniform kappa0(P = N/2) = 1" "$(col kappa)" 1 1e-12
  close "loguniform df1 = P" "$(col df1)" 200 1e-12
fi

# ---------------------------------------------------------------- Marchenko-Pastur, lambda > 0
# Sigma = I: kappa^2 + (1 - q - lambda) kappa - lambda = 0.
for case in "100 200 0.1 0.3" "400 200 0.5 0.25" "300 300 0.01 1"; do
  set -- $case
  N=$1 P=$2 lam=$3 s2=$4
  kappa=$(calc "q = $N/$P; b = $lam + q - 1; (b + sqrt(b*b + 4*$lam)) / 2")
  # df1 = N/(1+k), df2 = N/(1+k)^2, B = k^2/(1+k)^2 for |w|^2 = 1.
  Eg=$(calc "k = $kappa; g = $N/(1+k)^2/$P; (k^2/(1+k)^2 + $s2*g)/(1-g)")
  if ok "MP $case" ridge --spectrum iso:n=$N --target iso:norm=1 --noise $s2 --P $P --lambda $lam; then
    close "MP kappa (N=$N P=$P lambda=$lam)" "$(col kappa)" "$kappa" 1e-12
    close "MP E_g (N=$N P=$P lambda=$lam)" "$(col E_g)" "$Eg" 1e-12
    close "MP E_tr = (lambda/kappa)^2 E_test" "$(col E_tr)" \
      "$(calc "($lam/$kappa)^2 * ($Eg + $s2)")" 1e-11
    close "MP dkappa/dlambda = 1/(1-gamma)" "$(col dkappa_dlambda)" \
      "$(calc "1/(1 - $N/(1+$kappa)^2/$P)")" 1e-12
  fi
done

# ---------------------------------------------------------------- grids
if ok "log grid" ridge --spectrum iso:n=50 --target iso:norm=1 --P 10:1000:3:log; then
  same "log grid rows" "$(rows)" 3
  same "log grid start" "$(col P 1)" 10
  same "log grid middle" "$(col P 2)" 100
  same "log grid stop" "$(col P 3)" 1000
  same "default lambda is 0" "$(col lambda 2)" 0
fi
if ok "linear grid" ridge --spectrum iso:n=50 --target iso:norm=1 --P 100 --lambda 0:1:5; then
  same "linear grid values" "$(awk 'NR > 1 { printf "%s ", $2 }' "$OUT")" "0 0.25 0.5 0.75 1 "
fi
# Rows are P-major in the order given (lambda not sorted).
if ok "grid order" ridge --spectrum iso:n=50 --target iso:norm=1 --noise 0.1 --P 100,20 --lambda 0.2,0.01; then
  same "P-major order" "$(awk 'NR > 1 { printf "%s/%s ", $1, $2 }' "$OUT")" \
    "100/0.20000000000000001 100/0.01 20/0.20000000000000001 20/0.01 "
  cp "$OUT" "$TMP/grid.tsv"
  ok "single point" ridge --spectrum iso:n=50 --target iso:norm=1 --noise 0.1 --P 20 --lambda 0.01 &&
    close "grid point = single solve" "$(col E_g 4 "$TMP/grid.tsv")" "$(col E_g)" 1e-13
fi
if ok "single value grid" ridge --spectrum iso:n=50 --target iso:norm=1 --P 7:7:1; then
  same "count 1 grid" "$(col P)" 7
fi

# ---------------------------------------------------------------- file spectra and targets
# A file with one atom (1, target 1, multiplicity 200) is iso:n=200 with
# |w|^2 = 1; the same atom split over four lines merges back.
ok "iso reference" ridge --spectrum iso:n=200 --target iso:norm=1 --noise 0.25 --P 100,400 --lambda 0,0.1 &&
  cp "$OUT" "$TMP/iso.tsv"
for f in spec-iso200.txt spec-split.txt; do
  if ok "file $f" ridge --spectrum "file:$DEQ_DATA/$f" --noise 0.25 --P 100,400 --lambda 0,0.1; then
    for r in 1 2 3 4; do
      close "$f row $r E_g = iso" "$(col E_g $r)" "$(col E_g $r "$TMP/iso.tsv")" 1e-14
    done
    close "$f q = 2 ridgeless E_g" "$(col E_g 1)" 0.75 1e-13
  fi
done

two="4 10 1 1 30 0.5"
ref=$(ridge_ref "$two" 20 0.05 0.1)
if ok "two-atom file" ridge --spectrum "file:$DEQ_DATA/spec-two.txt" --noise 0.1 --P 20 --lambda 0.05; then
  close "two atoms kappa" "$(col kappa)" "$(field "$ref" 1)" 1e-12
  close "two atoms E_g" "$(col E_g)" "$(field "$ref" 2)" 1e-12
  close "two atoms bias" "$(col bias)" "$(field "$ref" 3)" 1e-12
  close "two atoms var_noise" "$(col var_noise)" "$(field "$ref" 4)" 1e-12
  close "two atoms E_tr" "$(col E_tr)" "$(field "$ref" 5)" 1e-11
fi
# --target overrides the file's column: from a file (0.2, 0.3), none, iso.
ref=$(ridge_ref "4 10 0.2 1 30 0.3" 20 0.05 0.1)
ok "target file" ridge --spectrum "file:$DEQ_DATA/spec-two.txt" --target "file:$DEQ_DATA/target-two.txt" \
  --noise 0.1 --P 20 --lambda 0.05 &&
  close "target file overrides the column" "$(col bias)" "$(field "$ref" 3)" 1e-12
ok "target none" ridge --spectrum "file:$DEQ_DATA/spec-two.txt" --target none --noise 0.1 --P 20 --lambda 0.05 &&
  { close "target none: no bias" "$(col bias)" 0 0 1e-300
    close "target none: E_g = var_noise" "$(col E_g)" "$(col var_noise)" 1e-15; }
# iso:norm=2 spreads |w|^2 = 2 evenly: v = 2 m s/dim = (2, 1.5).
ref=$(ridge_ref "4 10 2 1 30 1.5" 20 0.05 0.1)
ok "target iso on a file" ridge --spectrum "file:$DEQ_DATA/spec-two.txt" --target iso:norm=2 \
  --noise 0.1 --P 20 --lambda 0.05 &&
  close "target iso:norm=2 bias" "$(col bias)" "$(field "$ref" 3)" 1e-12

# ---------------------------------------------------------------- optimal ridge
# Isotropic target: lambda* = noise N/(P |w|^2).
if ok "optimal lambda" ridge --spectrum iso:n=100 --target iso:norm=1 --noise 0.5 --P 50,200 --optimal-lambda; then
  same "optimal: one row per P" "$(rows)" 2
  close "lambda*(P=50) = 1" "$(col lambda 1)" 1 1e-6
  close "lambda*(P=200) = 0.25" "$(col lambda 2)" 0.25 1e-6
  Eopt=$(col E_g 2)
  ok "around the optimum" ridge --spectrum iso:n=100 --target iso:norm=1 --noise 0.5 --P 200 --lambda 0.2,0.3 &&
    check "E_g(lambda*) is a minimum" awk -v o="$Eopt" -v a="$(col E_g 1)" -v b="$(col E_g 2)" \
      'BEGIN { exit !(o < a && o < b) }'
fi

# ---------------------------------------------------------------- divergence at P = N
if ok "interpolation peak" ridge --spectrum iso:n=100 --target iso:norm=1 --noise 0.5 --P 100,200; then
  same "peak E_g is inf" "$(col E_g 1)" inf
  same "peak var_noise is inf" "$(col var_noise 1)" inf
  close "after the peak E_g = s2 N/(P-N)" "$(col E_g 2)" 0.5 1e-14
  check "peak reported on stderr" grep -q 'P=100, lambda=0: interpolation peak' "$ERR"
  check "peak: one stderr line" [ "$(wc -l <"$ERR")" -eq 1 ]
fi
# Noiseless at the peak: E_g -> 0 (OLS on a square X recovers wbar), but
# dkappa/dlambda is infinite; the message must not claim E_g is infinite.
if ok "noiseless peak" ridge --spectrum iso:n=100 --target iso:norm=1 --P 100; then
  same "noiseless peak E_g" "$(col E_g 1)" 0
  same "noiseless peak dkappa_dlambda" "$(col dkappa_dlambda 1)" inf
  check "noiseless peak message" grep -q 'E_g = 0 (noiseless limit)' "$ERR"
  check "noiseless peak: E_g not called infinite" not grep -q 'E_g is infinite' "$ERR"
fi
if ok "peak json" ridge --spectrum iso:n=100 --target iso:norm=1 --noise 0.5 --P 100,200 --format json; then
  json_ok "ridge json with inf" ridge
  check "inf is a string in JSON" grep -q '"inf"' "$OUT"
  check "the peak row's status" grep -q '"status": \["diverge", "ok"\]' "$OUT"
fi
ok "json" ridge --spectrum iso:n=100 --target iso:norm=1 --P 10:1000:5:log --lambda 0,1e-3 --format json &&
  json_ok "ridge json" ridge

# ---------------------------------------------------------------- power laws
# N = inf, alpha = 2, r = 1/4, ridgeless: kappa0 ~ [pi/(alpha sin(pi/alpha) P)]^alpha,
# E_g ~ Gamma(2r)Gamma(2-2r) kappa0^(2r) = (1-2r) pi/sin(2 pi r) kappa0^(2r),
# noise variance -> noise (alpha - 1).  Corrections are O(1/P) = 1e-4 here.
k0=$(calc "pi = atan2(0, -1); (pi / (2 * sin(pi/2) * 10000))^2")
if ok "power law asymptotics" ridge --spectrum powerlaw:alpha=2,n=inf --target source:r=0.25 --P 10000 --noise 1; then
  close "power law kappa0" "$(col kappa)" "$k0" 5e-3
  close "power law bias" "$(col bias)" "$(calc "pi = atan2(0, -1); 0.5 * pi * sqrt($k0)")" 5e-3
  close "power law tempered var_noise" "$(col var_noise)" 1 5e-3
fi
ok "power law n=1e12" ridge --spectrum powerlaw:alpha=1.5,n=1e12 --target source:r=0.4 --P 100:100000:4:log --lambda 0,1e-6 &&
  same "n=1e12 rows" "$(rows)" 8

HEADER_X="regime alpha r noisy exponent floor lambda_exponent"
if ok "predict ridgeless" ridge --spectrum powerlaw:alpha=1.5,n=inf --target source:r=0.4 --predict-exponent; then
  same "predict header" "$(header)" "$HEADER_X"
  same "predict regime" "$(col regime)" ridgeless
  close "predicted 2 alpha r" "$(col exponent)" 1.2 1e-12
  same "noiseless: no floor" "$(col floor)" 0
  same "noiseless flag" "$(col noisy)" 0
fi
ok "predict saturated" ridge --spectrum powerlaw:alpha=1.5,n=inf --target source:r=1.5 --predict-exponent &&
  close "saturation r >= 1: 2 alpha" "$(col exponent)" 3 1e-12
if ok "predict optimal" ridge --spectrum powerlaw:alpha=1.5,n=1000 --target source:r=0.4 --noise 0.1 \
    --optimal-lambda --predict-exponent; then
  same "predict optimal regime" "$(col regime)" optimal
  close "optimal 2ar/(2ar+1)" "$(col exponent)" "$(calc "1.2/2.2")" 1e-12
  close "lambda* exponent alpha/(2ar+1)" "$(col lambda_exponent)" "$(calc "1.5/2.2")" 1e-12
fi
ok "predict fixed" ridge --spectrum powerlaw:alpha=2,n=inf --target source:r=0.5 --lambda 1e-3 --predict-exponent &&
  { same "fixed regime" "$(col regime)" fixed; same "fixed ridge has a floor" "$(col floor)" 1; }
ok "predict json" ridge --spectrum powerlaw:alpha=2,n=inf --target source:r=0.5 --predict-exponent --format json &&
  json_ok "predict json" ridge

# ---------------------------------------------------------------- plots
rm -f "$TMP/no.svg"
DEQ_GNUPLOT="$TMP/no-such-gnuplot"
export DEQ_GNUPLOT
ok "plot without gnuplot" ridge --spectrum iso:n=50 --target iso:norm=1 --P 10,100 --plot "$TMP/no.svg"
nogp=$?
unset DEQ_GNUPLOT
if [ "$nogp" -eq 0 ]; then
  check "missing gnuplot: warning" grep -q 'warning.*gnuplot' "$ERR"
  same "missing gnuplot: table still printed" "$(rows)" 2
  check "missing gnuplot: no file" [ ! -e "$TMP/no.svg" ]
fi
if ok "plot svg" ridge --spectrum iso:n=50 --target iso:norm=1 --noise 0.1 --P 10:200:20:log \
    --lambda 0,0.1 --plot "$TMP/c.svg"; then
  same "plot: table printed" "$(rows)" 40
  if grep -q 'not found' "$ERR"; then
    echo "note: gnuplot not installed; plot files not checked"
  else
    check "svg written" grep -q '<svg' "$TMP/c.svg"
    ok "plot png" ridge --spectrum iso:n=50 --target iso:norm=1 --P 10,20,40 --plot "$TMP/c.png" &&
      check "png written" [ "$(head -c 4 "$TMP/c.png" | tail -c 3)" = PNG ]
  fi
fi
# Nothing drawable (E_g infinite at the peak): a warning, the table, exit 0.
if ok "plot of nothing" ridge --spectrum iso:n=50 --target iso:norm=1 --noise 1 --P 50 --plot "$TMP/inf.svg"; then
  check "nothing to plot: warning" grep -q 'warning: --plot' "$ERR"
  same "nothing to plot: table printed" "$(rows)" 1
fi

# ---------------------------------------------------------------- --certify
if ok "certify" ridge --spectrum loguniform:n=50,lo=0.1,hi=10 --target iso --noise 0.1 --P 25,50,100 --lambda 0,1e-3 --certify; then
  check "certify reports" grep -q 'MPFR check (256 bits) of 6 of 6 points: largest relative difference' "$ERR"
  d=$(sed -n 's/.*largest relative difference \([^ ]*\) .*/\1/p' "$ERR")
  check "certified to 1e-12 (got $d)" awk -v d="$d" 'BEGIN { exit !(d < 1e-12) }'
fi
if ok "certify rf" rf --spectrum loguniform:n=50,lo=0.1,hi=10 --target iso --noise 0.1 --features 20,inf --P 30 --lambda 0,0.01 --certify; then
  check "rf certify: finite M, lambda > 0 only" grep -q 'of 1 of 4 points' "$ERR"
  d=$(sed -n 's/.*largest relative difference \([^ ]*\) .*/\1/p' "$ERR")
  check "rf certified to 1e-12 (got $d)" awk -v d="$d" 'BEGIN { exit !(d < 1e-12) }'
fi
if ok "certify corr" corr --spectrum loguniform:n=50,lo=0.1,hi=10 --target iso --noise 0.1 --corr ar1:rho=0.4 --P 40,80 --lambda 0.01 --certify; then
  d=$(sed -n 's/.*largest relative difference \([^ ]*\) .*/\1/p' "$ERR")
  check "corr certified to 1e-12 (got $d)" awk -v d="$d" 'BEGIN { exit !(d < 1e-12) }'
fi
error "certify the optimal ridge" 1 "--certify: the MPFR twin does not cover" \
  ridge --spectrum iso:n=10 --target iso --noise 0.1 --P 20 --optimal-lambda --certify

# A log grid across the whole double range (b/a overflows): every point
# finite, the ends exact (issue 8).
if ok "log grid 1e-300:1e300" ridge --spectrum iso:n=100 --target iso:norm=1 --P 50 --lambda 1e-300:1e300:3:log; then
  same "grid ends" "$(col lambda 1) $(col lambda 3)" "1e-300 1.0000000000000001e+300"
  close "grid middle" "$(col lambda 2)" 1 1e-13
  close "lambda = 1e300: E_g = signal" "$(col E_g 3)" 1 1e-14
fi

finish
