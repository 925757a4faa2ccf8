#!/bin/sh
# deq spectrum --samples/--product and deq mc spectrum: Marchenko-Pastur in
# closed form, masses, moments, Stieltjes and S-transforms, df of products,
# Monte Carlo histogram and KS distance, bad input.
. "$(dirname "$0")/lib.sh"

LU=loguniform:n=100,lo=0.1,hi=10

# ---------------------------------------------------------------- MP closed form
# Sigma = I, q = N/P = 2: edges (1 -+ sqrt 2)^2, density sqrt((b-x)(x-a))/(2 pi q x),
# atom 1 - 1/q = 0.5 at 0 (reported on stderr).
if ok "mp density" spectrum --spectrum iso:n=200 --samples 100 --density 0.5,1,3,6; then
  same "density header" "$(header)" "x density"
  same "density rows" "$(rows)" 4
  for i in 1 2 3; do
    x=$(col x $i)
    close "mp density at $x" "$(col density $i)" \
      "$(calc "a = (1 - sqrt(2))^2; b = (1 + sqrt(2))^2; sqrt((b - $x) * ($x - a)) / (4 * atan2(0, -1) * $x)")" 1e-10
  done
  same "zero outside" "$(col density 4)" 0
  check "atom on stderr" grep -q "atom at x = 0 with mass 0.5" "$ERR"
fi
if ok "mp edges" spectrum --spectrum iso:n=200 --samples 100 --edges; then
  same "edges header" "$(header)" "interval lower upper mass"
  same "atom row" "$(col interval 1)/$(col mass 1)" "0/0.5"
  close "lower edge" "$(col lower 2)" "$(calc "(1 - sqrt(2))^2")" 1e-12
  close "upper edge" "$(col upper 2)" "$(calc "(1 + sqrt(2))^2")" 1e-12
  close "mass + atom = 1" "$(calc "$(col mass 1) + $(col mass 2)")" 1 1e-10
fi
# Narayana: 1, 1 + q, 1 + 3q + q^2 with q = 0.5
if ok "mp moments" spectrum --spectrum iso:n=100 --samples 200 --moments=3; then
  same "moments header" "$(header)" "k moment"
  same "moments rows" "$(rows)" 4
  close "m2" "$(col moment 3)" 1.5 1e-13
  close "m3" "$(col moment 4)" 2.75 1e-13
fi
# g(-lambda) = [sqrt((1-q+l)^2 + 4 q l) - (1-q+l)]/(2 q l), q = 2, l = 0.5
if ok "stieltjes" spectrum --spectrum iso:n=200 --samples 100 --stieltjes -0.5,1+0.5i,2.5-0i; then
  same "stieltjes header" "$(header)" "z_re z_im g_re g_im"
  close "g(-lambda)" "$(col g_re 1)" "$(calc "b = -0.5; (sqrt(b * b + 4) - b) / 2")" 1e-11
  # boundary value on the support: Im g = pi rho(2.5)
  close "Im g(x + i0)" "$(col g_im 3)" \
    "$(calc "a = (1 - sqrt(2))^2; b = (1 + sqrt(2))^2; sqrt((b - 2.5) * (2.5 - a)) / (4 * 2.5)")" 1e-10
fi
# spec-zero.txt: atoms 2 (x3), 1 (x5), 0 (x2); g = (1/10) sum m/(s - z)
ok "population stieltjes" spectrum --spectrum "file:$DEQ_DATA/spec-zero.txt" --stieltjes 3+1i &&
  close "population g_re" "$(col g_re)" "$(calc "(3 * (2 - 3) / ((2-3)^2 + 1) + 5 * (1 - 3) / ((1-3)^2 + 1) + 2 * (-3) / 10) / 10")" 1e-14

# ---------------------------------------------------------------- S-transforms
# iso scale 4: S = 1/4; sample covariance of iso: S = 1/(1 - q delta)
ok "s iso" spectrum --spectrum iso:n=50,scale=4 --s-transform 0.2,0.7 &&
  { same "s header" "$(header)" "delta S"; close "S iso" "$(col S 2)" 0.25 1e-13; }
ok "s wishart" spectrum --spectrum iso:n=100 --samples 200 --s-transform 0.4 &&
  close "S W" "$(col S)" "$(calc "1 / (1 - 0.5 * 0.4)")" 1e-12

# ---------------------------------------------------------------- products
# One isotropic layer on I_100, width 50: Z'Z/50 is MP with q = 0.5, scale 2.
if ok "product density" spectrum --spectrum iso:n=100 --product --widths 50 --density 1,3; then
  for i in 1 2; do
    x=$(col x $i)
    close "product MP at $x" "$(col density $i)" \
      "$(calc "a = 2 * (1 - sqrt(0.5))^2; b = 2 * (1 + sqrt(0.5))^2; sqrt((b - $x) * ($x - a)) / (2 * atan2(0, -1) * 0.5 * 2 * $x)")" 1e-9
  done
