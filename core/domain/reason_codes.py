"""A tenant's list of parecer reason codes: the reasons its reviewers may cite (ADR 0026).

A tenant without a list of its own uses `DEFAULT_REASON_CODES` (core/domain/review.py). A list
is short, of snake_case codes, each once, so a 422 can name all of them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.domain.errors import InvalidInput

CODE = re.compile(r"^[a-z0-9_]{1,64}$")
MAX_CODES = 50


def validate_reason_codes(codes: Sequence[str]) -> tuple[str, ...]:
    """The list as given, if it is usable: 1 to 50 distinct codes of a-z, 0-9 and _ (≤ 64 characters)."""
    if not codes:
        raise InvalidInput("a lista de motivos precisa de pelo menos um código")
    if len(codes) > MAX_CODES:
        raise InvalidInput(f"a lista de motivos tem no máximo {MAX_CODES} códigos")
    bad = [code for code in codes if not CODE.match(code)]
    if bad:
        raise InvalidInput(f"códigos de motivo inválidos (use a-z, 0-9 e _): {', '.join(bad)}")
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        raise InvalidInput(f"códigos de motivo repetidos: {', '.join(repeated)}")
    return tuple(codes)
