"""The fault-injection cases of bench/faults.py, by kind (see that script for how to run them).

Importing the package puts the repository root on sys.path (the script runs as a file, so only
bench/ is there) and makes Hugging Face offline before any model library is imported.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a wrong model name fails at once, offline
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