fi
# df of G' Sigma_hat G: lambda_A(df) = f(df)(1 - df/N1)(1 - df/N2)(1 - df/P)
if ok "product df" spectrum --spectrum $LU --product --widths 150,75 --samples 200 --df 0.1; then
  same "df header" "$(header)" "lambda df1 kappa"
  d=$(col df1); k=$(col kappa)
  close "lambda from df" "$(calc "$k * (1 - $d/150) * (1 - $d/75) * (1 - $d/200)")" 0.1 1e-10
fi
ok "product json" spectrum --spectrum $LU --product --widths 150,75 --layer-spectrum iso:n=5,scale=2 \
  --density 1,2 --format json && json_ok "product json" spectrum

# ---------------------------------------------------------------- Monte Carlo
if ok "mc spectrum" mc spectrum --spectrum $LU --samples 50 --trials 20 --bins 8 --seed 3; then
  same "mc header" "$(header)" "bin_lo bin_hi x density density_mc density_se density_z"
  same "mc rows" "$(rows)" 8
  check "ks on stderr" grep -q "Kolmogorov-Smirnov distance" "$ERR"
  bad=$(awk -F '\t' 'NR > 1 && ($7 > 4 || $7 < -4) { n++ } END { print n + 0 }' "$OUT")
  same "histogram z within 4" "$bad" 0
fi
if ok "mc ks" mc spectrum --spectrum $LU --samples 50 --trials 20 --ks; then
  same "ks header" "$(header)" "n trials eigenvalues ks atom0 atom0_mc"
  same "ks atom" "$(col atom0)/$(col atom0_mc)" "0.5/0.5"
  check "ks small" near "$(col ks)" 0 0 0.03
fi
ok "mc product json" mc spectrum --spectrum $LU --product --widths 80,60 --trials 3 --format json &&
  json_ok "mc product json" "mc spectrum"

# ---------------------------------------------------------------- bad input
error "density without model" 1 "--density needs --samples" spectrum --spectrum iso:n=5 --density 1
error "samples zero" 1 "--samples" spectrum --spectrum iso:n=5 --samples 0 --density 1
error "widths zero" 1 "--widths" spectrum --spectrum iso:n=5 --product --widths 3,0 --density 1
error "widths negative" 1 "--widths" spectrum --spectrum iso:n=5 --product --widths -3 --density 1
error "product without widths" 1 "--product needs --widths" spectrum --spectrum iso:n=5 --product --density 1
error "layer with zeros" 1 "--layer-spectrum" spectrum --spectrum iso:n=10 --product --widths 5,4 \
  --layer-spectrum "file:$DEQ_DATA/spec-zero.txt" --density 1
error "layer one layer" 1 "layers 2..L" spectrum --spectrum iso:n=10 --product --widths 5 \
  --layer-spectrum iso:n=3 --density 1
error "pole on the axis" 1 "pole" spectrum --spectrum iso:n=4 --stieltjes 1
error "atom at 0 pole" 1 "pole" spectrum --spectrum iso:n=4 --samples 2 --stieltjes 0
error "negative imaginary" 1 "imaginary part" spectrum --spectrum iso:n=200 --samples 100 --stieltjes 1-2i
error "bad complex" 1 "not a complex number" spectrum --spectrum iso:n=200 --samples 100 --stieltjes 1+2j
error "s out of range" 1 "outside (0, 0.5)" spectrum --spectrum iso:n=10 --samples 5 --s-transform 0.7
error "edges of product" 1 "only for a sample covariance" spectrum --spectrum iso:n=5 --product --widths 3 --edges
error "two modes" 1 "cannot be combined" spectrum --spectrum iso:n=5 --samples 3 --edges --moments
error "infinite spectrum" 1 "finite dimension" spectrum --spectrum powerlaw:alpha=2,n=inf --samples 10 --edges
error "mc non-integer width" 1 "cannot sample" mc spectrum --spectrum iso:n=5 --product --widths 2.5
error "mc without model" 1 "needs --samples" mc spectrum --spectrum iso:n=5
error "mc trials" 1 "--trials" mc spectrum --spectrum iso:n=5 --samples 3 --trials 1

# Density z-scores with few trials are Student's t with T - 1 degrees of
# freedom (their standard errors are estimated from the T trials): with
# T = 10 the fraction of |z| > 2 over 6 x 60 bins must match t_9's
# 7.66% within 4 binomial standard deviations (about 0.056), and the
# banner says so.
fz=0; nz=0
for s in 1 2 3 4 5 6; do
  run mc spectrum --spectrum loguniform:n=200,lo=0.1,hi=10 --samples 400 --trials 10 --bins 60 --seed $s
  [ "$RC" -eq 0 ] || break
  set -- $(awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "density_z") c = i; next }
    $c != "nan" { n++; if ($c > 2 || $c < -2) k++ } END { print k + 0, n + 0 }' "$OUT")
  fz=$((fz + $1)); nz=$((nz + $2))
done
check "density z calibrated as t_9 ($fz of $nz bins beyond 2)" \
  awk -v k="$fz" -v n="$nz" 'BEGIN { p = 0.0765528; exit !(n > 300 && (k/n - p)^2 < 16 * p * (1 - p) / n) }'
check "the banner names the t distribution" grep -q "Student's t with 9 degrees of freedom: |z| > 2 in 7.7% of cells" "$ERR"

finish
