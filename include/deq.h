/* deq.h -- deterministic equivalents of random-matrix learning curves.
 * Umbrella header: includes every public module header.  */
#ifndef DEQ_H
#define DEQ_H

#include "deq/version.h"
#include "deq/status.h"
#include "deq/spectrum.h"
#include "deq/spectrum_rule.h"
#include "deq/resolvent.h"
#include "deq/solve.h"
#include "deq/ridge.h"
#include "deq/mp.h"
#include "deq/fit.h"
#include "deq/mc.h"
#include "deq/io.h"
#include "deq/freeprob.h"
#include "deq/features.h"
#include "deq/corr.h"
#include "deq/sampler.h"
#include "deq/estimate.h"
#include "deq/model.h"
#include "deq/ensemble.h"
#include "deq/twopoint.h"
#include "deq/icl.h"
#include "deq/data.h"
#include "deq/cot.h"
#include "deq/dynamics.h"
#include "deq/ensemble_views.h"
#include "deq/flow.h"
#include "deq/msgd.h"

#endif
