/* status.c -- status codes, error records and the version string.  */
#include "config.h"
#include "deq/status.h"

const char *deq_strerror(deq_status status)
{
  switch (status) {
  case DEQ_OK: return "success";
  case DEQ_EINVAL: return "invalid argument";
  case DEQ_EDOM: return "argument outside the domain";
  case DEQ_ENOCONV: return "iteration did not converge";
  case DEQ_EDIVERGE: return "result diverges (infinite)";
  case DEQ_ENOMEM: return "out of memory";
  case DEQ_EIO: return "input/output error";
  case DEQ_EPARSE: return "malformed input";
  case DEQ_ELAPACK: return "LAPACK failure";
  case DEQ_EUNSUP: return "not supported for this input";
  }
  return "unknown status";
}

void deq_error_clear(deq_error *err)
{
  if (!err) return;
  err->line = 0;
  err->column = 0;
  err->message[0] = '\0';
}

const char *deq_version(void)
{
  return PACKAGE_VERSION;
}
