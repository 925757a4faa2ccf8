#!/bin/sh
# Bad input: every case must exit with status 1, print nothing on stdout,
# and print exactly one line "deq CMD: message" on stderr that names the
# option, the offending text, or the file and line.
. "$(dirname "$0")/lib.sh"

D=$DEQ_DATA
ISO="--spectrum iso:n=10 --target iso:norm=1"
R="ridge --P 5"  # a ridge command that only lacks its spectrum

# ---------------------------------------------------------------- commands and options
error "no command" 1 "missing command"
error "unknown command" 1 frobnicate frobnicate
error "mc without model" 1 "missing model" mc
error "mc unknown model" 1 lasso mc lasso
error "mc option instead of model" 1 "--trials" mc --trials 5
error "unknown option" 1 "--bogus" ridge $ISO --P 5 --bogus
error "missing argument" 1 "--P" ridge $ISO --P
error "stray argument" 1 "extra" ridge $ISO --P 5 extra
error "no --spectrum" 1 "--spectrum" $R --target none
error "no --P" 1 "--P" ridge $ISO
error "no --target" 1 "--target" $R --spectrum iso:n=10
error "mc option in ridge" 1 "--trials" ridge $ISO --P 5 --trials 10
error "predict option in mc" 1 "--predict-exponent" mc ridge $ISO --P 5 --predict-exponent
error "bad format" 1 "--format" ridge $ISO --P 5 --format xml
error "bad plot type" 1 "--plot" ridge $ISO --P 5 --plot curve.pdf
error "plot with predict" 1 "--plot" ridge --spectrum powerlaw:alpha=2,n=inf --target source:r=0.5 \
  --predict-exponent --plot x.svg
error "plot to a missing directory" 1 "--plot" ridge $ISO --P 5 --plot "$TMP/no/such/dir/x.svg"
error "lambda with optimal" 1 "--lambda" ridge $ISO --P 5 --lambda 0.1 --optimal-lambda
error "predict without power law" 1 "--predict-exponent" ridge $ISO --predict-exponent
error "predict without source" 1 "--predict-exponent" ridge --spectrum powerlaw:alpha=2,n=100 \
  --target none --predict-exponent

# ---------------------------------------------------------------- spectrum specs
error "unknown kind" 1 "gauss" $R --spectrum gauss:n=5 --target none
error "unknown key" 1 "foo" $R --spectrum iso:n=5,foo=1 --target none
error "missing key" 1 "hi" $R --spectrum loguniform:n=5,lo=0.1 --target none
error "duplicate key" 1 "duplicate" $R --spectrum iso:n=5,n=6 --target none
error "bad number" 1 "abc" $R --spectrum iso:n=abc --target none
error "nan in spec" 1 "nan" $R --spectrum loguniform:n=4,lo=nan,hi=1 --target none
error "empty value" 1 "iso:n=" $R --spectrum iso:n= --target none
error "no value" 1 "iso:n" $R --spectrum iso:n --target none
error "n = 0" 1 "iso:n=0" $R --spectrum iso:n=0 --target none
error "fractional n" 1 "iso:n=2.5" $R --spectrum iso:n=2.5 --target none
error "negative scale" 1 "scale" $R --spectrum iso:n=5,scale=-1 --target none
error "lo > hi" 1 "lo" $R --spectrum loguniform:n=4,lo=10,hi=1 --target none
error "infinite n needs alpha > 1" 1 "alpha" $R --spectrum powerlaw:alpha=0.5,n=inf --target none
error "negative alpha" 1 "alpha" $R --spectrum powerlaw:alpha=-1,n=10 --target none
error "file without path" 1 "--spectrum" $R --spectrum file:
error "missing file" 1 "no-such-file.txt" $R --spectrum "file:$D/no-such-file.txt"

