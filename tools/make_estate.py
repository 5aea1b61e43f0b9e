#!/usr/bin/env python3
"""Write a generated N-forest primary/staging estate with planted drift (the bench's data).

    python tools/make_estate.py OUT --connectors N --rules-per-connector M [--drift K] [--seed S]

Writes OUT/primary, OUT/staging and OUT/planted.json (a manifest of the planted findings, see
tools/exportkit/manifest.py). The same arguments write the same bytes.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from exportkit.estate import main

if __name__ == "__main__":
    sys.exit(main())
