"""NumPy's integer-only ufuncs (bit operations, gcd, lcm) and ``isnat``: results without a gradient.

=============================  ===========================================  ======================================
op                             forward                                      local derivative
=============================  ===========================================  ======================================
bitwise_and/or/xor(x, y)       NumPy's ufunc on integer or bool values      none (integer results)
invert(x) (bitwise_not)        ~x                                           none
left_shift, right_shift        x << y, x >> y                               none
bitwise_count(x)               the number of 1 bits of abs(x)               none
gcd(x, y), lcm(x, y)           greatest common divisor, least common mult.  none
isnat(x)                       NaT test of datetime / timedelta values      none (booleans)
=============================  ===========================================  ======================================

Like the comparisons, each one returns a tensor that requires no gradient. NumPy defines these ufuncs for
integers and booleans only (``isnat`` for datetimes): on float tensors its own ``TypeError`` comes through.
"""

from __future__ import annotations

import numpy as np

from .elementwise import _nondiff  # (comparisons and logic are declared the same way)

bitwise_and = _nondiff("bitwise_and", np.bitwise_and)
bitwise_or = _nondiff("bitwise_or", np.bitwise_or)
bitwise_xor = _nondiff("bitwise_xor", np.bitwise_xor)
invert = _nondiff("invert", np.invert)
left_shift = _nondiff("left_shift", np.left_shift)
right_shift = _nondiff("right_shift", np.right_shift)
bitwise_count = _nondiff("bitwise_count", np.bitwise_count)
gcd = _nondiff("gcd", np.gcd)
lcm = _nondiff("lcm", np.lcm)
isnat = _nondiff("isnat", np.isnat)
bitwise_not = invert
