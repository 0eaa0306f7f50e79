"""Measure the attachment text extraction limits on hostile files made on the spot:
a 10,000-page PDF and a DOCX zip bomb inflating to 200 MB (docs/attachments.md).

    .venv/bin/python tools/measure_attachment_limits.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kb.attachments.extract import Limits, extract_text  # noqa: E402
from tests.attachments import files  # noqa: E402


def main() -> None:
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    pdf = files.many_pages_pdf(10_000)
    result = extract_text(pdf, "pdf")
    print(f"10,000-page PDF ({len(pdf) / 1e6:.1f} MB): {result.pages} pages read in "
          f"{result.seconds:.2f} s — {result.note}")
    bomb = files.zip_bomb_docx(200)
    result = extract_text(bomb, "docx")
    print(f"200 MB zip bomb ({len(bomb) / 1e3:.0f} kB): {result.xml_bytes / 2**20:.1f} MB of XML "
          f"read in {result.seconds:.3f} s — {result.note}")
    result = extract_text(bomb, "docx", Limits(inflate_ratio=10**9))
    print(f"same bomb without the ratio rule: {result.xml_bytes / 2**20:.1f} MB of XML read in "
          f"{result.seconds:.2f} s — {result.note}")


if __name__ == "__main__":
    main()
