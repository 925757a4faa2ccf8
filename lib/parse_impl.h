/* parse_impl.h -- number parsing for the text readers, private.  */
#ifndef DEQ_PARSE_IMPL_H
#define DEQ_PARSE_IMPL_H

/* A whole NUL-terminated token as a double: 1 and *x exactly as strtod
   would give it, or 0 if the token is not entirely a number ("inf" and
   "nan" parse, as with strtod).  Fast for plain decimals.  */
int deq_parse_double(const char *tok, double *x);

/* The fast path alone: a plain decimal at the start of tok, correctly
   rounded, with *end after it; 0 when it cannot tell (hex, inf, nan, no
   digits, too many digits, a value strtod must round itself).  */
int deq_parse_prefix(const char *tok, const char **end, double *x);

#endif