# ---------------------------------------------------------------- spectrum files
error "negative eigenvalue" 1 "bad-negative-eigenvalue.txt:3:" $R --spectrum "file:$D/bad-negative-eigenvalue.txt"
error "nan eigenvalue" 1 "bad-nan-eigenvalue.txt:3:" $R --spectrum "file:$D/bad-nan-eigenvalue.txt"
error "inf eigenvalue" 1 "bad-inf-eigenvalue.txt:2:" $R --spectrum "file:$D/bad-inf-eigenvalue.txt"
error "negative target power" 1 "bad-negative-target.txt:3:" $R --spectrum "file:$D/bad-negative-target.txt"
error "nan target power" 1 "bad-nan-target.txt:1:" $R --spectrum "file:$D/bad-nan-target.txt"
error "inf target power" 1 "bad-inf-target.txt:2:" $R --spectrum "file:$D/bad-inf-target.txt"
error "empty spectrum file" 1 "bad-empty.txt" $R --spectrum "file:$D/bad-empty.txt"
error "unparsable number" 1 "bad-number.txt:2:" $R --spectrum "file:$D/bad-number.txt"
error "zero multiplicity" 1 "bad-multiplicity.txt:2:" $R --spectrum "file:$D/bad-multiplicity.txt"
error "too many fields" 1 "bad-fields.txt:1:" $R --spectrum "file:$D/bad-fields.txt"
error "bad file in spectrum cmd" 1 "bad-number.txt:2:" spectrum --spectrum "file:$D/bad-number.txt"

# ---------------------------------------------------------------- targets
error "unknown target" 1 "gauss" $R --spectrum iso:n=10 --target gauss
error "source on iso" 1 "source" $R --spectrum iso:n=10 --target source:r=0.5
error "source without r" 1 "'r'" $R --spectrum powerlaw:alpha=2,n=10 --target source:amp=1
error "negative r" 1 "r must be" $R --spectrum powerlaw:alpha=2,n=10 --target source:r=-1
error "negative norm" 1 "norm" $R --spectrum iso:n=10 --target iso:norm=-1
error "iso target, infinite spectrum" 1 "--target" $R --spectrum powerlaw:alpha=2,n=inf --target iso
error "target count" 1 "target-three.txt" $R --spectrum "file:$D/spec-two.txt" --target "file:$D/target-three.txt"
error "negative target value" 1 "target-negative.txt:4:" $R --spectrum "file:$D/spec-two.txt" \
  --target "file:$D/target-negative.txt"
error "unparsable target value" 1 "target-badnum.txt:2:" $R --spectrum "file:$D/spec-two.txt" \
  --target "file:$D/target-badnum.txt"
error "infinite target value" 1 "target-inf.txt:2:" $R --spectrum "file:$D/spec-two.txt" \
  --target "file:$D/target-inf.txt"
error "target on a zero eigenvalue" 1 "target-three.txt:2:" $R --spectrum "file:$D/spec-zero.txt" \
  --target "file:$D/target-three.txt"
error "missing target file" 1 "no-such-target.txt" $R --spectrum "file:$D/spec-two.txt" \
  --target "file:$D/no-such-target.txt"

# ---------------------------------------------------------------- numbers and grids
error "P = 0" 1 "--P" ridge $ISO --P 0
error "P < 0" 1 "--P" ridge $ISO --P -5
error "P in a list" 1 "--P" ridge $ISO --P 100,0
error "P not a number" 1 "abc" ridge $ISO --P abc
error "P nan" 1 "nan" ridge $ISO --P nan
error "P inf" 1 "inf" ridge $ISO --P inf
error "P empty" 1 "--P" ridge $ISO --P ""
error "P empty list item" 1 "--P" ridge $ISO --P 10,,20
error "negative lambda" 1 "--lambda" ridge $ISO --P 5 --lambda -0.1
error "nan lambda" 1 "--lambda" ridge $ISO --P 5 --lambda nan
error "negative noise" 1 "--noise" ridge $ISO --P 5 --noise -1
error "noise grid" 1 "--noise" ridge $ISO --P 5 --noise 0.1,0.2
error "noise not a number" 1 "--noise" ridge $ISO --P 5 --noise abc
error "grid count 0" 1 "10:100:0" ridge $ISO --P 10:100:0
error "log grid through 0" 1 "log" ridge $ISO --P 5 --lambda 0:1:5:log
error "log grid below 0" 1 "log" ridge $ISO --P -10:10:3:log
error "grid spacing" 1 "foo" ridge $ISO --P 1:10:3:foo
error "grid fields" 1 "start:stop:count" ridge $ISO --P 1:10
error "grid too many fields" 1 "start:stop:count" ridge $ISO --P 1:10:3:log:x
error "fractional count" 1 "2.5" ridge $ISO --P 1:10:2.5
error "grid bad start" 1 "x" ridge $ISO --P x:10:3

