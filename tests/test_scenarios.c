#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "simnet.h"

static void placeholder(void **st) { (void)st; }

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(placeholder)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
