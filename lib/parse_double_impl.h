/* parse_double_impl.h -- a fast, exactly rounded decimal-to-double
 * conversion for the table reader (lib/io.c).  */
#ifndef DEQ_PARSE_DOUBLE_IMPL_H
#define DEQ_PARSE_DOUBLE_IMPL_H

/* If the whole NUL-terminated string s is a plain decimal number
   ([+-] digits [. digits] [e|E [+-] digits], at least one mantissa digit,
   at most 19 significant digits) whose value is a normal double or zero,
   store in *x the same double as strtod (round to nearest even) and
   return 1.  Otherwise return 0 and leave *x alone: the caller falls back
   to strtod, which then decides (inf, nan, hex, subnormals, overflow,
   long mantissas, malformed text).  */
int deq_parse_decimal(const char *s, double *x);

/* The same for a number at the start of s, ended by anything that
   cannot continue a number (not a letter, digit, '.', '+', '-' or '_'):
   a pointer just past it, or NULL (then strtod must decide).  */
const char *deq_parse_decimal_prefix(const char *s, double *x);

/* The same, faster, for text with at least 8 readable bytes after every
   position up to the number's end (the table reader's zero padding):
   eight digits at a time, and %.17g's shape [-]D.DDDD... (8 to 18 digits
   after the dot) without a loop.  */
const char *deq_parse_decimal_prefix_padded(const char *s, double *x);

#endif