# ---------------------------------------------------------------- Monte Carlo
MC="mc ridge $ISO --P 5"
error "trials 0" 1 "--trials" $MC --trials 0
error "trials 1" 1 "--trials" $MC --trials 1
error "trials negative" 1 "--trials" $MC --trials -5
error "trials not a number" 1 "--trials" $MC --trials many
error "seed negative" 1 "--seed" $MC --seed -1
error "seed not a number" 1 "--seed" $MC --seed 1.5
error "threads negative" 1 "--threads" $MC --threads -1
error "mc fractional P" 1 "--P" mc ridge $ISO --P 2.5
error "mc infinite spectrum" 1 "--spectrum" mc ridge --spectrum powerlaw:alpha=2,n=inf \
  --target source:r=0.5 --P 5
error "mc bad spectrum file" 1 "bad-negative-eigenvalue.txt:3:" mc ridge --spectrum "file:$D/bad-negative-eigenvalue.txt" --P 5

# ---------------------------------------------------------------- fit
error "fit missing y column" 1 "nope" fit --y nope "$D/fit-powerlaw.tsv"
error "fit missing x column" 1 "--x" fit --x nope "$D/fit-powerlaw.tsv"
error "fit missing se column" 1 "nope" fit --se nope "$D/fit-powerlaw.tsv"
error "fit one usable point" 1 "usable" fit "$D/fit-short.tsv"
error "fit floor needs 4 points" 1 "usable" fit --floor --xmax 1600 "$D/fit-nonfinite.tsv"
error "fit empty window" 1 "usable" fit --xmin 5000 "$D/fit-powerlaw.tsv"
error "fit missing file" 1 "no-such.tsv" fit "$D/no-such.tsv"
error "fit bad number" 1 "fit-bad.tsv:3:" fit "$D/fit-bad.tsv"
error "fit two files" 1 "unexpected" fit "$D/fit-powerlaw.tsv" "$D/fit-mc.tsv"
error "fit bad xmin" 1 "--xmin" fit --xmin abc "$D/fit-powerlaw.tsv"
error "fit xmin > xmax" 1 "--xmin" fit --xmin 10 --xmax 1 "$D/fit-powerlaw.tsv"
error "fit local with floor" 1 "--local" fit --local --floor "$D/fit-powerlaw.tsv"
error "fit plot" 1 "--plot" fit --plot x.svg "$D/fit-powerlaw.tsv"
run fit </dev/null
CHECKS=$((CHECKS + 1))
[ "$RC" -eq 1 ] && [ ! -s "$OUT" ] && [ "$(wc -l <"$ERR")" -eq 1 ] ||
  fail "fit of empty stdin: exit $RC, stderr $(cat "$ERR")"

# ---------------------------------------------------------------- spectrum command
error "spectrum without --spectrum" 1 "--spectrum" spectrum
error "spectrum summary plot" 1 "--plot" spectrum --spectrum iso:n=3 --summary --plot x.svg
error "spectrum stray argument" 1 "extra" spectrum --spectrum iso:n=3 extra

finish
