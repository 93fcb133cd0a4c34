#include <config.h>
#include "unit.h"
int main (void) { UNIT_DONE (); }
