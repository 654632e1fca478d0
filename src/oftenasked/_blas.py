"""One BLAS thread for a process started as ``oftenasked``, set before numpy is first imported.

Imported first by ``cli.py``. A command answers one question: every product it does is bound by
memory bandwidth, and on a busy two-core machine a second BLAS thread only fights the first (the
first pass's basis took 3.4 s of a 7.5 s cold ``ask`` that way). Variables already set win.
"""

import os

for _name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
